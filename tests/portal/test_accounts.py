"""Sign-up with organisation, email verification, sign-in (with lockout), password reset and
invitations."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from applications.models import AuditEvent, Membership, Organization
from applications.roles import Role, has_role
from applications.validators import brn_check_digit

BRN = "220810234" + str(brn_check_digit("220810234"))
SIGN_UP = {
    "full_name": "Kim Minji",
    "email": "Minji@Example.test",
    "password1": "a-long-Passphrase-42",
    "password2": "a-long-Passphrase-42",
    "organization_name": "Robotics Lab <b>",
    "registration_number": f"{BRN[:3]}-{BRN[3:5]}-{BRN[5:]}",
    "representative": "Kim Minji",
    "address": "Seoul",
    "language": "en",
    "privacy_consent": "on",
}


def link_in(message):
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_sign_up_creates_an_inactive_account_until_the_emailed_link_is_followed(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("signup"), SIGN_UP)
    assert response.url == reverse("signup-sent")
    user = User.objects.get(username="minji@example.test")
    assert not user.is_active
    organization = Organization.objects.get()
    assert organization.registration_number == SIGN_UP["registration_number"]
    assert Membership.objects.get(user=user).is_owner
    assert has_role(user, Role.APPLICANT)
    assert AuditEvent.objects.get().action == "organization_registered"
    (message,) = mail.outbox
    assert message.subject == "Confirm your email address"
    assert not client.login(username="minji@example.test", password=SIGN_UP["password1"])
    response = client.get(link_in(message))
    assert response.url == reverse("login")
    user.refresh_from_db()
    assert user.is_active
    response = client.post(
        reverse("login"), {"username": "minji@example.test", "password": SIGN_UP["password1"]}
    )
    assert response.url == reverse("apply-dashboard")


def test_the_verification_email_is_in_the_language_chosen(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signup"), {**SIGN_UP, "language": "ko"})
    (message,) = mail.outbox
    html, _mime = message.alternatives[0]
    assert '<html lang="ko">' in html
    assert link_in(message).startswith("/accounts/verify/")


def test_a_tampered_verification_link_is_refused(client, db):
    response = client.get(reverse("account-verify", args=["not-a-token"]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_a_wrong_business_registration_number_is_refused_next_to_the_field(client, db):
    bad = BRN[:9] + str((int(BRN[9]) + 1) % 10)
    response = client.post(reverse("signup"), {**SIGN_UP, "registration_number": bad})
    page = response.content.decode()
    assert response.status_code == 400
    assert "not valid: check the digits" in page
    assert 'href="#id_registration_number"' in page
    assert not User.objects.exists()


def test_an_organisation_registered_already_cannot_be_registered_again(client, world):
    response = client.post(
        reverse("signup"),
        {**SIGN_UP, "registration_number": world.organization.registration_number},
    )
    assert response.status_code == 400
    assert "already registered" in response.content.decode()


def test_a_weak_or_mismatched_password_is_refused(client, db):
    response = client.post(reverse("signup"), {**SIGN_UP, "password2": "different-Pass-99"})
    assert "do not match" in response.content.decode()
    response = client.post(
        reverse("signup"), {**SIGN_UP, "password1": "12345678", "password2": "12345678"}
    )
    assert "too common" in response.content.decode()
    assert not User.objects.exists()


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from sandbox import settings

    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_repeated_wrong_passwords_lock_the_account_out(client, world):
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "applicant", "password": "wrong"})
    assert response.status_code == 429
    response = client.post(reverse("login"), {"username": "applicant", "password": "pw"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_that_sets_a_new_password(client, world):
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    client.post(reverse("password_reset"), {"email": "applicant@example.test"})
    (message,) = mail.outbox
    response = client.get(link_in(message))
    response = client.post(
        response.url,
        {"new_password1": "fresh-Passphrase-77", "new_password2": "fresh-Passphrase-77"},
    )
    assert response.url == reverse("password_reset_complete")
    assert client.login(username="applicant", password="fresh-Passphrase-77")


def test_an_owner_invites_a_colleague_who_joins_with_a_new_account(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organization"), {"email": "Colleague@Example.test"})
    assert response.url == reverse("organization")
    (message,) = mail.outbox
    assert message.to == ["colleague@example.test"]
    client.logout()
    url = link_in(message)
    assert "colleague@example.test" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "full_name": "Park",
            "password1": "joined-Passphrase-5",
            "password2": "joined-Passphrase-5",
            "privacy_consent": "on",
        },
    )
    assert response.url == reverse("login")
    colleague = User.objects.get(email="colleague@example.test")
    membership = Membership.objects.get(user=colleague)
    assert membership.organization == world.organization and not membership.is_owner
    assert has_role(colleague, Role.APPLICANT)


def test_a_member_who_is_not_an_administrator_cannot_invite(client, world):
    Membership.objects.filter(user=world.applicant).update(is_owner=False)
    client.force_login(world.applicant)
    response = client.post(reverse("organization"), {"email": "x@example.test"})
    assert response.status_code == 400
    assert "Only the organisation" in response.content.decode()
    assert not mail.outbox


@pytest.mark.parametrize("token", ["garbage", "a:b:c"])
def test_a_forged_invitation_is_refused(client, db, token):
    assert client.get(reverse("invitation-accept", args=[token])).status_code == 400
