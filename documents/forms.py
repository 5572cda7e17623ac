"""Forms of the documents pages (the public letter check, letter corrections)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import AccessibleForm
from documents import verification

SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
MAX_CHECK_UPLOAD = 25 * 1024 * 1024


class LetterCheckForm(AccessibleForm):
    """Either the SHA-256 of the file, or the file itself (hashed, never stored)."""

    sha256 = forms.CharField(
        label=_("SHA-256 of the letter file"),
        required=False,
        max_length=80,
        help_text=_("64 hexadecimal characters, e.g. from sha256sum."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    file = forms.FileField(
        label=_("Or choose the PDF file"),
        required=False,
        help_text=_("The file is only hashed to compare it; it is not kept."),
    )

    def clean_sha256(self) -> str:
        value = "".join((self.cleaned_data.get("sha256") or "").split()).lower()
        if value and not SHA256_RE.match(value):
            raise forms.ValidationError(_("A SHA-256 value is 64 characters, 0-9 and a-f."))
        return value

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_CHECK_UPLOAD:
            raise forms.ValidationError(_("This file is too large to be one of our letters."))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and bool(data.get("sha256")) == bool(data.get("file")):
            raise forms.ValidationError(
                _("Enter the SHA-256 value or choose the file (one of them).")
            )
        return data


def code_field() -> forms.CharField:
    return forms.CharField(
        label=_("Verification code"),
        max_length=24,
        help_text=_("Printed on the letter beside the QR code, e.g. 7KQ2-M9XD-4HTR."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )


def clean_code(value: str) -> str:
    code = verification.normalised(value)
    if code is None:
        raise forms.ValidationError(
            _("A verification code has 12 letters and digits, as printed on the letter.")
        )
    return code


class LetterCodeForm(AccessibleForm):
    """The verification code of a letter whose number is already known (from the address)."""

    code = code_field()

    def clean_code(self) -> str:
        return clean_code(self.cleaned_data.get("code") or "")


class LetterLookupForm(LetterCodeForm):
    """A letter's number and verification code, as printed on it."""

    number = forms.CharField(
        label=_("Letter number"),
        max_length=40,
        help_text=_("At the top of the letter, e.g. ICT-2026-00042-L1."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    field_order = ["number", "code"]

    def clean_number(self) -> str:
        value = "".join((self.cleaned_data.get("number") or "").split()).upper()
        if not NUMBER_RE.match(value):
            raise forms.ValidationError(
                _("A letter number has letters, digits and dashes, e.g. ICT-2026-00042-L1.")
            )
        return value


class LetterFileForm(AccessibleForm):
    """The PDF itself, to find the letter it is (hashed, never stored)."""

    file = forms.FileField(
        label=_("The PDF file of the letter"),
        help_text=_("The file is only hashed to compare it; it is not kept."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_CHECK_UPLOAD:
            raise forms.ValidationError(_("This file is too large to be one of our letters."))
        return upload


class LetterCorrectionForm(AccessibleForm):
    reason = forms.CharField(
        label=_("What the correction changes"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Printed on the new letter, which replaces this one."),
    )
