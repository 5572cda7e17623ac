"""Forms of supervision's pages. They parse and bound every field; the rules stay in the
services, whose ``InvalidInput`` errors are put back onto these forms."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from applications.models import DataItem
from core.forms import (
    LONG,
    SHORT,
    AccessibleForm,
    MultipleFileField,
    VersionForm,
    date_field,
    long_text,
    text,
)
from documents.uploads import ACCEPT_ATTRIBUTE
from supervision.models import ConditionStatus, IncidentCategory, Severity

FILES_HINT = _("PDF, HWP, HWPX, DOCX, XLSX, PNG or JPEG; at most 20 MB each.")
MAX_COUNT = 10**9
MAX_AMOUNT = 10**15


def count_field(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=MAX_COUNT, help_text=help_text)


def files_field(label: Any) -> MultipleFileField:
    return MultipleFileField(
        accept=ACCEPT_ATTRIBUTE, label=label, required=False, help_text=FILES_HINT
    )


class CountForm(AccessibleForm):
    """A filing form that knows how many filings of its kind the case had when it was opened
    (a replayed form files nothing twice)."""

    known = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


# --- the company's forms -------------------------------------------------------------------------


class ReportForm(VersionForm):
    period_start = date_field(_("First day of the period"))
    period_end = date_field(_("Last day of the period"))
    users_served = count_field(_("Users served in the period"))
    transactions = count_field(
        _("Transactions or uses in the period"), _("e.g. deliveries, rides, payments")
    )
    complaints = count_field(_("Consumer complaints received"))
    complaints_summary = long_text(
        LONG,
        label=_("What the complaints were about and how they were handled"),
        help_text=_("Required when there were complaints."),
    )
    incidents_summary = long_text(
        LONG,
        label=_("Incidents in the period"),
        help_text=_("Summarise incidents (serious ones must also be reported at once)."),
    )
    problems = long_text(LONG, label=_("Problems found and changes made"))
    attachments = files_field(_("Files (optional)"))

    def __init__(self, *args: Any, items: Sequence[DataItem] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.data_items = list(items)
        for item in self.data_items:
            measured = _("Measured: %(method)s; %(frequency)s.") % {
                "method": item.method,
                "frequency": item.frequency,
            }
            if item.target:
                # the KPI's target as the test plan promised it
                measured = _("%(measured)s Target in your test plan: %(target)s.") % {
                    "measured": measured,
                    "target": item.target,
                }
            self.fields[f"value_{item.pk}"] = forms.CharField(
                label=f"{item.name} ({item.unit})",
                max_length=200,
                help_text=measured,
                error_messages={"required": _("Give the value for the period.")},
            )
        self.order_fields(
            ["period_start", "period_end", *[f"value_{i.pk}" for i in self.data_items]]
        )
        self._describe()

    def values(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(f"value_{item.pk}", "") for item in self.data_items}

    def value_fields(self) -> list[Any]:
        return [self[f"value_{item.pk}"] for item in self.data_items]

    def other_fields(self) -> list[Any]:
        names = {f"value_{item.pk}" for item in self.data_items} | {"period_start", "period_end"}
        return [self[name] for name in self.fields if name not in names and name != "version"]


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the programme's time zone (``<input type=datetime-local>``)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, input_formats=["%Y-%m-%dT%H:%M"], **kwargs)
        self.tz: dt.tzinfo = zoneinfo.ZoneInfo("Asia/Seoul")

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        try:
            naive = dt.datetime.strptime(str(value).strip(), "%Y-%m-%dT%H:%M")
        except ValueError as error:
            raise ValidationError(_("Enter a date and time."), code="invalid") from error
        if not dt.datetime(2000, 1, 1) <= naive <= dt.datetime(2100, 12, 31):
            raise ValidationError(_("Enter a date between 2000 and 2100."), code="invalid")
        return naive.replace(tzinfo=self.tz)


class IncidentForm(CountForm):
    category = forms.ChoiceField(
        label=_("What kind of incident"), choices=IncidentCategory.choices, widget=forms.RadioSelect
    )
    severity = forms.ChoiceField(
        label=_("How serious"),
        choices=Severity.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Serious: harm to life, health or safety, or large financial or data loss. The "
            "ministry is told at once."
        ),
    )
    occurred_at = LocalDateTimeField(label=_("When it happened"))
    detected_at = LocalDateTimeField(label=_("When you found out"))
    affected_users = count_field(_("Users affected"))
    description = long_text(LONG, required=True, label=_("What happened"))
    actions_taken = long_text(LONG, required=True, label=_("What you did at once"))
    corrective_actions = long_text(LONG, label=_("Corrective actions to stop it happening again"))
    attachments = files_field(_("Evidence (optional)"))

    def __init__(self, *args: Any, tz: dt.tzinfo | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("occurred_at", "detected_at"):
            field = self.fields[name]
            assert isinstance(field, LocalDateTimeField)
            if tz is not None:
                field.tz = tz
            field.help_text = _("Local time (%(zone)s).") % {"zone": str(field.tz)}
        self._describe()


class AnswerForm(VersionForm):
    text = long_text(LONG, required=True, label=_("Your answer"))


class InsurancePolicyForm(CountForm):
    insurer = text(SHORT, required=True, label=_("Insurer"))
    policy_number = text(100, required=True, label=_("Policy number"))
    coverage_start = date_field(_("Cover starts"))
    coverage_end = date_field(_("Cover ends"))
    insured_amount = forms.IntegerField(
        label=_("Aggregate cover (KRW)"), min_value=1, max_value=MAX_AMOUNT
    )
    coverage_per_person = forms.IntegerField(
        label=_("Cover per person (KRW)"), min_value=1, max_value=MAX_AMOUNT, required=False
    )
    coverage_per_accident = forms.IntegerField(
        label=_("Cover per accident (KRW)"), min_value=1, max_value=MAX_AMOUNT, required=False
    )
    certificate = forms.FileField(
        label=_("Insurance certificate (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        allow_empty_file=True,
    )


class UserNoticeForm(CountForm):
    channels = long_text(
        2000,
        required=True,
        label=_("Where and how users are told"),
        help_text=_("e.g. sign-up screen of the app, notices at each site, the contract"),
    )
    notice_text = long_text(LONG, required=True, label=_("The text users see"))
    url = forms.URLField(
        label=_("Web address where it is shown"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    attachments = files_field(_("Screenshots"))


# --- the ministry's forms -------------------------------------------------------------------------


class ReportReviewForm(VersionForm):
    decision = forms.ChoiceField(
        label=_("Your review"),
        choices=[("accept", _("Accept the report")), ("revise", _("Ask for a revision"))],
        widget=forms.RadioSelect,
    )
    reasons = long_text(
        LONG, label=_("Reasons"), help_text=_("Required when asking for a revision.")
    )


class FilingReviewForm(AccessibleForm):
    decision = forms.ChoiceField(
        label=_("Your review"),
        choices=[("accept", _("Accept")), ("return", _("Return with reasons"))],
        widget=forms.RadioSelect,
    )
    reasons = long_text(LONG, label=_("Reasons"), help_text=_("Required when returning it."))


class IncidentStepForm(VersionForm):
    step = forms.ChoiceField(label=_("What to do"), widget=forms.RadioSelect)
    text = long_text(
        LONG,
        label=_("Message"),
        help_text=_("Required for a question; a note otherwise."),
    )

    STEPS = {
        "acknowledge": _("Acknowledge the report"),
        "ask": _("Ask the company a question"),
        "close": _("Close the incident"),
    }

    def __init__(self, *args: Any, steps: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["step"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s, label) for s, label in self.STEPS.items() if s in steps]


class ConditionForm(VersionForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=ConditionStatus.choices, widget=forms.RadioSelect
    )
    evidence = long_text(
        LONG, label=_("Evidence"), help_text=_("Required when the condition is met.")
    )
    note = long_text(
        LONG,
        label=_("Note to the company"),
        help_text=_("Required when the condition is breached."),
    )
