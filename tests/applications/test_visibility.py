"""Case visibility is one definition (``applications/visibility.py``): the per-case check and the
queryset filter must agree with each other, and with a small model of the rule, for every person
in random worlds of ministries, programmes, organisations, cases (drafts and submitted ones),
consultations and people with any mix of roles, memberships and ministries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications import services
from applications.models import Application, Consultation, Membership, StaffProfile
from applications.roles import Role
from applications.selectors import applications_visible_to
from applications.visibility import can_view_application, scope_of
from applications.workflow import ApplicationStatus as S
from reviews.selectors import scope_q
from tests.builders import COMPLETE_DRAFT
from tests.factories import (
    MinistryFactory,
    OrganizationFactory,
    ProgramFactory,
    TrackFactory,
    UserFactory,
    make_user,
)

ROLES = [Role.APPLICANT, Role.CASE_OFFICER, Role.CONSULTEE, Role.DECISION_MAKER, Role.AUDITOR]


@dataclass(frozen=True)
class PersonSpec:
    roles: frozenset[str]
    organizations: frozenset[int]
    ministry: int | None
    superuser: bool


@dataclass(frozen=True)
class CaseSpec:
    organization: int
    program: int
    consulted: frozenset[int]
    submitted: bool


@dataclass(frozen=True)
class WorldSpec:
    ministries: int
    program_leads: list[int]
    organizations: int
    cases: list[CaseSpec]
    people: list[PersonSpec]


@st.composite
def worlds(draw: Any) -> WorldSpec:
    ministries = draw(st.integers(1, 3))
    organizations = draw(st.integers(1, 3))
    leads = draw(st.lists(st.integers(0, ministries - 1), min_size=1, max_size=3))
    cases = draw(
        st.lists(
            st.builds(
                CaseSpec,
                organization=st.integers(0, organizations - 1),
                program=st.integers(0, len(leads) - 1),
                consulted=st.frozensets(st.integers(0, ministries - 1), max_size=2),
                submitted=st.booleans(),
            ),
            max_size=6,
        )
    )
    people = draw(
        st.lists(
            st.builds(
                PersonSpec,
                roles=st.frozensets(st.sampled_from(ROLES), max_size=2),
                organizations=st.frozensets(st.integers(0, organizations - 1), max_size=2),
                ministry=st.none() | st.integers(0, ministries - 1),
                superuser=st.sampled_from([False, False, False, True]),
            ),
            min_size=1,
            max_size=5,
        )
    )
    return WorldSpec(ministries, leads, organizations, cases, people)


def expected(person: PersonSpec, case: CaseSpec, leads: list[int], *, as_staff: bool) -> bool:
    """The rule, said plainly: an applicant's own organisations' cases, drafts included; every
    submitted case for auditors and the operator; a ministry's led and consulted submitted
    cases. A draft is seen by its organisation's members only."""
    if (
        not as_staff
        and Role.APPLICANT in person.roles
        and case.organization in person.organizations
    ):
        return True
    if not case.submitted:
        return False
    if person.superuser or Role.AUDITOR in person.roles:
        return True
    if person.ministry is None:
        return False
    return leads[case.program] == person.ministry or person.ministry in case.consulted


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(spec=worlds())
def test_the_check_and_the_filter_agree_with_the_rule_for_everyone(spec: WorldSpec) -> None:
    try:
        with transaction.atomic():
            check_world(spec)
            raise Rollback  # every example starts from an empty database
    except Rollback:
        pass


def check_world(spec: WorldSpec) -> None:
    ministries = [MinistryFactory.create() for _ in range(spec.ministries)]
    programs = [ProgramFactory.create(lead_ministry=ministries[i]) for i in spec.program_leads]
    tracks = [TrackFactory.create(program=p) for p in programs]
    organizations = [OrganizationFactory.create() for _ in range(spec.organizations)]
    clerk = UserFactory.create()
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    # One member per organisation files its cases (people checked below are separate).
    filers = [make_user(Role.APPLICANT, organization=o) for o in organizations]
    cases = []
    for case in spec.cases:
        app = services.application_create_draft(
            by=filers[case.organization],
            organization=organizations[case.organization],
            program=programs[case.program],
            track=tracks[case.program],
            **COMPLETE_DRAFT,
        )
        if case.submitted:
            services.regulation_add(
                application=app,
                by=filers[case.organization],
                statute="도로교통법",
                article="제2조",
                reason="보도 통행 금지",
            )
            services.application_submit(application=app, by=filers[case.organization])
            app.refresh_from_db()
            assert app.status == S.SUBMITTED
        for m in case.consulted:
            Consultation.objects.create(
                application=app,
                ministry=ministries[m],
                requested_by=clerk,
                requested_at=now,
                due_at=now,
            )
        cases.append(app)
    for person in spec.people:
        user = UserFactory.create(is_superuser=person.superuser)
        for role in person.roles:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        for o in person.organizations:
            Membership.objects.create(user=user, organization=organizations[o])
        if person.ministry is not None:
            StaffProfile.objects.create(user=user, ministry=ministries[person.ministry])

        model = {
            app.pk
            for app, case in zip(cases, spec.cases, strict=True)
            if expected(person, case, spec.program_leads, as_staff=False)
        }
        filtered = set(applications_visible_to(user=user).values_list("pk", flat=True))
        checked = {app.pk for app in cases if can_view_application(user, app)}
        assert filtered == checked == model, person

        staff_model = {
            app.pk
            for app, case in zip(cases, spec.cases, strict=True)
            if expected(person, case, spec.program_leads, as_staff=True)
        }
        staff = scope_of(user).as_staff()
        staff_filtered = set(Application.objects.filter(scope_q(user)).values_list("pk", flat=True))
        staff_checked = {app.pk for app in cases if staff.contains(app)}
        assert staff_checked == staff_model, person
        assert (
            set(Application.objects.filter(staff.q()).values_list("pk", flat=True)) == staff_model
        )
        # the parts a count reads one by one: together the scope, no case in two of them,
        # whether the ministry's programmes are joined or named
        named = None
        if person.ministry is not None:
            named = [p.pk for p in programs if p.lead_ministry_id == ministries[person.ministry].pk]
        for led in (None, named):
            parts = [
                list(Application.objects.filter(part).values_list("pk", flat=True))
                for part in staff.parts(led)
            ]
            every = [pk for part in parts for pk in part]
            assert sorted(every) == sorted(staff_model), (person, led)
        assert staff_filtered == staff_model, person


def test_anonymous_people_see_nothing(db: None) -> None:
    assert scope_of(AnonymousUser()) == scope_of(None)
    assert not applications_visible_to(user=AnonymousUser()).exists()
