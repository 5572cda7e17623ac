"""/api/v1/letters/{number}/ metadata and /pdf download; letters on cases and decisions."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
import subprocess
import zipfile
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
        kind=fields.pop("kind", "approval"),
        language=fields.pop("language", "ko"),
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


# --- the list and the ZIP -------------------------------------------------------------------


@pytest.fixture
def letters(world: World) -> dict[str, Letter]:
    """Three letters on two cases: issued, issued in English, and pending."""
    with time_machine.travel(T0, tick=False):
        first = drive(world, "approved")
        second = drive(world, "rejected")
    approval = Decision.objects.get(application=first)
    rejection = Decision.objects.get(application=second)
    return {
        "a": _letter(approval, "L-A"),
        "b": _letter(rejection, "L-B", kind="rejection", language="en"),
        "c": _letter(rejection, "L-C", kind="rejection", issued=False),
    }


def test_the_list_is_every_letter_newest_first_with_filters(world: World, api_as, letters):
    api = api_as(world.auditor)

    def numbers(**params: Any) -> list[str]:
        return [item["number"] for item in api.get("/api/v1/letters/", **params).json()["results"]]

    everything = numbers()
    assert everything[:3] == ["L-C", "L-B", "L-A"]  # besides those the decisions prepared
    assert set(numbers(kind="rejection")) >= {"L-B", "L-C"}
    assert "L-A" not in numbers(kind="rejection")
    assert numbers(status="pending", kind="rejection")[0] == "L-C"
    assert numbers(language="en") == ["L-B"]
    assert numbers(application=letters["a"].application.reference, status="issued") == ["L-A"]
    assert numbers(issued_from="2026-03-02T01:00:00Z") == ["L-B", "L-A"]
    assert numbers(issued_to="2026-03-02T00:59:59Z") == []
    page = api.get("/api/v1/letters/", page_size=1).json()
    assert [item["number"] for item in page["results"]] == [everything[0]]
    assert api.get("/api/v1/letters/", status="nonsense").status_code == 400
    other = api_as(world.other_applicant).get("/api/v1/letters/").json()
    assert other["results"] == []


def _zip(api: Any, **params: Any) -> zipfile.ZipFile:
    answer = api.get("/api/v1/letters/zip/", **params)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    assert answer["Content-Disposition"].startswith('attachment; filename="letters-')
    chunks = list(answer.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    if len(archive.namelist()) > 2:
        assert len(chunks) > 2  # streamed as it is made, not built whole first
    return archive


def test_a_zip_holds_the_issued_letters_and_a_sha256_manifest(
    world: World, api_as, letters, tmp_path
):
    archive = _zip(api_as(world.auditor), kind="rejection")
    assert archive.namelist() == ["L-B.pdf", "SHA256SUMS", "manifest.csv"]  # not pending L-C
    assert archive.read("L-B.pdf") == PDF
    digest = hashlib.sha256(PDF).hexdigest()
    assert archive.read("SHA256SUMS").decode() == f"{digest}  L-B.pdf\n"
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert rows == [
        {
            "file": "L-B.pdf",
            "number": "L-B",
            "application": letters["b"].application.reference,
            "kind": "rejection",
            "language": "en",
            "version": "1",
            "issued_at": "2026-03-02T01:00:00Z",
            "recorded_sha256": digest,
            "file_sha256": digest,
            "matches": "true",
        }
    ]
    archive.extractall(tmp_path)
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 0 and check.stdout == "L-B.pdf: OK\n"


def test_a_stored_file_that_changed_shows_in_the_manifest(world: World, api_as, letters, tmp_path):
    letter_pdf_path(letters["a"]).write_bytes(PDF + b"%tampered\n")
    archive = _zip(api_as(world.auditor), application=letters["a"].application.reference)
    rows = {
        row["number"]: row
        for row in csv.DictReader(io.StringIO(archive.read("manifest.csv").decode()))
    }
    assert rows["L-A"]["matches"] == "false"
    assert rows["L-A"]["recorded_sha256"] == hashlib.sha256(PDF).hexdigest()
    archive.extractall(tmp_path)
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True)
    assert check.returncode != 0


def test_a_zip_holds_only_what_the_caller_may_read(world: World, api_as, letters):
    assert _zip(api_as(world.applicant)).namelist()[:2] == ["L-A.pdf", "L-B.pdf"]
    assert _zip(api_as(world.other_applicant)).namelist() == ["SHA256SUMS", "manifest.csv"]
    assert api_as(world.auditor).get("/api/v1/letters/zip/", status="issued").status_code == 400
