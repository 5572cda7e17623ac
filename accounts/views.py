"""Account pages under /accounts/: sign-up, email verification, sign-in and out, password reset,
the organisation page and invitations; and staff members' two-factor sign-in (under /review/2fa/). Each view parses a form, calls one service and responds;
domain errors go back onto the form next to the field."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import django_otp
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from accounts import consent, forms, services
from accounts.access import SecondFactorPageMixin, SignedInMixin, StaffMixin, next_url
from accounts.twofactor import confirmed_device, key_for_humans, qr_data_uri, works_in_review
from applications.models import Membership
from core.errors import DomainError, InvalidInput, RateLimited
from core.mail import site_link
from core.throttle import client_address


class SignUpView(View):
    template_name = "accounts/signup.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in ("ko", "en") else "ko"
        form = forms.SignUpForm(initial={"language": language})
        return render(request, self.template_name, {"form": form, "notice": consent.current()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.SignUpForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.applicant_sign_up(
                    full_name=data["full_name"],
                    email=data["email"],
                    password=data["password1"],
                    organization_name=data["organization_name"],
                    registration_number=data["registration_number"],
                    representative=data["representative"],
                    address=data["address"],
                    language=data["language"],
                    privacy_consent=consent.CURRENT,
                )
            except InvalidInput as error:
                form.put_errors(error.errors)
            else:
                request.session["signup_email"] = data["email"]
                return redirect("signup-sent")
        return render(
            request, self.template_name, {"form": form, "notice": consent.current()}, status=400
        )


class SignUpSentView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        email = request.session.get("signup_email", "")
        form = forms.ResendVerificationForm(initial={"email": email})
        return render(request, "accounts/signup_sent.html", {"email": email, "form": form})


class VerificationResendView(View):
    """Send the confirmation link again (from the sent page, a dead link or the sign-in page).
    The same answer for every address; a few requests an hour per address and per source."""

    template_name = "accounts/verification_resend.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = forms.ResendVerificationForm(initial={"email": request.session.get("signup_email")})
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.ResendVerificationForm(request.POST)
        if form.is_valid():
            try:
                services.email_verification_resend(
                    email=form.cleaned_data["email"], source=client_address(request)
                )
            except RateLimited as error:
                form.add_error("email", error.message)
                return render(request, self.template_name, {"form": form}, status=429)
            request.session["signup_email"] = form.cleaned_data["email"]
            messages.success(
                request,
                _(
                    "If an account waiting for confirmation uses %(email)s, we have sent it a "
                    "new link. Links sent earlier keep working."
                )
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("signup-sent")
        return render(request, self.template_name, {"form": form}, status=400)


class VerifyEmailView(View):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            services.account_verify_email(token=token)
        except InvalidInput as error:
            return render(
                request,
                "accounts/verify_failed.html",
                {"message": error.errors.get("token", [""])[0], "resend": True},
                status=400,
            )
        messages.success(request, _("Your email address is confirmed. You can sign in now."))
        return redirect("login")


class PrivacyConsentView(SignedInMixin):
    """The personal-data notice changed since this person agreed: read and agree again before
    going on (``consent_gate.PrivacyConsentMiddleware`` sends them here)."""

    template_name = "accounts/privacy_consent.html"

    def _render(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "notice": consent.current(),
            "agreement": consent.consent_of(request.user),
            "next": safe_next(request),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, forms.PrivacyConsentForm(initial={"version": consent.CURRENT}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.PrivacyConsentForm(request.POST)
        if form.is_valid():
            try:
                services.privacy_consent_give(
                    user=request.user,
                    version=form.cleaned_data["version"],
                    language=request.LANGUAGE_CODE,
                )
            except InvalidInput as error:
                form.put_errors(error.errors)
            else:
                request.session[consent.SESSION_KEY] = consent.CURRENT
                return redirect(safe_next(request))
        return self._render(request, form, status=400)


class PrivacyConsentsView(StaffMixin):
    """Staff: who agreed to which version of the personal-data notice, and when."""

    template_name = "accounts/privacy_consents.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        page = Paginator(consent.agreements(), 50).get_page(request.GET.get("page"))
        context = {"page": page, "current": consent.current(), "versions": consent.VERSIONS}
        return render(request, self.template_name, context)


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("apply-dashboard")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = forms.LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Staff land on their workspace (through the second factor), applicants on theirs."""
        if works_in_review(self.request.user):
            return reverse("review-queue")
        return reverse("apply-dashboard")


class LogoutView(auth_views.LogoutView):
    next_page = "/"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        """A few links an hour per address and per source; beyond that the page reads the same
        (it never says whether the address has an account) but nothing is sent."""
        if not services.password_reset_allowed(
            email=form.cleaned_data["email"], source=client_address(self.request)
        ):
            return redirect(self.get_success_url())
        self.extra_email_context = {"site_url": site_link("")}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class OrganizationView(LoginRequiredMixin, View):
    """The organisation's members; administrators invite colleagues from here."""

    template_name = "accounts/organization.html"

    def _membership(self, request: HttpRequest) -> Membership:
        membership = (
            Membership.objects.select_related("organization")
            .filter(user_id=int(request.user.pk or 0))
            .order_by("-is_owner", "pk")
            .first()
        )
        if membership is None:
            raise Http404(_("You are not a member of an organisation."))
        return membership

    def _render(
        self, request: HttpRequest, membership: Membership, form: Any, status: int = 200
    ) -> HttpResponse:
        members = membership.organization.memberships.select_related("user").order_by("pk")
        context = {"membership": membership, "members": members, "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._membership(request), forms.InvitationForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        membership = self._membership(request)
        form = forms.InvitationForm(request.POST)
        if form.is_valid():
            try:
                services.invitation_send(
                    organization=membership.organization,
                    by=request.user,
                    email=form.cleaned_data["email"],
                )
            except InvalidInput as error:
                form.put_errors(error.errors)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("We sent an invitation to %(email)s.")
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect("organization")
        return self._render(request, membership, form, status=400)


class InvitationAcceptView(View):
    template_name = "accounts/invitation_accept.html"

    def _context(self, token: str, form: Any) -> dict[str, Any]:
        organization, email = services.invitation_read(token=token)
        return {
            "organization": organization,
            "email": email,
            "form": form,
            "notice": consent.current(),
        }

    def _invalid(self, request: HttpRequest, error: InvalidInput) -> HttpResponse:
        return render(
            request,
            "accounts/verify_failed.html",
            {"message": error.errors["token"][0]},
            status=400,
        )

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            context = self._context(token, forms.InvitationAcceptForm())
        except InvalidInput as error:
            return self._invalid(request, error)
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            services.invitation_read(token=token)  # a forged or expired link: 400, never 500
        except InvalidInput as error:
            return self._invalid(request, error)
        form = forms.InvitationAcceptForm(request.POST)
        signed_in = request.user.is_authenticated
        try:
            if signed_in:
                services.invitation_accept(token=token, by=request.user)
                messages.success(request, _("You have joined the organisation."))
                return redirect("apply-dashboard")
            if form.is_valid():
                services.invitation_accept(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                    privacy_consent=consent.CURRENT,
                    language=request.LANGUAGE_CODE,
                )
                messages.success(request, _("Your account is ready. Sign in to continue."))
                return redirect("login")
        except InvalidInput as error:
            if "token" in error.errors:
                raise Http404(error.errors["token"][0]) from error
            form.put_errors(error.errors)
        except DomainError as error:
            form.add_error(None, error.message)
        return render(request, self.template_name, self._context(token, form), status=400)


# --- two-factor sign-in ---------------------------------------------------------------------------


class TwoFactorSetupView(SecondFactorPageMixin):
    """Enrolment: scan the QR code (or type the key), then enter the first code."""

    template_name = "accounts/2fa_setup.html"

    def _render(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        device = services.totp_device_start(user=request.user)
        context = {
            "form": form,
            "qr": qr_data_uri(device),
            "key": key_for_humans(device),
            "next": next_url(request),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        if confirmed_device(request.user) is not None:
            return redirect(
                f"{reverse('review-2fa-verify')}?{urlencode({'next': next_url(request)})}"
            )
        return self._render(request, forms.TokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if confirmed_device(request.user) is not None:
            return redirect("review-2fa-verify")
        form = forms.TokenForm(request.POST)
        if form.is_valid():
            device = services.totp_device_start(user=request.user)
            try:
                device = services.totp_device_confirm(
                    user=request.user, device=device, token=form.cleaned_data["token"]
                )
            except InvalidInput as error:
                form.put_errors(error.errors)
            else:
                django_otp.login(request, device)
                messages.success(request, _("Two-factor sign-in is set up."))
                return redirect(next_url(request))
        return self._render(request, form, status=400)


class TwoFactorVerifyView(SecondFactorPageMixin):
    template_name = "accounts/2fa_verify.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if confirmed_device(request.user) is None:
            return redirect(
                f"{reverse('review-2fa-setup')}?{urlencode({'next': next_url(request)})}"
            )
        context = {"form": forms.TokenForm(), "next": next_url(request)}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        device = confirmed_device(request.user)
        if device is None:
            return redirect("review-2fa-setup")
        form = forms.TokenForm(request.POST)
        if form.is_valid():
            verified = django_otp.verify_token(
                request.user, device.persistent_id, form.cleaned_data["token"].strip()
            )
            if verified is not None:
                django_otp.login(request, verified)
                return redirect(next_url(request))
            form.add_error(
                "token", _("That code is not right. Enter the 6-digit code the app shows now.")
            )
        context = {"form": form, "next": next_url(request)}
        return render(request, self.template_name, context, status=400)
