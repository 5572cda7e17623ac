"""Forms of the documents pages (the public letter check)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import AccessibleForm

SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
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


class LetterCorrectionForm(AccessibleForm):
    reason = forms.CharField(
        label=_("What the correction changes"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Printed on the new letter, which replaces this one."),
    )
