"""Reads for documents. Sections: applicants' uploads; decision letters (their own section)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from applications.models import Application
from applications.visibility import can_view_application
from core.errors import NotVisible
from documents import verification
from documents.models import Document, Letter, LetterKind, LetterStatus
from documents.uploads import missing_documents

# --- Uploads -----------------------------------------------------------------------------------


def document_get_for(*, user: Any, pk: int) -> Document:
    """One uploaded file, or ``NotVisible`` unless the user may read its case."""
    document = (
        Document.objects.select_related("application__program", "application__organization")
        .filter(pk=pk)
        .first()
    )
    if document is None or not can_view_application(user, document.application):
        raise NotVisible(_("No such document."))
    return document


def missing_required_documents(*, application: Application) -> dict[str, str]:
    """Required document types of the case's track with no upload yet (a check the case
    kernel runs before submission; subscribed in ``DocumentsConfig.ready``)."""
    return missing_documents(
        required=application.track.required_document_types or [],
        present=Document.objects.filter(application=application).values_list("doc_type", flat=True),
    )


def documents_of(*, application: Application) -> QuerySet[Document]:
    """Every file version on the case, by type then version."""
    return Document.objects.filter(application=application).select_related("uploaded_by")


# --- end of Uploads ------------------------------------------------------------------------------


# --- Letters -----------------------------------------------------------------------------------


def letters_of(*, application: Application) -> list[Letter]:
    """Every letter on the case (pending ones too), oldest first, each knowing what it
    supersedes and what superseded it."""
    return list(
        Letter.objects.filter(application=application)
        .select_related("supersedes", "superseded_by")
        .order_by("created_at", "id")
    )


def letter_get_for(*, user: Any, number: str, include_pending: bool = False) -> Letter:
    """An issued letter (or, with ``include_pending``, one still being prepared), or
    ``NotVisible`` unless the user may read its case."""
    letters = Letter.objects.select_related(
        "application__program", "application__organization", "supersedes", "superseded_by"
    ).filter(number=number)
    if not include_pending:
        letters = letters.filter(status=LetterStatus.ISSUED)
    letter = letters.first()
    if letter is None or not can_view_application(user, letter.application):
        raise NotVisible(_("No such letter."))
    return letter


# Letters about a granted waiver, which the public register lists with their check links.
PUBLIC_LETTER_KINDS = (
    LetterKind.APPROVAL,
    LetterKind.EXTENSION,
    LetterKind.SUSPENSION,
    LetterKind.REVOCATION,
    LetterKind.EXPIRY,
)


def _issued_letters() -> QuerySet[Letter]:
    return Letter.objects.select_related(
        "application__program__lead_ministry", "application__organization", "decision"
    ).filter(status=LetterStatus.ISSUED)


def letter_by_code(*, number: str, code: str) -> Letter | None:
    """The issued letter with this number, if the verification code is its own (None for an
    unknown number, a pending letter or a wrong code alike: the answer tells nothing)."""
    letter = _issued_letters().filter(number=number).first()
    if letter is None or not verification.matches(code, letter.verification_code):
        return None
    return letter


def letter_by_sha256(*, sha256: str, number: str = "") -> Letter | None:
    """The issued letter whose file has exactly this SHA-256 (and this number, if given)."""
    letters = _issued_letters().filter(sha256=sha256.lower())
    if number:
        letters = letters.filter(number=number)
    return letters.first()


def public_letters_of(*, application: Application) -> list[Letter]:
    """The issued letters of a granted waiver the public may check (designation, extensions,
    suspensions, revocation, expiry; corrections included), oldest first."""
    return list(
        Letter.objects.filter(
            application=application, status=LetterStatus.ISSUED, kind__in=PUBLIC_LETTER_KINDS
        )
        .select_related("superseded_by")
        .order_by("issued_at", "id")
    )


# --- end of Letters ------------------------------------------------------------------------------
