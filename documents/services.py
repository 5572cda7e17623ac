"""Writes for documents. Sections: applicants' uploads; decision letters (their own section).

Shape as in ``applications/services.py``: one transaction → lock the case row → visibility (404),
state (409), permission (403), input (400) → write → audit event → effects after commit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import effects
from applications import permissions as perms
from applications.audit import audit_record
from applications.models import Application
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from documents import uploads
from documents.models import Document, DocumentType
from sandbox.errors import (
    InvalidInput,
    NotPermitted,
    NotVisible,
    StorageUnavailable,
    WrongState,
)

# --- Uploads -----------------------------------------------------------------------------------

# Where a case accepts files: the draft (part of the application), an open supplement request
# (sent with the answer) and a waiver in force (insurance certificates, reports).
UPLOAD_STATUSES = frozenset(
    {S.DRAFT, S.SUPPLEMENT_REQUESTED, S.APPROVED, S.ACTIVE, S.SUSPENDED, S.CONTINUING}
)

UploadedFile = tuple[str, Iterable[bytes]]
"""A file as the services take it: the name the person gave it and its content in chunks."""


logger = logging.getLogger(__name__)


def upload_root() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "uploads"


def stored_path(document: Document) -> Path:
    """The file on disk: a random name under the private root, never derived from user input."""
    return upload_root() / document.storage_name[:2] / document.storage_name


def _write_new_file(storage_name: str, data: bytes) -> Path:
    """Write a new private file; a failed write (full disk, read-only mount) leaves no part of
    it behind and is reported as the storage's fault, not the person's."""
    path = upload_root() / storage_name[:2] / storage_name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:  # "x": never overwrite an existing file
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        path.chmod(0o600)
    except OSError as error:
        with contextlib.suppress(OSError):
            path.unlink()
        logger.error("could not store an upload: %s", error)
        raise StorageUnavailable(
            {
                "file": _(
                    "The file could not be stored because our storage is full or unavailable. "
                    "Nothing was saved; please try again later."
                )
            }
        ) from error
    return path


def _allowed_doc_types(application: Application) -> set[str]:
    return set(DocumentType.values) | set(application.track.required_document_types or [])


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("program", "track")
        .get(pk=application.pk)
    )


def _require_applicant(by: Any, application: Application) -> None:
    if not perms.can_view_application(by, application):
        raise NotVisible(_("No such application."))
    if not perms.can_act_for_applicant(by, application):
        raise NotPermitted(_("Only members of the applying organisation can upload files."))


def _store(
    *, app: Application, by: Any, doc_type: str, file: UploadedFile, written: list[Path]
) -> Document:
    """Check one file and store it as the next version of its type (inside the caller's lock)."""
    name, chunks = file
    try:
        checked, data = uploads.check_upload(name, chunks)
    except uploads.UploadRefused as refused:
        raise InvalidInput({"file": refused.message}) from refused
    latest = Document.objects.filter(application=app, doc_type=doc_type).aggregate(
        v=Max("version")
    )["v"]
    storage_name = secrets.token_hex(32)
    written.append(_write_new_file(storage_name, data))
    document = Document.objects.create(
        application=app,
        doc_type=doc_type,
        version=(latest or 0) + 1,
        original_name=checked.name,
        storage_name=storage_name,
        content_type=checked.kind.content_type,
        size=checked.size,
        sha256=checked.sha256,
        stage=app.status,
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    event = audit_record(
        application=app,
        actor=by,
        actor_role=Role.APPLICANT,
        action="document_uploaded",
        from_status=app.status,
        to_status=app.status,
        payload={
            "document": document.pk,
            "doc_type": doc_type,
            "version": document.version,
            "name": document.original_name,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
    transaction.on_commit(lambda: effects.event_recorded(event_id=event.pk))
    return document


def _discard(paths: Sequence[Path]) -> None:
    """Remove files written by a transaction that then failed (rows rolled back with it)."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def document_upload(
    *, application: Application, by: Any, doc_type: str, file: UploadedFile
) -> Document:
    """An applicant adds a file to their case (draft, open supplement request, or waiver in
    force). Content must be an allowed kind matching its extension; earlier versions stay."""
    _require_applicant(by, application)
    if doc_type not in _allowed_doc_types(application):
        raise InvalidInput({"doc_type": _("Choose one of the listed document types.")})
    written: list[Path] = []
    try:
        with transaction.atomic():
            app = _lock(application)
            _require_applicant(by, app)
            if app.status not in UPLOAD_STATUSES:
                raise WrongState(
                    _("Files cannot be added to a case that is %(status)s.")
                    % {"status": app.get_status_display()}
                )
            return _store(app=app, by=by, doc_type=doc_type, file=file, written=written)
    except BaseException:
        _discard(written)
        raise


def document_remove(*, document: Document, by: Any) -> None:
    """Before submission an applicant may take a file out of the draft; submitted files are
    frozen (a later upload is a new version)."""
    with transaction.atomic():
        app = _lock(document.application)
        _require_applicant(by, app)
        item = Document.objects.select_for_update().filter(pk=document.pk, application=app).first()
        if item is None:
            raise NotVisible(_("No such document."))
        if app.status != S.DRAFT or item.stage != S.DRAFT:
            raise WrongState(_("Submitted files are kept as they are; upload a new version."))
        path = stored_path(item)
        payload = {"document": item.pk, "doc_type": item.doc_type, "name": item.original_name}
        item.delete()
        event = audit_record(
            application=app,
            actor=by,
            actor_role=Role.APPLICANT,
            action="document_removed",
            from_status=app.status,
            to_status=app.status,
            payload=payload,
        )
        transaction.on_commit(lambda: effects.event_recorded(event_id=event.pk))
        transaction.on_commit(lambda: _discard([path]))


def supplement_answer_with_documents(
    *,
    application: Application,
    by: Any,
    message: str,
    files: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
) -> Application:
    """The applicant answers a supplement request with a message and files, all or nothing:
    a refused file leaves the request open and stores nothing."""
    from applications.services import application_answer_supplement

    _require_applicant(by, application)
    written: list[Path] = []
    try:
        with transaction.atomic():
            app = _lock(application)
            _require_applicant(by, app)
            if app.status != S.SUPPLEMENT_REQUESTED:
                raise WrongState(_("There is no open supplement request on this case."))
            if expected_version is not None and app.version != expected_version:
                # Let the answer service word the conflict.
                return application_answer_supplement(
                    application=app, by=by, message=message, expected_version=expected_version
                )
            if not (message or "").strip():
                raise InvalidInput({"message": _("Describe what you are supplying.")})
            for file in files:
                _store(app=app, by=by, doc_type=DocumentType.SUPPLEMENT, file=file, written=written)
            return application_answer_supplement(
                application=app, by=by, message=message, expected_version=expected_version
            )
    except BaseException:
        _discard(written)
        raise


# --- end of Uploads ------------------------------------------------------------------------------
