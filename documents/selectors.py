"""Reads for documents. Sections: applicants' uploads; decision letters (their own section)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.models import Application
from documents.models import Document, Letter
from sandbox.errors import NotVisible

# --- Uploads -----------------------------------------------------------------------------------


def document_get_for(*, user: Any, pk: int) -> Document:
    """One uploaded file, or ``NotVisible`` unless the user may read its case."""
    document = (
        Document.objects.select_related("application__program", "application__organization")
        .filter(pk=pk)
        .first()
    )
    if document is None or not perms.can_view_application(user, document.application):
        raise NotVisible(_("No such document."))
    return document


def documents_of(*, application: Application) -> QuerySet[Document]:
    """Every file version on the case, by type then version."""
    return Document.objects.filter(application=application).select_related("uploaded_by")


# --- end of Uploads ------------------------------------------------------------------------------


# --- Letters -----------------------------------------------------------------------------------


def letter_pdf_path(letter: Letter) -> Path:
    """Where an issued letter's PDF is stored: ``PRIVATE_STORAGE_ROOT/letters/<first two
    characters of storage_name>/<storage_name>`` (the convention the letter services write to)."""
    return (
        Path(settings.PRIVATE_STORAGE_ROOT)
        / "letters"
        / letter.storage_name[:2]
        / letter.storage_name
    )


def letter_get_for(*, user: Any, number: str) -> Letter:
    """One letter by number, or ``NotVisible`` unless the user may read its case."""
    letter = (
        Letter.objects.select_related(
            "application__program", "application__organization", "supersedes", "superseded_by"
        )
        .filter(number=number)
        .first()
    )
    if letter is None or not perms.can_view_application(user, letter.application):
        raise NotVisible(_("No such letter."))
    return letter


# --- end of Letters ------------------------------------------------------------------------------
