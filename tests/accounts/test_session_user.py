"""The session's user comes in one query with their staff profile, ministry, roles,
organisations and TOTP devices (``accounts/backends.py``): the same answers as the separate reads
it replaces, and every change made mid-session (a role taken away, a ministry moved, the account
deactivated, the device removed or unconfirmed, the session expired) seen on the next request as
before."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.backends import SandboxModelBackend, SessionDeviceMiddleware
from applications.models import Membership, StaffProfile
from applications.roles import Role, organisations_of, roles_of
from applications.workflow import ApplicationStatus as S
from tests.builders import drive
from tests.reviews.helpers import signed_in, totp_device


def _separately(user_id):
    """Roles, organisations and ministry as the plain ORM reads them, one query each."""
    user = get_user_model().objects.get(pk=user_id)
    roles = frozenset(user.groups.values_list("name", flat=True))
    organisations = frozenset(
        Membership.objects.filter(user=user).values_list("organization_id", flat=True)
    )
    profile = StaffProfile.objects.filter(user=user).select_related("ministry").first()
    return roles, organisations, profile.ministry if profile else None


def test_the_user_roles_and_organisations_come_in_one_query_and_agree(world):
    # Rows multiply with several roles and several memberships: each still counted once.
    Group.objects.get_or_create(name=Role.AUDITOR)[0].user_set.add(world.officer)
    Membership.objects.create(user=world.applicant, organization=world.other_organization)
    nobody = get_user_model().objects.create_user("nobody")  # no role, no profile, no membership
    backend = SandboxModelBackend()
    for person in (world.applicant, world.officer, world.consultee, world.auditor, nobody):
        with CaptureQueriesContext(connection) as captured:
            user = backend.get_user(person.pk)
            mine = (roles_of(user), organisations_of(user), getattr(user, "staff_profile", None))
        assert len(captured.captured_queries) == 1, person.username
        roles, organisations, ministry = _separately(person.pk)
        assert (mine[0], mine[1]) == (roles, organisations), person.username
        assert (mine[2].ministry if mine[2] else None) == ministry, person.username
    assert roles_of(backend.get_user(world.officer.pk)) == {Role.CASE_OFFICER, Role.AUDITOR}
    assert organisations_of(backend.get_user(world.applicant.pk)) == {
        world.organization.pk,
        world.other_organization.pk,
    }
    assert backend.get_user(10**9) is None


def test_a_deactivated_account_is_signed_out_on_its_next_request(world):
    client = signed_in(world.officer)
    assert client.get(reverse("review-queue")).status_code == 200
    get_user_model().objects.filter(pk=world.officer.pk).update(is_active=False)
    response = client.get(reverse("review-queue"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_role_taken_away_mid_session_closes_the_workspace_on_the_next_request(world):
    client = signed_in(world.officer)
    assert client.get(reverse("review-queue")).status_code == 200
    world.officer.groups.clear()
    assert client.get(reverse("review-queue")).status_code == 403


def test_a_ministry_moved_mid_session_changes_what_the_next_request_sees(world):
    app = drive(world, S.UNDER_REVIEW)
    client = signed_in(world.foreign_officer)
    assert client.get(reverse("review-case", args=[app.pk])).status_code == 404
    StaffProfile.objects.filter(user=world.foreign_officer).update(ministry=world.lead)
    assert client.get(reverse("review-case", args=[app.pk])).status_code == 200


def test_a_removed_or_unconfirmed_device_asks_for_the_second_factor_again(world):
    for change in ("unconfirm", "delete"):
        TOTPDevice.objects.filter(user=world.officer).delete()
        client = signed_in(world.officer)
        assert client.get(reverse("review-queue")).status_code == 200
        device = totp_device(world.officer)
        if change == "unconfirm":
            device.confirmed = False
            device.save()
        else:
            device.delete()
        response = client.get(reverse("review-queue"))
        assert response.status_code == 302, change
        assert "/review/2fa/" in response["Location"], change


def test_a_staff_page_reads_the_user_and_the_sessions_device_in_one_query(world):
    client = signed_in(world.officer)
    client.get(reverse("review-queue"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("review-queue")).status_code == 200
    touching = [q["sql"] for q in captured.captured_queries if "otp_totp_totpdevice" in q["sql"]]
    assert len(touching) == 1 and '"auth_user"' in touching[0], touching


def test_the_device_read_with_the_user_is_the_device_django_otp_would_load(world):
    client = signed_in(world.officer)
    device = totp_device(world.officer)
    response = client.get(reverse("review-queue"))
    mine = response.wsgi_request.user.otp_device
    theirs = TOTPDevice.objects.get(pk=device.pk)
    assert type(mine) is TOTPDevice
    for field in TOTPDevice._meta.concrete_fields:
        assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
    assert mine.bin_key == theirs.bin_key and mine._state.adding is False


def test_a_session_naming_another_users_device_is_not_verified(world):
    client = signed_in(world.officer)
    other = totp_device(world.other_officer)
    session = client.session
    session["otp_device_id"] = other.persistent_id
    session.save()
    response = client.get(reverse("review-queue"))
    assert response.status_code == 302 and "/review/2fa/" in response["Location"]
    assert "otp_device_id" not in client.session  # django-otp's clean-up, as before


def test_an_expired_session_is_signed_out(world):
    client = signed_in(world.officer)
    assert client.get(reverse("review-queue")).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    response = client.get(reverse("review-queue"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_request_user_is_the_user_itself_once_read_and_nothing_is_read_before(world, rf):
    """Django's and django-otp's middleware each wrap the user in a lazy object; after its first
    read ``request.user`` is the user itself (no proxy on each attribute read), verified as
    before, and a request that never asks reads neither the session nor the user."""
    client = signed_in(world.officer)
    session_key = client.session.session_key
    seen = {}

    def view(request):
        with CaptureQueriesContext(connection) as before:
            seen["lazy"] = isinstance(request.user, SimpleLazyObject)
        with CaptureQueriesContext(connection) as first:
            seen["verified"] = request.user.is_verified()
        with CaptureQueriesContext(connection) as after:
            seen["user"] = request.user
            seen["again"] = (request.user.is_authenticated, request.user.otp_device)
        seen["queries"] = (len(before), len(first), len(after))
        return HttpResponse("ok")

    chain = SessionMiddleware(AuthenticationMiddleware(SessionDeviceMiddleware(view)))
    request = rf.get("/review/")
    request.COOKIES["sessionid"] = session_key
    chain(request)
    assert seen["lazy"] and seen["queries"][0] == 0  # nothing read before the first ask
    assert seen["verified"] is True and seen["queries"][1] >= 1
    assert type(seen["user"]) is get_user_model() and seen["user"].pk == world.officer.pk
    assert seen["queries"][2] == 0 and seen["again"][0] is True
    assert type(seen["again"][1]) is TOTPDevice

    anonymous = rf.get("/register/")
    chain(anonymous)
    assert type(seen["user"]) is AnonymousUser and seen["verified"] is False
