"""Items 5 and 6 (first half) of the second security review. Sign-up never says whether an
address has an account (the answer is the same, and the address gets an email instead). An
unverified sign-up reserves nothing: a newer claim on the same address or registration number
stands beside it, the first to be verified wins, and unverified claims expire."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications.models import AuditEvent, Organization
from applications.validators import brn_check_digit

BRN = "220810234" + str(brn_check_digit("220810234"))
DASHED = f"{BRN[:3]}-{BRN[3:5]}-{BRN[5:]}"
OTHER = "123456789" + str(brn_check_digit("123456789"))


def form(email: str, **changes: str) -> dict[str, str]:
    return {
        "full_name": "Kim Minji",
        "email": email,
        "password1": "a-long-Passphrase-42",
        "password2": "a-long-Passphrase-42",
        "organization_name": "Robotics Lab",
        "registration_number": DASHED,
        "representative": "Kim Minji",
        "address": "Seoul",
        "language": "en",
        "privacy_consent": "on",
        **changes,
    }


def sign_up(client, capture, data):
    with capture(execute=True):
        response = client.post(reverse("signup"), data)
    return response


def link_in(message):
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_sign_up_answers_the_same_whether_or_not_the_address_has_an_account(
    client, world, django_capture_on_commit_callbacks
):
    world.officer.email = "officer@ministry.example"
    world.officer.save()
    taken = sign_up(
        client,
        django_capture_on_commit_callbacks,
        form("Officer@Ministry.example", registration_number=OTHER),
    )
    free = sign_up(
        client,
        django_capture_on_commit_callbacks,
        form("someone@new.example", registration_number=OTHER),
    )
    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"] == reverse("signup-sent")
    # Nothing was made for the taken address; its owner was told by email instead.
    assert User.objects.filter(email__iexact="officer@ministry.example").count() == 1
    notice, verification = mail.outbox
    assert notice.to == ["officer@ministry.example"]
    assert notice.subject == "Your email address already has an account"
    assert "/accounts/login/" in notice.body and "/accounts/password-reset/" in notice.body
    assert verification.to == ["someone@new.example"]
    assert verification.subject == "Confirm your email address"


def test_a_squatted_address_is_won_by_the_claim_its_owner_confirms(
    client, db, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks, form("owner@example.test"))
    squatter_link = link_in(mail.outbox[-1])  # went to the owner's mailbox, unclicked
    # The owner signs up for real (another organisation number): nothing says "taken".
    response = sign_up(
        client,
        django_capture_on_commit_callbacks,
        form("owner@example.test", registration_number=OTHER, full_name="Owner"),
    )
    assert response["Location"] == reverse("signup-sent")
    owner_link = link_in(mail.outbox[-1])
    assert client.get(owner_link)["Location"] == reverse("login")
    owner = User.objects.get(username="owner@example.test")
    assert owner.is_active and owner.first_name == "Owner"
    # The squatter's claim can no longer be confirmed.
    refused = client.get(squatter_link)
    assert refused.status_code == 400
    assert "confirmed meanwhile" in refused.content.decode()


def test_a_squatted_registration_number_is_won_by_the_first_verified_claim(
    client, db, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks, form("squatter@example.test"))
    squatter_link = link_in(mail.outbox[-1])
    # The company's own person is not told "already registered": the squatter never verified.
    response = sign_up(client, django_capture_on_commit_callbacks, form("ceo@robotics.example"))
    assert response.status_code == 302
    assert client.get(link_in(mail.outbox[-1]))["Location"] == reverse("login")
    company = Organization.objects.get(registration_number=DASHED)
    assert company.memberships.get().user.email == "ceo@robotics.example"
    refused = client.get(squatter_link)
    assert refused.status_code == 400
    assert "registered meanwhile by someone else" in refused.content.decode()
    # From now on the number is taken, and the form says so.
    again = client.post(reverse("signup"), form("third@example.test"))
    assert again.status_code == 400 and "already registered" in again.content.decode()


def test_unverified_sign_ups_expire_and_give_everything_up(
    client, db, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks, form("late@example.test"))
    late_link = link_in(mail.outbox[-1])
    call_command("expire_unverified_sign_ups")
    assert User.objects.filter(username="late@example.test").exists()  # not yet: 3 days
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        call_command("expire_unverified_sign_ups")
        user = User.objects.get(email="")
        assert user.username.startswith("expired-") and not user.has_usable_password()
        assert not Organization.objects.filter(registration_number=DASHED).exists()
        assert AuditEvent.objects.filter(action="sign_up_expired").count() == 1
        assert client.get(late_link).status_code == 400  # the link is dead too
        call_command("expire_unverified_sign_ups")  # once only
        assert AuditEvent.objects.filter(action="sign_up_expired").count() == 1


def test_a_deactivated_account_is_not_an_unverified_claim(
    client, world, django_capture_on_commit_callbacks
):
    """An account an operator switched off keeps its address: it was verified once."""
    world.applicant.email = "old@example.test"
    world.applicant.is_active = False
    world.applicant.last_login = timezone.now()
    world.applicant.save()
    sign_up(
        client,
        django_capture_on_commit_callbacks,
        form("old@example.test", registration_number=OTHER),
    )
    assert User.objects.filter(email="old@example.test").count() == 1
    assert mail.outbox[-1].subject == "Your email address already has an account"
