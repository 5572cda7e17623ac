"""Uploads: only allowed content with a matching extension, bounded size, never overwritten,
frozen after submission; a refused file leaves the draft and its earlier files as they were."""

from __future__ import annotations

import hashlib

import pytest

from applications import services
from applications.models import AuditEvent
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput, NotVisible, WrongState
from documents import uploads
from documents.models import Document
from documents.services import document_remove, document_upload
from documents.storage import stored_path
from tests.builders import drive
from tests.portal import samples


def upload(world, app, name, data, doc_type="business_plan", by=None):
    return document_upload(
        application=app, by=by or world.applicant, doc_type=doc_type, file=(name, [data])
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("plan.pdf", samples.PDF),
        ("plan.hwp", samples.HWP),
        ("plan.hwpx", samples.HWPX),
        ("plan.docx", samples.DOCX),
        ("sheet.xlsx", samples.XLSX),
        ("photo.png", samples.PNG),
        ("photo.jpg", samples.JPEG),
        ("photo.JPEG", samples.JPEG),
    ],
)
def test_each_allowed_kind_is_stored_with_its_hash_under_a_random_name(world, name, data):
    app = drive(world, S.DRAFT)
    document = upload(world, app, name, data)
    path = stored_path(document)
    assert path.read_bytes() == data
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert name not in str(path) and len(document.storage_name) == 64
    event = AuditEvent.objects.filter(application=app).latest("seq")
    assert event.action == "document_uploaded"
    assert event.payload["sha256"] == document.sha256


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("page.pdf", samples.HTML, "not a file type we accept"),
        ("plan.pdf", samples.ELF, "not a file type we accept"),
        ("tool.exe", samples.ELF, "not a file type we accept"),
        ("big.pdf", samples.PDF + b"0" * (21 * 1024 * 1024), "larger than 20 MB"),
        ("../../etc/passwd", samples.PDF, "is not allowed"),
        ("..\\..\\boot.pdf", samples.PDF, "is not allowed"),
        ("empty.pdf", b"", "is empty"),
        ("plan.docx", samples.PDF, "but its name ends in “.docx”"),
        ("plan", samples.PDF, "(no extension)"),
        ("bad\x00name.pdf", samples.PDF, "control characters"),
    ],
)
def test_a_refused_upload_explains_itself_and_harms_nothing(world, name, data, message):
    app = drive(world, S.DRAFT)
    earlier = upload(world, app, "earlier.pdf", samples.PDF)
    app.refresh_from_db()
    before = (app.version, Document.objects.count(), AuditEvent.objects.count())
    files_before = sorted(
        p.name for p in stored_path(earlier).parent.parent.rglob("*") if p.is_file()
    )
    with pytest.raises(InvalidInput) as caught:
        upload(world, app, name, data)
    assert message in caught.value.errors["file"][0]
    app.refresh_from_db()
    assert (app.version, Document.objects.count(), AuditEvent.objects.count()) == before
    assert stored_path(earlier).read_bytes() == samples.PDF
    files_after = sorted(
        p.name for p in stored_path(earlier).parent.parent.rglob("*") if p.is_file()
    )
    assert files_after == files_before


def test_the_size_limit_is_exactly_twenty_megabytes(world):
    app = drive(world, S.DRAFT)
    at_limit = samples.PDF + b"0" * (uploads.MAX_UPLOAD_BYTES - len(samples.PDF))
    document = upload(world, app, "limit.pdf", at_limit)
    assert document.size == uploads.MAX_UPLOAD_BYTES


def test_an_unknown_document_type_is_refused(world):
    app = drive(world, S.DRAFT)
    with pytest.raises(InvalidInput) as caught:
        upload(world, app, "plan.pdf", samples.PDF, doc_type="passport")
    assert "doc_type" in caught.value.errors


def test_a_second_upload_of_a_type_is_a_new_version_and_keeps_the_first(world):
    app = drive(world, S.DRAFT)
    first = upload(world, app, "plan.pdf", samples.PDF)
    second = upload(world, app, "plan-v2.pdf", samples.PDF + b"%v2")
    assert (first.version, second.version) == (1, 2)
    assert stored_path(first).read_bytes() == samples.PDF
    assert stored_path(first) != stored_path(second)


def test_submitted_files_are_frozen_and_later_files_are_new_versions(world):
    app = drive(world, S.DRAFT)
    first = upload(world, app, "plan.pdf", samples.PDF)
    services.application_submit(application=app, by=world.applicant)
    with pytest.raises(WrongState):
        document_remove(document=first, by=world.applicant)
    with pytest.raises(WrongState):
        upload(world, app, "plan.pdf", samples.PDF)
    services.application_request_supplement(
        application=app, by=world.officer, deficiencies=["Test report"]
    )
    later = upload(world, app, "plan.pdf", samples.PDF + b"%new")
    assert later.version == 2 and later.stage == S.SUPPLEMENT_REQUESTED
    assert stored_path(first).read_bytes() == samples.PDF


def test_a_draft_file_can_be_removed_before_submission(world, django_capture_on_commit_callbacks):
    app = drive(world, S.DRAFT)
    document = upload(world, app, "plan.pdf", samples.PDF)
    path = stored_path(document)
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(document=document, by=world.applicant)
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not path.exists()
    assert AuditEvent.objects.filter(application=app).latest("seq").action == "document_removed"


def test_another_organisation_cannot_upload_to_the_case(world):
    app = drive(world, S.DRAFT)
    with pytest.raises(NotVisible):
        upload(world, app, "plan.pdf", samples.PDF, by=world.other_applicant)
    assert not Document.objects.exists()


def test_submission_requires_each_document_type_the_track_requires(world):
    world.exemption.required_document_types = ["business_plan", "safety_plan"]
    world.exemption.save()
    app = drive(world, S.DRAFT)
    upload(world, app, "plan.pdf", samples.PDF, doc_type="business_plan")
    with pytest.raises(InvalidInput) as caught:
        services.application_submit(application=app, by=world.applicant)
    assert list(caught.value.errors) == ["document_safety_plan"]
    assert "safety plan" in caught.value.errors["document_safety_plan"][0]
    upload(world, app, "safety.pdf", samples.PDF, doc_type="safety_plan")
    services.application_submit(application=app, by=world.applicant)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
