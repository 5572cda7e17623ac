"""Who may open which page: the checks every app's views share.

Staff pages (``StaffMixin``) need a staff or auditor role *and* a second factor verified in this
session; a signed-in person without a staff role gets a 403 page. Pages open to applicants and
staff alike (downloads, letters: ``SignedInMixin``) send a person who holds staff powers to the
second factor first, so no surface opens to a password alone. Applicant pages reach a case
through ``applicant_case`` and staff pages through ``staff_case``: a case the person may not see
is a 404, never a 403 with data.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from accounts.twofactor import (
    confirmed_device,
    needs_second_factor,
    second_factor_missing,
    works_in_review,
)
from applications import permissions as perms
from applications.models import Application
from applications.selectors import application_get_for
from applications.workflow import ApplicationStatus as S
from core.errors import NotVisible


def next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("review-queue")


def second_factor_redirect(request: HttpRequest) -> HttpResponseBase | None:
    """For a signed-in person who holds staff powers but has not passed the second factor in
    this session: the way to it (set-up or code), coming back here after. ``None`` otherwise."""
    if not second_factor_missing(request.user):
        return None
    name = "review-2fa-verify" if confirmed_device(request.user) else "review-2fa-setup"
    return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


class SignedInMixin(View):
    """Signed in (else to the sign-in page), and past the second factor for staff powers."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return second_factor_redirect(request) or super().dispatch(request, *args, **kwargs)


class SecondFactorPageMixin(View):
    """The two-factor pages themselves: for signed-in people who need the second factor (staff,
    auditors, the operator); anyone else gets a 403 page."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not needs_second_factor(request.user):
            return render(request, "accounts/not_staff.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class SignedInStaffMixin(View):
    """Signed in and working in review (staff or auditor); anyone else gets a 403 page."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not works_in_review(request.user):
            return render(request, "accounts/not_staff.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class StaffMixin(SignedInStaffMixin):
    """...and has passed two-factor sign-in in this session (``is_verified``)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and works_in_review(request.user):
            pending = second_factor_redirect(request)
            if pending is not None:
                return pending
        return super().dispatch(request, *args, **kwargs)


def applicant_case(request: HttpRequest, pk: int) -> Application:
    """The case if the user acts for its organisation; 404 for everyone else (never 403)."""
    try:
        application = application_get_for(user=request.user, pk=pk)
    except NotVisible as error:
        raise Http404(error.message) from error
    if not perms.can_act_for_applicant(request.user, application):
        raise Http404(_("No such application."))
    return application


def staff_case(request: HttpRequest, pk: int) -> Application:
    """The case if the user may see it in the workspace; 404 otherwise (drafts included)."""
    try:
        app = application_get_for(user=request.user, pk=pk)
    except NotVisible as error:
        raise Http404(error.message) from error
    if app.status == S.DRAFT:
        raise Http404(_("No such application."))
    return app
