"""Factories for configuration and people; cases are built through the services (see
``tests.builders``), never by setting fields."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group, User

from applications.models import Membership, Ministry, Organization, Program, StaffProfile, Track
from applications.roles import Role
from applications.validators import brn_check_digit
from applications.workflow import ConfirmationOutcome, TrackKind


class MinistryFactory(factory.django.DjangoModelFactory[Ministry]):
    class Meta:
        model = Ministry
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"M{n:03d}")
    name = factory.LazyAttribute(lambda o: f"{o.code} 부")
    name_en = factory.LazyAttribute(lambda o: f"Ministry {o.code}")


class ProgramFactory(factory.django.DjangoModelFactory[Program]):
    class Meta:
        model = Program
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:02d}")
    name = factory.LazyAttribute(lambda o: f"{o.code} 규제샌드박스")
    name_en = factory.LazyAttribute(lambda o: f"{o.code} sandbox")
    lead_ministry = factory.SubFactory(MinistryFactory)
    statute = "정보통신융합법"
    committee = "신기술·서비스 심의위원회"
    authority = "과학기술정보통신부장관"
    time_zone = "Asia/Seoul"


class TrackFactory(factory.django.DjangoModelFactory[Track]):
    """An exemption (demonstration) track with the Korean ICT timings."""

    class Meta:
        model = Track

    program = factory.SubFactory(ProgramFactory)
    code = "demonstration"
    kind = TrackKind.EXEMPTION
    name = "실증특례"
    name_en = "Demonstration"
    legal_basis = "정보통신융합법 제38조의2"
    review_days = 30
    consultation_days = 30
    agenda_days = 90
    supplement_response_days = 30
    max_term_days = 730
    max_extensions = 1
    extension_term_days = 730
    law_amendment_lead_days = 60
    insurance_required = True
    reconsideration_days = 30


class ConfirmationTrackFactory(TrackFactory):
    code = "fast_confirmation"
    kind = TrackKind.CONFIRMATION
    name = "신속확인"
    name_en = "Fast-track confirmation"
    agenda_days = None  # type: ignore[assignment]
    max_term_days = 0
    max_extensions = 0
    extension_term_days = 0
    law_amendment_lead_days = 0
    insurance_required = False
    deemed_outcome = ConfirmationOutcome.DEEMED_NO_REGULATION


def _valid_brn(n: int) -> str:
    first = f"{220000000 + n * 7919 % 99999:09d}"
    return f"{first}{brn_check_digit(first)}"


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Startup {n}")
    registration_number = factory.Sequence(_valid_brn)
    representative = "홍길동"
    address = "서울특별시 중구 세종대로 110"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


def make_user(
    role: str,
    *,
    ministry: Ministry | None = None,
    organization: Organization | None = None,
    username: str | None = None,
) -> User:
    """A user with one role: applicants belong to an organisation, staff to a ministry."""
    user = UserFactory.create(**({"username": username} if username else {}))
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    if organization is not None:
        Membership.objects.create(user=user, organization=organization, is_owner=True)
    if ministry is not None:
        StaffProfile.objects.create(user=user, ministry=ministry)
    return user


__all__ = [
    "ConfirmationTrackFactory",
    "MinistryFactory",
    "OrganizationFactory",
    "ProgramFactory",
    "Role",
    "TrackFactory",
    "UserFactory",
    "make_user",
    "pass_second_factor",
]


def pass_second_factor(client: Any, user: User) -> None:
    """Sign ``client`` in as ``user`` with a verified TOTP device in the session, as after the
    admin's own login form (its code check is tested in tests/applications/test_admin.py)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
