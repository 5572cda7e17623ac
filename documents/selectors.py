"""Reads for documents. Sections: applicants' uploads; decision letters (their own section)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.models import Application
from documents.models import Document
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
