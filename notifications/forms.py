from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import AccessibleForm


class InboxSettingForm(AccessibleForm):
    daily_digest = forms.BooleanField(
        label=_("Email me one daily digest instead of one email per notification"),
        required=False,
    )
