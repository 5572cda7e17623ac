"""Document views. Sections: applicants' uploads; decision letters (their own section)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View

from accounts.access import SignedInMixin
from applications import permissions as perms
from core.errors import InvalidInput, NotVisible, WrongState
from documents.forms import LetterCheckForm, LetterCorrectionForm
from documents.models import Letter
from documents.selectors import document_get_for, letter_get_for, letter_public
from documents.services import letter_correct
from documents.storage import document_key, letter_key, open_private

# --- Uploads -----------------------------------------------------------------------------------


class DocumentDownloadView(SignedInMixin):
    """Serves an uploaded file to people who may read its case (404 for everyone else), always
    as an attachment and never sniffed, so a file can never run as a page of this site."""

    def get(self, request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> FileResponse:
        try:
            document = document_get_for(user=request.user, pk=pk)
        except NotVisible as error:
            raise Http404(error.message) from error
        try:
            stored = open_private(document_key(document))
        except FileNotFoundError as error:
            raise Http404(_("The stored file is missing.")) from error
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


# --- end of Uploads ------------------------------------------------------------------------------


# --- Letters -----------------------------------------------------------------------------------


class LetterDownloadView(SignedInMixin):
    """An issued letter's sealed PDF, for people who may read its case (404 for everyone else)."""

    def get(self, request: HttpRequest, number: str, *args: Any, **kwargs: Any) -> FileResponse:
        try:
            letter = letter_get_for(user=request.user, number=number)
        except NotVisible as error:
            raise Http404(error.message) from error
        try:
            stored = open_private(letter_key(letter))
        except FileNotFoundError as error:
            raise Http404("The stored letter is missing.") from error
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=f"{letter.number}.pdf",
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


def _sha256_of(upload: Any) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


class LetterVerifyView(View):
    """Public: confirms a letter from its hash. Shows the authority, kind, issue date and
    recipient company only — never conditions or other personal data."""

    template_name = "documents/verify.html"

    def _letter(self, number: str) -> Letter:
        try:
            return letter_public(number=number)
        except NotVisible as error:
            raise Http404(error.message) from error

    def _page(
        self, request: HttpRequest, letter: Letter, form: LetterCheckForm, **extra: Any
    ) -> HttpResponse:
        program = letter.application.program
        english = translation.get_language() == "en"
        context = {
            "letter": letter,
            "authority": (
                program.authority_en if english and program.authority_en else program.authority
            )
            or program.lead_ministry.name,
            "recipient": letter.application.organization.name,
            "issued_on": program.local_date(letter.issued_at) if letter.issued_at else None,
            "superseded_by": getattr(letter, "superseded_by", None),
            "form": form,
            **extra,
        }
        response = render(request, self.template_name, context)
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        return self._page(request, self._letter(number), LetterCheckForm())

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        letter = self._letter(number)
        form = LetterCheckForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, letter, form)
        given = form.cleaned_data["sha256"] or _sha256_of(form.cleaned_data["file"])
        matches = hmac.compare_digest(given, letter.sha256)
        return self._page(
            request, letter, LetterCheckForm(), checked=True, matches=matches, given=given
        )


class LetterCorrectView(SignedInMixin):
    """A decision maker of the case orders a corrected letter; the new one supersedes this one
    (which stays downloadable). 404 for people who cannot see the case, 403 for others."""

    template_name = "documents/letter_correct.html"

    def _letter(self, request: HttpRequest, number: str) -> Letter:
        try:
            letter = letter_get_for(user=request.user, number=number)
        except NotVisible as error:
            raise Http404(error.message) from error
        if not perms.can_decide_application(request.user, letter.application):
            raise PermissionDenied(_("Only a decision maker of this case can correct its letters."))
        return letter

    def _page(
        self, request: HttpRequest, letter: Letter, form: LetterCorrectionForm
    ) -> HttpResponse:
        context = {
            "letter": letter,
            "form": form,
            "superseded_by": getattr(letter, "superseded_by", None),
        }
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        return self._page(request, self._letter(request, number), LetterCorrectionForm())

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        letter = self._letter(request, number)
        form = LetterCorrectionForm(request.POST)
        if form.is_valid():
            try:
                new = letter_correct(
                    letter=letter, by=request.user, reason=form.cleaned_data["reason"]
                )
            except (InvalidInput, WrongState) as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Letter %(new)s will replace %(old)s; it is being prepared.")
                    % {"new": new.number, "old": letter.number},
                )
                return redirect("letter-correct", number=letter.number)
        return self._page(request, letter, form)


# --- end of Letters ------------------------------------------------------------------------------
