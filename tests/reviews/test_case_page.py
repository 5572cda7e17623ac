"""The staff case page shows everything submitted (files downloadable by staff of the lead
ministry), the whole event timeline, consultations, the recommendation, decisions and letters;
the applicant's own timeline never shows the ministry's internal case handling."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from applications import services
from applications.workflow import ApplicationStatus as S
from documents.issuing import letter_issue
from documents.models import Letter
from documents.services import document_upload
from tests.builders import World, draft, drive
from tests.portal import samples
from tests.reviews.helpers import signed_in

pytestmark = pytest.mark.django_db


def test_the_case_page_shows_what_was_submitted_and_the_history(world: World) -> None:
    app = draft(world)
    document = document_upload(
        application=app,
        by=world.applicant,
        doc_type="business_plan",
        file=("plan.pdf", [samples.PDF]),
    )
    services.application_submit(application=app, by=world.applicant)
    services.application_claim(application=app, by=world.officer, no_conflict_declared=True)
    services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
    services.consultation_request(
        application=app, by=world.officer, ministries=[world.other_ministry], question="보도 통행?"
    )
    officer = signed_in(world.officer)
    page = officer.get(f"/review/{app.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("자율주행 배송 로봇", "라이다 기반 인지", "도로교통법 제2조 제10호", "보도 통행?"):
        assert text in html
    assert f'href="/documents/{document.pk}/download/"' in html
    download = officer.get(f"/documents/{document.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == samples.PDF  # type: ignore[attr-defined]
    labels = [entry.label for entry in page.context["timeline"]]
    assert labels[:4] == ["Opinions requested", "Accepted as complete", "Claimed", "Submitted"]
    # The applicant's timeline leaves the internal claim out.
    applicant = Client()
    applicant.force_login(world.applicant)
    portal_page = applicant.get(f"/apply/{app.pk}/").content.decode()
    assert "claimed" not in portal_page.lower()


def test_decisions_and_letters_are_listed_issued_ones_linked_with_a_correction_link(
    world: World,
) -> None:
    app = drive(world, S.APPROVED)
    pending = Letter.objects.get(application=app)  # made with the approval
    decider = signed_in(world.decider)
    html = decider.get(f"/review/{app.pk}/").content.decode()
    assert "제1차 심의위원회" in html
    assert "시속 5km 이하" in html
    assert pending.number in html
    assert reverse("letter-download", args=[pending.number]) not in html

    issued = letter_issue(letter=pending)
    decider_page = decider.get(f"/review/{app.pk}/").content.decode()
    assert f'href="{reverse("letter-download", args=[issued.number])}"' in decider_page
    assert f'href="{reverse("letter-correct", args=[issued.number])}"' in decider_page
    officer_page = signed_in(world.officer).get(f"/review/{app.pk}/").content.decode()
    assert reverse("letter-correct", args=[issued.number]) not in officer_page


def test_drafts_and_unknown_cases_are_404_for_staff(world: World) -> None:
    app = draft(world)
    client = signed_in(world.auditor)
    assert client.get(f"/review/{app.pk}/").status_code == 404
    assert client.get("/review/999999/").status_code == 404
    assert client.get(f"/review/{app.pk}/nonsense/").status_code == 404
