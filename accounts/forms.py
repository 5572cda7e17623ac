"""Account forms: sign-up, sign-in and invitations. They parse and bound input; the rules stay in
``accounts/services.py``, whose ``InvalidInput`` errors are put back onto the form."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from applications.models import Language
from applications.validators import normalize_brn
from core.forms import SHORT, AccessibleForm, text


class PasswordPairMixin(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only numbers; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Confirm password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password2(self) -> str:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise ValidationError(_("The two passwords do not match."))
        if second:
            password_validation.validate_password(second)
        return second or ""


class SignUpForm(AccessibleForm, PasswordPairMixin):
    full_name = text(150, required=True, label=_("Your full name"))
    email = forms.EmailField(
        label=_("Email address"),
        max_length=150,
        help_text=_("We send a link to this address to confirm it; you sign in with it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    organization_name = text(
        SHORT, required=True, label=_("Organisation name"), widget=forms.TextInput()
    )
    registration_number = text(
        20,
        required=True,
        label=_("Business registration number"),
        help_text=_("10 digits, e.g. 123-45-67891."),
    )
    representative = text(SHORT, required=True, label=_("Representative (CEO)"))
    address = text(400, required=True, label=_("Registered address"))
    language = forms.ChoiceField(
        label=_("Language for email and letters"),
        choices=Language.choices,
        widget=forms.RadioSelect,
    )
    privacy_consent = forms.BooleanField(
        label=_("I agree to the collection and use of my personal data as described above."),
        error_messages={
            "required": _(
                "Agree to the collection and use of your personal data to create an account."
            )
        },
    )

    field_order = [
        "full_name",
        "email",
        "password1",
        "password2",
        "organization_name",
        "registration_number",
        "representative",
        "address",
        "language",
        "privacy_consent",
    ]

    def clean_registration_number(self) -> str:
        return normalize_brn(self.cleaned_data["registration_number"])

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class PrivacyConsentForm(AccessibleForm):
    version = forms.CharField(widget=forms.HiddenInput, max_length=20)
    agree = forms.BooleanField(
        label=_("I agree to the collection and use of my personal data as described above."),
        error_messages={
            "required": _("Agree to the notice to go on, or sign out."),
        },
    )


class ResendVerificationForm(AccessibleForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("The address you signed up with."),
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Email address"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _(
            "The email address or password is not right. If you have just signed up, follow "
            "the link in the email we sent you first."
        ),
        "inactive": _("This account is not active yet: follow the link in the email we sent."),
    }


class InvitationForm(AccessibleForm):
    email = forms.EmailField(label=_("Colleague's email address"), max_length=150)

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class InvitationAcceptForm(AccessibleForm, PasswordPairMixin):
    full_name = text(150, required=True, label=_("Your full name"))
    privacy_consent = forms.BooleanField(
        label=_("I agree to the collection and use of my personal data as described above."),
        error_messages={
            "required": _(
                "Agree to the collection and use of your personal data to create an account."
            )
        },
    )
    field_order = ["full_name", "password1", "password2", "privacy_consent"]


# --- two-factor sign-in ------------------------------------------------------------------------


class TokenForm(AccessibleForm):
    token = forms.CharField(
        label=_("6-digit code"),
        min_length=6,
        max_length=8,
        help_text=_("The code your authenticator app shows now. It changes every 30 seconds."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the 6-digit code from your authenticator app.")},
    )
