"""Writes for documents. Sections: applicants' uploads; decision letters (their own section).

Shape as in ``applications/services.py``: one transaction → lock the case row → visibility (404),
state (409), permission (403), input (400) → write → audit event → effects after commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.models import Application, Decision, DecisionKind
from applications.roles import Role
from applications.services import application_row_lock, event_record
from applications.workflow import ApplicationStatus as S
from documents import letter_data, uploads
from documents.models import Document, DocumentType, Letter, LetterKind, LetterStatus
from documents.selectors import private_path
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


def stored_path(document: Document) -> Path:
    """The file on disk: a random name under the private root, never derived from user input."""
    return private_path("uploads", document.storage_name)


def _write_private_file(path: Path, data: bytes) -> Path:
    """Write a new private file (never overwriting one); a failed write (full disk, read-only
    mount) leaves no part of it behind and raises the OSError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:  # "x": never overwrite an existing file
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        path.chmod(0o600)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return path


def _write_new_file(storage_name: str, data: bytes) -> Path:
    """Store an upload; a storage failure is reported as the storage's fault, not the person's."""
    try:
        return _write_private_file(private_path("uploads", storage_name), data)
    except OSError as error:
        logger.error("could not store an upload: %s", error)
        raise StorageUnavailable(
            {
                "file": _(
                    "The file could not be stored because our storage is full or unavailable. "
                    "Nothing was saved; please try again later."
                )
            }
        ) from error


def _allowed_doc_types(application: Application) -> set[str]:
    return set(DocumentType.values) | set(application.track.required_document_types or [])


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
    event_record(
        app,
        by,
        Role.APPLICANT,
        "document_uploaded",
        {
            "document": document.pk,
            "doc_type": doc_type,
            "version": document.version,
            "name": document.original_name,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
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
            app = application_row_lock(application)
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
        app = application_row_lock(document.application)
        _require_applicant(by, app)
        item = Document.objects.select_for_update().filter(pk=document.pk, application=app).first()
        if item is None:
            raise NotVisible(_("No such document."))
        if app.status != S.DRAFT or item.stage != S.DRAFT:
            raise WrongState(_("Submitted files are kept as they are; upload a new version."))
        path = stored_path(item)
        payload = {"document": item.pk, "doc_type": item.doc_type, "name": item.original_name}
        item.delete()
        event_record(app, by, Role.APPLICANT, "document_removed", payload)
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
            app = application_row_lock(application)
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


# --- Letters -----------------------------------------------------------------------------------

# Which decisions are legal acts the holder must receive in writing. Remand, resumption,
# acceptance of a law-amendment request and regularization are recorded in the case history and
# emailed, but carry no letter (see docs/letters.md).
LETTER_KIND_OF_DECISION: dict[str, str] = {
    DecisionKind.APPROVAL: LetterKind.APPROVAL,
    DecisionKind.REJECTION: LetterKind.REJECTION,
    DecisionKind.CONFIRMATION: LetterKind.CONFIRMATION,
    DecisionKind.DEEMED_CONFIRMATION: LetterKind.DEEMED_CONFIRMATION,
    DecisionKind.EXTENSION: LetterKind.EXTENSION,
    DecisionKind.SUSPENSION: LetterKind.SUSPENSION,
    DecisionKind.REVOCATION: LetterKind.REVOCATION,
    DecisionKind.EXPIRY: LetterKind.EXPIRY,
}

OPEN_LETTER_STATUSES = (LetterStatus.PENDING, LetterStatus.FAILED)


def _new_letter(
    *,
    app: Application,
    decision: Decision,
    kind: str,
    supersedes: Letter | None = None,
    correction_reason: str = "",
) -> Letter:
    """A pending letter numbered ``<reference>-L<n>``; the caller holds the case row lock, so
    numbers are unique and gap-free per case (letters are never deleted)."""
    position = Letter.objects.filter(application=app).count() + 1
    return Letter.objects.create(
        number=f"{app.reference or f'CASE{app.pk}'}-L{position}",
        application=app,
        decision=decision,
        kind=kind,
        language=app.language,
        version=supersedes.version + 1 if supersedes else 1,
        supersedes=supersedes,
        correction_reason=correction_reason,
        created_at=timezone.now(),
    )


def _enqueue_issue(letter_id: int) -> None:
    from documents.tasks import enqueue_issue  # imported late: tasks import this module

    transaction.on_commit(lambda: enqueue_issue(letter_id=letter_id))


def letter_prepare(*, decision: Decision) -> Letter | None:
    """Inside the decision's transaction (case row locked): the pending letter for a decision
    with legal effect, so a letter is never lost. ``applications.effects.decision_recorded``
    queues its issuing after commit. Decisions without a letter kind return ``None``."""
    kind = LETTER_KIND_OF_DECISION.get(decision.kind)
    if kind is None:
        return None
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("letter_prepare must run inside the decision's transaction.")
    return _new_letter(app=decision.application, decision=decision, kind=kind)


def letter_issue(*, letter: Letter) -> Letter:
    """System: render, seal and store a pending letter, then record ``letter_issued`` with its
    number and SHA-256 — exactly once, even when two workers run it at the same time (row lock
    on PostgreSQL, and a conditional update that only one of them can win everywhere)."""
    from documents import letters, signing  # WeasyPrint and pyHanko load only where needed

    written: list[Path] = []
    try:
        with transaction.atomic():
            current = (
                Letter.objects.select_for_update(of=("self",))
                .select_related(
                    "application__program__lead_ministry",
                    "application__track",
                    "application__organization",
                    "decision__decided_by",
                    "supersedes",
                )
                .get(pk=letter.pk)
            )
            if current.status == LetterStatus.ISSUED:
                return current
            at = timezone.now()
            data = letter_data.letter_input(current, issued_at=at)
            try:
                pdf = letters.render(data)
            finally:
                letters.release_memory()
            sealed = signing.seal(
                pdf,
                reason=f"{current.number} {current.get_kind_display()}",
                location=current.application.program.lead_ministry.name,
            )
            digest = hashlib.sha256(sealed).hexdigest()
            storage_name = secrets.token_hex(32)
            written.append(_write_private_file(private_path("letters", storage_name), sealed))
            won = (
                Letter.objects.filter(pk=current.pk, status__in=OPEN_LETTER_STATUSES).update(
                    status=LetterStatus.ISSUED,
                    issued_at=at,
                    storage_name=storage_name,
                    size=len(sealed),
                    sha256=digest,
                    attempts=F("attempts") + 1,
                    last_error="",
                )
                == 1
            )
            if not won:  # another worker issued it meanwhile: keep theirs
                _discard(written)
                return Letter.objects.get(pk=current.pk)
            app = current.application
            event_record(
                app,
                None,
                Role.SYSTEM,
                "letter_issued",
                {
                    "number": current.number,
                    "sha256": digest,
                    "kind": current.kind,
                    "decision": current.decision_id,
                    "version": current.version,
                    "supersedes": current.supersedes.number if current.supersedes else "",
                },
                at=at,
            )
    except BaseException:
        _discard(written)
        raise
    current.refresh_from_db()
    return current


def letter_attempt_failed(*, letter: Letter, error: BaseException, final: bool) -> Letter:
    """System: note a failed issuing attempt; the decision stays committed and the letter stays
    pending (``failed`` once the task has used its attempts; ``issue_pending_letters`` retries)."""
    with transaction.atomic():
        current = Letter.objects.select_for_update().get(pk=letter.pk)
        if current.status == LetterStatus.ISSUED:
            return current
        current.attempts += 1
        current.last_error = f"{type(error).__name__}: {error}"[:2000]
        current.status = LetterStatus.FAILED if final else LetterStatus.PENDING
        current.save(update_fields=["attempts", "last_error", "status"])
    return current


def letter_correct(*, letter: Letter, by: Any, reason: str) -> Letter:
    """A decision maker corrects an issued letter: a new letter (next number, version + 1) for
    the same decision supersedes it. The old one stays downloadable, marked superseded."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput({"reason": _("Say what the correction changes.")})
    with transaction.atomic():
        app = application_row_lock(letter.application)
        if not perms.can_view_application(by, app):
            raise NotVisible(_("No such application."))
        old = Letter.objects.select_for_update().get(pk=letter.pk)
        if old.status != LetterStatus.ISSUED:
            raise WrongState(_("Only an issued letter can be corrected."))
        if Letter.objects.filter(supersedes=old).exists():
            raise WrongState(_("This letter has already been corrected; correct the newer one."))
        if not perms.can_decide_application(by, app):
            raise NotPermitted(_("You are not allowed to correct letters on this case."))
        new = _new_letter(
            app=app,
            decision=old.decision,
            kind=old.kind,
            supersedes=old,
            correction_reason=text,
        )
        _record_letter_event(
            app,
            by,
            "letter_correction_ordered",
            {"letter": old.number, "new_letter": new.number, "reason": text},
        )
        _enqueue_issue(new.pk)
    return new


def _record_letter_event(app: Application, by: Any, action: str, payload: dict[str, Any]) -> None:
    event_record(app, by, Role.DECISION_MAKER, action, payload)


# --- end of Letters ------------------------------------------------------------------------------
