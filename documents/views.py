"""Document views. Sections: applicants' uploads; decision letters (their own section)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
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
from core.throttle import client_address, throttle_hit
from documents.forms import (
    LetterCheckForm,
    LetterCodeForm,
    LetterCorrectionForm,
    LetterFileForm,
    LetterLookupForm,
)
from documents.letter_data import check_path
from documents.models import Letter
from documents.selectors import (
    document_get_for,
    letter_by_code,
    letter_by_sha256,
    letter_get_for,
)
from documents.services import letter_correct
from documents.standing import letter_standing
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


class PublicCheckMixin(View):
    """The public letter check: anyone, no sign-in; every lookup counts against the source's
    rate (``VERIFY_THROTTLE_RATE``), so numbers and codes cannot be tried in bulk; answers are
    never cached or indexed."""

    template_name = "documents/verify.html"

    def throttled(self, request: HttpRequest) -> HttpResponse | None:
        verdict = throttle_hit("verify", client_address(request), settings.VERIFY_THROTTLE_RATE)
        if verdict.allowed:
            return None
        response = render(request, "core/too_many_requests.html", status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return self._private(response)

    @staticmethod
    def _private(response: HttpResponse) -> HttpResponse:
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def page(self, request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
        letter: Letter | None = context.get("letter")
        if letter is not None:
            program = letter.application.program
            english = translation.get_language() == "en"
            standing = letter_standing(letter)
            context.update(
                authority=(
                    program.authority_en if english and program.authority_en else program.authority
                )
                or program.lead_ministry.display_name,
                recipient=letter.application.organization.name,
                issued_on=program.local_date(letter.issued_at) if letter.issued_at else None,
                standing=standing,
                correction_url=check_path(
                    standing.superseded_by.number, standing.superseded_by.verification_code
                )
                if standing.superseded_by
                else "",
            )
        context.setdefault("file_form", LetterFileForm())
        context.setdefault("check_form", LetterCheckForm())
        return self._private(render(request, self.template_name, context, status=status))


class LetterVerifyStartView(PublicCheckMixin):
    """``/verify/``: find a letter by its number and verification code, or by its PDF."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if "number" not in request.GET and "code" not in request.GET:
            return self.page(request, mode="start", lookup_form=LetterLookupForm())
        form = LetterLookupForm(request.GET)
        if not form.is_valid():
            return self.page(request, mode="start", lookup_form=form, status=400)
        return redirect(check_path(form.cleaned_data["number"], form.cleaned_data["code"]))

    def post(self, request: HttpRequest) -> HttpResponse:
        refused = self.throttled(request)
        if refused:
            return refused
        form = LetterFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(
                request, mode="start", lookup_form=LetterLookupForm(), file_form=form, status=400
            )
        letter = letter_by_sha256(sha256=_sha256_of(form.cleaned_data["file"]))
        if letter is None:
            return self.page(
                request, mode="start", lookup_form=LetterLookupForm(), unknown_file=True
            )
        return self.page(request, mode="result", letter=letter, checked=True, matches=True)


class LetterVerifyView(PublicCheckMixin):
    """``/verify/<number>/``. The number alone shows nothing (the same page for every number,
    issued or not): the letter's verification code (``?code=``, as its QR code carries it) opens
    its details and where its decision stands now; so does its PDF or the file's SHA-256."""

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        if "code" not in request.GET:
            return self.page(request, mode="number", number=number, code_form=LetterCodeForm())
        refused = self.throttled(request)
        if refused:
            return refused
        form = LetterCodeForm(request.GET)
        letter = (
            letter_by_code(number=number, code=form.cleaned_data["code"])
            if form.is_valid()
            else None
        )
        if letter is None:
            if form.is_valid():
                form.add_error("code", _("No letter we issued has this number and code."))
            return self.page(request, mode="number", number=number, code_form=form, status=404)
        return self.page(request, mode="result", letter=letter, check_form=LetterCheckForm())

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        refused = self.throttled(request)
        if refused:
            return refused
        form = LetterCheckForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(
                request,
                mode="number",
                number=number,
                code_form=LetterCodeForm(),
                check_form=form,
                status=400,
            )
        given = form.cleaned_data["sha256"] or _sha256_of(form.cleaned_data["file"])
        letter = letter_by_sha256(sha256=given, number=number)
        if letter is None:
            return self.page(
                request,
                mode="number",
                number=number,
                code_form=LetterCodeForm(),
                checked=True,
                matches=False,
            )
        return self.page(
            request,
            mode="result",
            letter=letter,
            checked=True,
            matches=True,
            check_form=LetterCheckForm(),
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
