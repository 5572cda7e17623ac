"""A supplement request that lapsed returns the application (반려): every sentence the applicant
reads about it — the case page's status and timeline, the dashboard, the email — says
"returned", never that the applicant withdrew it."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.core import mail
from django.utils import timezone

from applications import services
from applications.workflow import ApplicationStatus as S
from tests.builders import drive

WITHDREW = re.compile(r"withdr|철회", re.I)


def lapsed_case(world, language, django_capture_on_commit_callbacks):
    world.organization.language = language
    world.organization.save()
    app = drive(world, S.SUPPLEMENT_REQUESTED)
    app.refresh_from_db()
    mail.outbox.clear()
    with (
        time_machine.travel(app.supplement_due_at + dt.timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.application_lapse(application=app, now=timezone.now())
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN
    return app


def visible_text(html: str) -> str:
    body = html.split("<main", 1)[-1]
    return re.sub(r"<[^>]+>", " ", body)


def test_a_lapsed_case_reads_as_returned_in_english(
    client, world, django_capture_on_commit_callbacks
):
    app = lapsed_case(world, "en", django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.subject == f"Your application {app.reference} was returned"
    assert "returned without a review" in message.body
    assert not WITHDREW.search(message.body + message.subject)
    client.force_login(world.applicant)
    for url in (f"/apply/{app.pk}/", "/apply/?group=closed"):
        page = visible_text(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
        assert "Returned (no supplement by the deadline)" in page, url
        assert not WITHDREW.search(page), url
    detail = visible_text(
        client.get(f"/apply/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "The application was returned without a review" in detail


def test_a_lapsed_case_reads_as_returned_in_korean(
    client, world, django_capture_on_commit_callbacks
):
    app = lapsed_case(world, "ko", django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert "반려" in message.subject and "반려" in message.body
    assert not WITHDREW.search(message.body + message.subject)
    client.force_login(world.applicant)
    client.cookies["django_language"] = "ko"
    for url in (f"/apply/{app.pk}/", "/apply/?group=closed"):
        page = visible_text(client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode())
        assert "반려" in page, url
        assert not WITHDREW.search(page), url


def test_a_case_the_applicant_withdrew_still_says_withdrawn(client, world):
    app = drive(world, S.WITHDRAWN)
    client.force_login(world.applicant)
    page = visible_text(client.get(f"/apply/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Withdrawn" in page
    assert "Returned" not in page
