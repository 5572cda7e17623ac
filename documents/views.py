"""Document views. Sections: applicants' uploads; decision letters (their own section)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from django.views import View

from documents.selectors import document_get_for
from documents.services import stored_path
from sandbox.errors import NotVisible

# --- Uploads -----------------------------------------------------------------------------------


class DocumentDownloadView(LoginRequiredMixin, View):
    """Serves an uploaded file to people who may read its case (404 for everyone else), always
    as an attachment and never sniffed, so a file can never run as a page of this site."""

    def get(self, request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> FileResponse:
        try:
            document = document_get_for(user=request.user, pk=pk)
        except NotVisible as error:
            raise Http404(error.message) from error
        path = stored_path(document)
        if not path.is_file():
            raise Http404(_("The stored file is missing."))
        response = FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


# --- end of Uploads ------------------------------------------------------------------------------
