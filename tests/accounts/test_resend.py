"""No dead ends after an email is sent: the verification link can be sent again (from the sent
page, a dead link and the sign-in page), a password-reset link asked for again; both a few times
an hour per address and per source, with one answer for every address (no enumeration)."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

from applications.models import AuditEvent
from tests.portal.test_accounts import SIGN_UP, link_in

RESEND = "/accounts/signup/resend/"


def sign_up(client, capture):
    with capture(execute=True):
        client.post(reverse("signup"), SIGN_UP)
    mail.outbox.clear()


def test_the_sent_page_offers_to_send_the_link_again_to_the_address_given(
    client, db, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks)
    page = client.get(reverse("signup-sent")).content.decode()
    assert f'action="{RESEND}"' in page
    assert 'value="minji@example.test"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND, {"email": "minji@example.test"})
    assert response.url == reverse("signup-sent")
    (message,) = mail.outbox
    assert message.to == ["minji@example.test"]
    assert client.get(link_in(message)).url == reverse("login")  # the new link works
    assert AuditEvent.objects.filter(action="verification_resent").count() == 1


def test_an_unknown_or_confirmed_address_gets_the_same_answer_and_no_email(
    client, world, django_capture_on_commit_callbacks
):
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    answers = []
    for address in ("nobody@example.test", "applicant@example.test"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(RESEND, {"email": address}, follow=True)
        text = re.sub(address, "ADDRESS", response.content.decode())
        answers.append(
            (response.status_code, re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text))
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="verification_resent").exists()


def test_resending_is_limited_per_address_whether_or_not_it_has_an_account(
    client, db, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks)
    for address in ("minji@example.test", "nobody@example.test"):
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                assert client.post(RESEND, {"email": address}).status_code == 302
        response = client.post(RESEND, {"email": address}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 429
        page = response.content.decode()
        assert "Wait an hour" in page and 'href="#id_email"' in page
    assert len(mail.outbox) == 3


def test_resending_is_limited_per_source(client, db):
    for number in range(10):
        assert client.post(RESEND, {"email": f"person{number}@example.test"}).status_code == 302
    assert client.post(RESEND, {"email": "one-more@example.test"}).status_code == 429


def test_a_dead_verification_link_and_the_sign_in_page_lead_to_the_resend_page(client, db):
    page = client.get(reverse("account-verify", args=["not-a-token"])).content.decode()
    assert f'href="{RESEND}"' in page
    assert f'href="{RESEND}"' in client.get(reverse("login")).content.decode()
    assert client.get(RESEND).status_code == 200


def test_an_empty_or_malformed_address_is_named_in_the_error_summary(client, db):
    response = client.post(RESEND, {"email": "not an address"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert '<a href="#id_email">Email address: Enter a valid email address.</a>' in (
        response.content.decode()
    )


def test_the_password_reset_sent_page_can_ask_again_within_limits(client, world):
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    response = client.post(reverse("password_reset"), {"email": "applicant@example.test"})
    page = client.get(response.url).content.decode()
    assert f'href="{reverse("password_reset")}"' in page
    for _ in range(4):
        assert client.post(
            reverse("password_reset"), {"email": "applicant@example.test"}
        ).url == reverse("password_reset_done")
    assert len(mail.outbox) == 3  # the fourth and fifth read the same, send nothing


def test_an_expired_invitation_says_who_can_send_a_new_one(client, db):
    page = client.get(reverse("invitation-accept", args=["forged"])).content.decode()
    assert "Ask the colleague who invited you to send a new one" in page
