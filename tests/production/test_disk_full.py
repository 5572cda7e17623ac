"""A full disk for uploads: a clear message, no partial file, no row, no event, earlier files kept.

The private storage is a real 1 MiB tmpfs (the suite runs as root, as CI does), filled up before
the upload, so the kernel itself answers ENOSPC half-way through the write."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import AuditEvent
from applications.workflow import ApplicationStatus as S
from core.errors import StorageUnavailable
from documents.models import Document
from documents.services import document_upload
from documents.storage import stored_path
from tests.builders import drive
from tests.portal import samples


@pytest.fixture
def tiny_disk(settings) -> Iterator[Path]:
    mountpoint = Path(tempfile.mkdtemp(prefix="sandbox-test-tiny-disk-"))
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mountpoint)], check=True
    )
    try:
        settings.PRIVATE_STORAGE_ROOT = mountpoint
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=True)
        mountpoint.rmdir()


def fill(disk: Path, leave: int) -> None:
    """Take up all but about ``leave`` bytes of the disk."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    (disk / "ballast").write_bytes(b"\0" * max(free - leave, 0))


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and p.name != "ballast"}


def test_an_upload_to_a_full_disk_is_refused_cleanly_and_keeps_earlier_files(world, tiny_disk):
    app = drive(world, S.DRAFT)
    earlier = document_upload(
        application=app, by=world.applicant, doc_type="business_plan", file=("a.pdf", [samples.PDF])
    )
    events_before = AuditEvent.objects.count()
    fill(tiny_disk, leave=64 * 1024)
    big = samples.PDF + b"%" + b"0" * (300 * 1024)

    with pytest.raises(StorageUnavailable) as refused:
        document_upload(
            application=app, by=world.applicant, doc_type="safety_plan", file=("b.pdf", [big])
        )

    assert "storage is full" in refused.value.errors["file"][0]
    assert list(Document.objects.filter(application=app)) == [earlier]
    assert AuditEvent.objects.count() == events_before
    assert files_under(tiny_disk) == {stored_path(earlier)}
    assert stored_path(earlier).read_bytes() == samples.PDF


def test_the_upload_page_shows_the_storage_message_next_to_the_file(client, world, tiny_disk):
    app = drive(world, S.DRAFT)
    client.force_login(world.applicant)
    fill(tiny_disk, leave=64 * 1024)
    big = samples.PDF + b"%" + b"0" * (300 * 1024)
    upload = SimpleUploadedFile("plan.pdf", big, content_type="application/pdf")

    response = client.post(
        f"/apply/{app.pk}/step/documents/",
        {"doc_type": "business_plan", "file": upload, "upload": "1", "version": app.version},
    )

    assert response.status_code == 400
    assert "storage is full or unavailable" in response.content.decode()
    assert not Document.objects.filter(application=app).exists()
    assert files_under(tiny_disk) == set()
