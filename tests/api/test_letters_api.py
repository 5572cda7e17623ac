"""/api/v1/letters/{number}/ metadata and /pdf download; letters on cases and decisions."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import pytest
import time_machine

from applications.models import Decision
from documents.issuing import letter_issue
from documents.models import Letter
from documents.services import letter_correct
from documents.storage import letter_pdf_path
from tests.api.problems import problem_of
from tests.builders import World, drive

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


def _letter(decision: Decision, number: str, **fields: Any) -> Letter:
    """A letter row as the letter services leave it; issued ones get their file stored."""
    issued = fields.pop("issued", True)
    letter = Letter(
        number=number,
        application=decision.application,
        decision=decision,
        kind="approval",
        language="ko",
        status="issued" if issued else "pending",
        created_at=T0,
        **fields,
    )
    if issued:
        letter.storage_name = secrets.token_hex(16)
        letter.issued_at, letter.size = T0, len(PDF)
        letter.sha256 = hashlib.sha256(PDF).hexdigest()
        path = letter_pdf_path(letter)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(PDF)
    letter.save()
    return letter


@pytest.fixture
def approved(world: World) -> Any:
    with time_machine.travel(T0, tick=False):
        app = drive(world, "approved")
    return app


def test_metadata_is_the_whole_letter_record(world: World, api_as, approved):
    """The approval's letter, issued and then corrected through the letter services."""
    decision = Decision.objects.get(application=approved)
    with time_machine.travel(T0, tick=False):
        first = letter_issue(letter=Letter.objects.get(decision=decision))
        second = letter_issue(
            letter=letter_correct(letter=first, by=world.decider, reason="상호 오기 정정")
        )
    api = api_as(world.auditor)
    assert api.get(f"/api/v1/letters/{first.number}/").json() == {
        "number": f"{approved.reference}-L1",
        "application": approved.reference,
        "decision": decision.pk,
        "kind": "approval",
        "language": "ko",
        "status": "issued",
        "version": 1,
        "created_at": "2026-03-02T01:00:00Z",
        "issued_at": "2026-03-02T01:00:00Z",
        "size": letter_pdf_path(first).stat().st_size,
        "sha256": hashlib.sha256(letter_pdf_path(first).read_bytes()).hexdigest(),
        "supersedes": None,
        "superseded_by": second.number,
        "pdf_url": f"http://testserver/api/v1/letters/{first.number}/pdf/",
    }
    assert second.number == f"{approved.reference}-L2"
    assert api.get(f"/api/v1/letters/{second.number}/").json()["supersedes"] == first.number
    # The register and the case name the letter in force: the correction, not the original.
    register = api.get("/api/v1/decisions/").json()["results"]
    assert [(d["letter_number"], d["letter_sha256"]) for d in register] == [
        (second.number, second.sha256)
    ]
    case = api.get(f"/api/v1/applications/{approved.reference}/").json()
    assert [(item["number"], item["superseded_by"]) for item in case["letters"]] == [
        (first.number, second.number),
        (second.number, None),
    ]


def test_pdf_download_returns_the_stored_bytes(world: World, api_as, approved):
    _letter(Decision.objects.get(application=approved), "ICT-L-2026-0001")
    response = api_as(world.auditor).get("/api/v1/letters/ICT-L-2026-0001/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="ICT-L-2026-0001.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_a_pending_letter_has_metadata_but_no_pdf(world: World, api_as, approved):
    _letter(Decision.objects.get(application=approved), "ICT-L-2026-0001", issued=False)
    api = api_as(world.auditor)
    meta = api.get("/api/v1/letters/ICT-L-2026-0001/").json()
    assert (meta["status"], meta["pdf_url"], meta["sha256"]) == ("pending", None, "")
    response = api.get("/api/v1/letters/ICT-L-2026-0001/pdf/")
    body = problem_of(response, 404, "not_found")
    assert body["detail"] == "This letter has not been issued yet."


def test_letters_of_other_organisations_do_not_exist(world: World, api_as, approved):
    _letter(Decision.objects.get(application=approved), "ICT-L-2026-0001")
    api = api_as(world.other_applicant)
    for url in ("/api/v1/letters/ICT-L-2026-0001/", "/api/v1/letters/ICT-L-2026-0001/pdf/"):
        response = api.get(url)
        assert problem_of(response, 404, "not_found")["detail"] == "No such letter."
    assert api_as(world.applicant).get("/api/v1/letters/ICT-L-2026-0001/pdf/").status_code == 200
