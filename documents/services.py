"""Writes for documents. Sections: applicants' uploads; decision letters (their own section).

Shape as in ``applications/services.py``: one transaction → lock the case row → visibility (404),
state (409), permission (403), input (400) → write → audit event → effects after commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.audit import audit_record
from applications.models import Application, Decision, DecisionKind, InsuranceProof
from applications.roles import Role
from applications.services import (
    application_answer_supplement,
    application_row_lock,
    event_record,
    insurance_proof_add,
)
from applications.visibility import can_view_application
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput, NotPermitted, NotVisible, StorageUnavailable, WrongState
from documents import tasks, uploads, verification
from documents.models import Document, DocumentType, Letter, LetterKind, LetterStatus, Paper
from documents.papers import PaperSpec, paper_render
from documents.storage import discard, document_key, private_key, store_private
from documents.vocabulary import DocumentAction

# --- Uploads -----------------------------------------------------------------------------------

# Where a case accepts files: the draft (part of the application), an open supplement request
# (sent with the answer) and a waiver in force (insurance certificates, reports).
UPLOAD_STATUSES = frozenset(
    {S.DRAFT, S.SUPPLEMENT_REQUESTED, S.APPROVED, S.ACTIVE, S.SUSPENDED, S.CONTINUING}
)

UploadedFile = tuple[str, Iterable[bytes]]
"""A file as the services take it: the name the person gave it and its content in chunks."""


logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _transaction_with_files() -> Iterator[list[str]]:
    """One transaction for rows and files together: the caller lists the files it writes, and if
    the transaction fails they are removed, so nothing is left half-saved."""
    written: list[str] = []
    try:
        with transaction.atomic():
            yield written
    except BaseException:
        discard(written)
        raise


def _write_new_file(storage_name: str, data: bytes) -> str:
    """Store an upload; a storage failure (full disk, unreachable object store) is reported as
    the storage's fault, not the person's."""
    try:
        return store_private(private_key("uploads", storage_name), data)
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
    if not can_view_application(by, application):
        raise NotVisible(_("No such application."))
    if not perms.can_act_for_applicant(by, application):
        raise NotPermitted(_("Only members of the applying organisation can upload files."))


def _store(
    *,
    app: Application,
    by: Any,
    doc_type: str,
    file: UploadedFile,
    written: list[str],
    role: str = Role.APPLICANT,
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
        role,
        DocumentAction.DOCUMENT_UPLOADED,
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


def document_upload(
    *, application: Application, by: Any, doc_type: str, file: UploadedFile
) -> Document:
    """An applicant adds a file to their case (draft, open supplement request, or waiver in
    force). Content must be an allowed kind matching its extension; earlier versions stay."""
    _require_applicant(by, application)
    if doc_type not in _allowed_doc_types(application):
        raise InvalidInput({"doc_type": _("Choose one of the listed document types.")})
    with _transaction_with_files() as written:
        app = application_row_lock(application)
        _require_applicant(by, app)
        if app.status not in UPLOAD_STATUSES:
            raise WrongState(
                _("Files cannot be added to a case that is %(status)s.")
                % {"status": app.get_status_display()}
            )
        return _store(app=app, by=by, doc_type=doc_type, file=file, written=written)


# For the apps that build on documents (``supervision``: reports, incidents, user notices): one
# transaction for their rows and the files they store, files removed if it fails.
transaction_with_files = _transaction_with_files


def document_attach(
    *, application: Application, by: Any, doc_type: str, file: UploadedFile, written: list[str]
) -> Document:
    """Store an applicant's file on a case inside the caller's transaction (the caller holds the
    case row lock, has decided that the case takes files now, and lists ``written`` for
    ``transaction_with_files``). The usual checks apply: content sniffed, extension matching,
    size; the file is the next version of its type and recorded as ``document_uploaded``."""
    _require_applicant(by, application)
    return _store(app=application, by=by, doc_type=doc_type, file=file, written=written)


def staff_document_attach(
    *,
    application: Application,
    by: Any,
    doc_type: str,
    file: UploadedFile,
    written: list[str],
    role: str = Role.DECISION_MAKER,
) -> Document:
    """Store a file staff add to a case (``sanctions``: a hearing's minutes) inside the caller's
    transaction: the caller holds the case row lock and has checked the staff member's power;
    the usual content checks apply."""
    if not can_view_application(by, application):
        raise NotVisible(_("No such application."))
    return _store(app=application, by=by, doc_type=doc_type, file=file, written=written, role=role)


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
        key = document_key(item)
        payload = {"document": item.pk, "doc_type": item.doc_type, "name": item.original_name}
        item.delete()
        event_record(app, by, Role.APPLICANT, DocumentAction.DOCUMENT_REMOVED, payload)
        transaction.on_commit(lambda: discard([key]))


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
    _require_applicant(by, application)
    with _transaction_with_files() as written:
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


def insurance_proof_add_with_certificate(
    *,
    application: Application,
    by: Any,
    certificate: UploadedFile | None = None,
    **proof: Any,
) -> InsuranceProof:
    """The applicant files insurance proof and, optionally, the insurer's certificate, all or
    nothing: a refused or unstorable certificate leaves no insurance record behind."""
    with _transaction_with_files() as written:
        record = insurance_proof_add(application=application, by=by, **proof)
        if certificate is not None:
            app = application_row_lock(application)
            _store(
                app=app, by=by, doc_type=DocumentType.INSURANCE, file=certificate, written=written
            )
        return record


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
    DecisionKind.PRIOR_NOTICE: LetterKind.PRIOR_NOTICE,
    DecisionKind.HEARING_NOTICE: LetterKind.HEARING_NOTICE,
    DecisionKind.URGENT_SUSPENSION: LetterKind.URGENT_SUSPENSION,
    DecisionKind.SUSPENSION_EXTENSION: LetterKind.SUSPENSION_EXTENSION,
    DecisionKind.RESUMPTION: LetterKind.RESUMPTION,
    DecisionKind.LAW_AMENDMENT: LetterKind.LAW_AMENDMENT,
    DecisionKind.CONVERSION: LetterKind.CONVERSION,
    DecisionKind.CONTINUATION_END: LetterKind.CONTINUATION_END,
}


def _new_letter(
    *,
    app: Application,
    decision: Decision,
    kind: str,
    supersedes: Letter | None = None,
    correction_reason: str = "",
) -> Letter:
    """A pending letter numbered ``<reference>-L<n>``; the caller holds the case row lock, so
    numbers are unique and gap-free per case (letters are never deleted). Its random
    verification code is printed on it for the public check page."""
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
        verification_code=verification.new_code(),
    )


def _issue_after_commit(letter: Letter) -> None:
    letter_id = letter.pk
    transaction.on_commit(lambda: tasks.enqueue_issue(letter_id=letter_id))


def letter_prepare(*, decision: Decision) -> Letter | None:
    """Inside the decision's transaction (case row locked): the pending letter for a decision
    with legal effect, so a letter is never lost; it is issued in the background once the
    decision commits. Decisions without a letter kind return ``None``. Subscribed to the case
    kernel's decisions in ``DocumentsConfig.ready``."""
    kind = LETTER_KIND_OF_DECISION.get(decision.kind)
    if kind is None:
        return None
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("letter_prepare must run inside the decision's transaction.")
    letter = _new_letter(app=decision.application, decision=decision, kind=kind)
    _issue_after_commit(letter)
    return letter


def letters_prepare(*, decisions: list[Decision]) -> list[Letter]:
    """``letter_prepare`` for many decisions of one transaction, each on its own case whose row
    the caller holds (the deadline sweep's chunks): numbers counted in one query, the letters
    inserted in one statement and issued after the commit by one task."""
    wanted = [
        (d, LETTER_KIND_OF_DECISION[d.kind]) for d in decisions if d.kind in LETTER_KIND_OF_DECISION
    ]
    if not wanted:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("letters_prepare must run inside the decisions' transaction.")
    cases = [decision.application for decision, _kind in wanted]
    if len({app.pk for app in cases}) != len(cases):  # two letters on one case: one at a time
        return [letter for d in decisions if (letter := letter_prepare(decision=d)) is not None]
    counts = dict(
        Letter.objects.filter(application_id__in=[app.pk for app in cases])
        .values("application_id")
        .annotate(n=Count("pk"))
        .values_list("application_id", "n")
    )
    now = timezone.now()
    letters = [
        Letter(
            number=f"{app.reference or f'CASE{app.pk}'}-L{counts.get(app.pk, 0) + 1}",
            application=app,
            decision=decision,
            kind=kind,
            language=app.language,
            version=1,
            supersedes=None,
            correction_reason="",
            created_at=now,
            verification_code=verification.new_code(),
        )
        for (decision, kind), app in zip(wanted, cases, strict=True)
    ]
    if transaction.get_connection().features.can_return_rows_from_bulk_insert:
        letters = Letter.objects.bulk_create(letters)
    else:
        for letter in letters:
            letter.save(force_insert=True)
    ids = [letter.pk for letter in letters]
    transaction.on_commit(lambda: tasks.enqueue_issue_many(letter_ids=ids))
    return letters


def letter_correct(*, letter: Letter, by: Any, reason: str) -> Letter:
    """A decision maker corrects an issued letter: a new letter (next number, version + 1) for
    the same decision supersedes it. The old one stays downloadable, marked superseded."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput({"reason": _("Say what the correction changes.")})
    with transaction.atomic():
        app = application_row_lock(letter.application)
        if not can_view_application(by, app):
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
            DocumentAction.LETTER_CORRECTION_ORDERED,
            {"letter": old.number, "new_letter": new.number, "reason": text},
        )
        _issue_after_commit(new)
    return new


def _record_letter_event(app: Application, by: Any, action: str, payload: dict[str, Any]) -> None:
    event_record(app, by, Role.DECISION_MAKER, action, payload)


# --- end of Letters ------------------------------------------------------------------------------


# --- Papers ------------------------------------------------------------------------------------

T = TypeVar("T")


def paper_issue(
    *,
    spec: PaperSpec,
    by: Any,
    role: str,
    then: Callable[[Paper], T],
) -> T:
    """Render ``spec`` with the letters' machinery, seal it, store it with its SHA-256 and record
    ``paper_issued`` — in one transaction with ``then(paper)``, the asking app's own change (its
    locks, checks and events). If ``then`` refuses (a stale form, a wrong state), nothing is kept:
    no row, no event, no file. Rendering happens before the transaction, so no lock is held
    while WeasyPrint works; ``then`` re-checks under its locks what the paper was made from."""
    sealed = paper_render(spec)
    digest = hashlib.sha256(sealed).hexdigest()
    storage_name = secrets.token_hex(32)
    with _transaction_with_files() as written:
        try:
            written.append(store_private(private_key("papers", storage_name), sealed))
        except OSError as error:
            logger.error("could not store a paper: %s", error)
            raise StorageUnavailable(
                _(
                    "The paper could not be stored because our storage is full or unavailable. "
                    "Nothing was saved; please try again later."
                )
            ) from error
        paper = Paper.objects.create(
            reference=spec.reference,
            kind=spec.kind,
            title=spec.title[:300],
            language=spec.language,
            created_by=by,
            created_at=timezone.now(),
            storage_name=storage_name,
            size=len(sealed),
            sha256=digest,
        )
        audit_record(
            application=None,
            actor=by,
            actor_role=role,
            action=DocumentAction.PAPER_ISSUED,
            payload={
                "paper": paper.pk,
                "reference": paper.reference,
                "kind": paper.kind,
                "sha256": digest,
                "size": paper.size,
            },
            at=paper.created_at,
        )
        return then(paper)


# --- end of Papers -------------------------------------------------------------------------------
