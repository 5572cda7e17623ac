"""The receipt (접수증): a real PDF, downloadable from the case page at any time by the case's
organisation, in the organisation's language; read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zoneinfo

import pytest
import time_machine

from applications import services
from applications.workflow import ApplicationStatus as S
from documents.services import document_upload
from tests.builders import draft, drive
from tests.portal.samples import PDF

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def pdf_text(data: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"[ \t]+", " ", out)


def submitted(world, language):
    world.organization.language = language
    world.organization.save()
    app = draft(world)
    document_upload(
        application=app,
        by=world.applicant,
        doc_type="business_plan",
        file=("plan.pdf", [PDF]),
    )
    with time_machine.travel(dt.datetime(2028, 7, 23, 22, 20, tzinfo=SEOUL), tick=False):
        services.application_submit(application=app, by=world.applicant)
    app.refresh_from_db()
    return app


def test_the_korean_receipt_says_what_was_received_when_and_what_the_ministry_owes(client, world):
    app = submitted(world, "ko")
    client.force_login(world.applicant)
    page = client.get(f"/apply/{app.pk}/").content.decode()
    assert f'href="/apply/{app.pk}/receipt.pdf"' in page
    response = client.get(f"/apply/{app.pk}/receipt.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="receipt-{app.reference}.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "접수증" in text and "Receipt of application" in text  # bilingual heading
    assert app.reference in text
    assert "2028년 7월 23일 오후 10:20" in text
    assert world.organization.name in text
    assert app.title in text
    assert app.program.lead_ministry.name in text
    assert app.track.name in text
    assert "plan.pdf" in text
    due = app.program.local_date(app.due_at)
    assert f"{due.year}년 {due.month}월 {due.day}일" in text
    assert "심의위원회" in text or "위원회" in text


def test_the_english_receipt_is_in_english(client, world):
    app = submitted(world, "en")
    client.force_login(world.applicant)
    text = pdf_text(client.get(f"/apply/{app.pk}/receipt.pdf").content)
    assert "Receipt of application" in text
    assert "23 July 2028, 10:20 p.m." in text
    assert "must be put to the committee by" in text
    assert "plan.pdf" in text
    assert "What happens next" in text


def test_the_receipt_follows_the_case_a_paused_deadline_is_said(client, world):
    app = submitted(world, "en")
    services.application_request_supplement(
        application=app, by=world.officer, deficiencies=["test report"]
    )
    client.force_login(world.applicant)
    text = pdf_text(client.get(f"/apply/{app.pk}/receipt.pdf").content)
    assert "The deadline is paused" in text


@pytest.mark.parametrize("who", ["other_applicant", None])
def test_no_one_else_gets_the_receipt(client, world, who):
    app = submitted(world, "ko")
    if who:
        client.force_login(world.persona(who))
    response = client.get(f"/apply/{app.pk}/receipt.pdf")
    assert response.status_code == (404 if who else 302)


def test_a_draft_has_no_receipt(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    assert client.get(f"/apply/{app.pk}/receipt.pdf").status_code == 404
    assert "receipt.pdf" not in client.get(f"/apply/{app.pk}/").content.decode()


def test_after_the_review_the_receipt_says_the_review_is_over(client, world):
    world.organization.language = "en"
    world.organization.save()
    app = drive(world, S.REJECTED)
    client.force_login(world.applicant)
    text = pdf_text(client.get(f"/apply/{app.pk}/receipt.pdf").content)
    assert "The review of this application is over" in text
    assert "No deadline runs now" in text
