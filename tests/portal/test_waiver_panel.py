"""The approved waiver on the case page: term, scope, exempted provisions and conditions as the
committee approved them, and the standing in words (approved, in force, extended, suspended…)."""

from __future__ import annotations

import datetime as dt
import re

from applications import services
from applications.workflow import ApplicationStatus as S
from tests.builders import drive


def panel(client, app, language="en"):
    page = client.get(f"/apply/{app.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    match = re.search(
        r'<section class="panel" aria-labelledby="waiver-title">(.*?)</section>', page, re.S
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))) if match else None


def test_an_approved_case_shows_what_was_approved_and_when_it_starts(client, world):
    world.organization.language = "en"
    world.organization.save()
    app = drive(world, S.APPROVED)
    client.force_login(world.applicant)
    text = panel(client, app)
    assert text is not None
    assert "Approved. The waiver comes into force on" in text
    assert "시속 5km 이하" in text  # the condition, numbered in the panel
    assert "제1차 심의위원회" in text
    assert app.region in text and app.scale in text and f"{app.max_users:,}" in text
    for r in app.regulations.all():
        assert f"{r.statute} {r.article}" in text


def test_standing_in_words_follows_the_case(client, world):
    client.force_login(world.applicant)
    active = drive(world, S.ACTIVE)
    assert "In force from" in panel(client, active)
    suspended = drive(world, S.SUSPENDED)
    assert "Suspended: the service must stop" in panel(client, suspended)
    revoked = drive(world, S.REVOKED)
    assert "Revoked" in panel(client, revoked)
    continuing = drive(world, S.CONTINUING)
    assert "stays in force until the law has been amended" in panel(client, continuing)


def test_an_extension_is_told_with_the_approved_end(client, world):
    app = drive(world, S.ACTIVE)
    approved_end = app.term_end
    request = services.extension_request_file(
        application=app,
        by=world.applicant,
        reason="더 시험해야 함",
        new_end=approved_end + dt.timedelta(days=180),
    )
    services.extension_request_decide(
        extension_request=request, by=world.decider, grant=True, reason="타당"
    )
    client.force_login(world.applicant)
    text = panel(client, app)
    assert "Extended once" in text
    assert f"{approved_end.year}" in text


def test_the_korean_panel_reads_in_korean(client, world):
    app = drive(world, S.ACTIVE)
    client.force_login(world.applicant)
    client.cookies["django_language"] = "ko"
    text = panel(client, app, "ko")
    assert "승인된 규제특례" in text and "효력" in text


def test_cases_without_an_approval_have_no_panel(client, world):
    client.force_login(world.applicant)
    for status in (S.SUBMITTED, S.REJECTED):
        assert panel(client, drive(world, status)) is None
