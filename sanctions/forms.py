"""Forms of the due-process pages. They parse and bound every field; the rules stay in the
services, whose ``InvalidInput`` errors are put back onto these forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import human_date
from core.forms import (
    LONG,
    SHORT,
    AccessibleForm,
    MultipleFileField,
    NumberedChoicesMixin,
    VersionForm,
    date_field,
    long_text,
    text,
)
from documents.uploads import ACCEPT_ATTRIBUTE
from sanctions.models import Measure, UrgencyGround
from supervision.forms import FILES_HINT, LocalDateTimeField

ASSESSMENT_CHOICES = (
    ("accepted", _("Accepted: the opinion changes the measure")),
    ("partly", _("Accepted in part")),
    ("not_accepted", _("Not accepted")),
)
MAX_DAYS = 3650


def files_field(label: Any) -> MultipleFileField:
    return MultipleFileField(
        accept=ACCEPT_ATTRIBUTE, label=label, required=False, help_text=FILES_HINT
    )


def lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class RecordChoiceField(NumberedChoicesMixin, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        kind = obj._meta.model_name
        if kind == "incident":
            return str(
                _("Incident %(number)s (%(date)s): %(text)s")
                % {
                    "number": obj.number,
                    "date": human_date(obj.occurred_at),
                    "text": obj.description[:80],
                }
            )
        if kind == "conditionrecord":
            return str(
                _("Condition %(number)s (%(status)s): %(text)s")
                % {"number": obj.number, "status": obj.get_status_display(), "text": obj.text[:80]}
            )
        return str(
            _("%(kind)s %(number)s, due %(date)s")
            % {"kind": obj.get_kind_display(), "number": obj.number, "date": human_date(obj.due_on)}
        )


def _records(label: Any) -> RecordChoiceField:
    return RecordChoiceField(
        label=label, queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )


class NoticeForm(VersionForm):
    measure = forms.ChoiceField(
        label=_("Measure you intend to take"), choices=Measure.choices, widget=forms.RadioSelect
    )
    period_days = forms.IntegerField(
        label=_("Intended suspension (days)"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        help_text=_("For a suspension: how long it is intended to last."),
    )
    grounds = long_text(
        LONG,
        required=True,
        label=_("Grounds"),
        help_text=_("The facts the measure rests on and the rule or condition breached."),
    )
    incidents = _records(_("Incidents cited"))
    conditions = _records(_("Conditions breached"))
    reports = _records(_("Overdue reports"))

    def __init__(self, *args: Any, records: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (records or {}).items():
            if queryset.exists():
                self.fields[name].queryset = queryset  # type: ignore[attr-defined]
            else:
                del self.fields[name]
        for name in ("incidents", "conditions", "reports"):
            if name in self.fields and getattr(self.fields[name], "queryset", None) is None:
                del self.fields[name]


class UrgentForm(VersionForm):
    ground = forms.ChoiceField(
        label=_("Urgency ground"),
        choices=UrgencyGround.choices,
        widget=forms.RadioSelect,
        help_text=_("Only a danger to life, health or safety allows a measure without notice."),
    )
    explanation = long_text(
        LONG, required=True, label=_("The danger, and why it cannot wait for a prior notice")
    )
    ends_on = date_field(_("Last day of the suspension"))
    cure_steps = long_text(
        LONG, required=True, label=_("Steps to cure"), help_text=_("One step a line.")
    )


class OpinionForm(AccessibleForm):
    text = long_text(
        LONG,
        label=_("Your opinion"),
        help_text=_(
            "Say whether you agree with the facts, what you have done, and why the measure should not be taken."
        ),
    )
    hearing_requested = forms.BooleanField(
        label=_("We ask for a hearing, to state our case in person"), required=False
    )
    attachments = files_field(_("Supporting files"))


class HearingForm(AccessibleForm):
    at = LocalDateTimeField(label=_("Date and time"))
    place = text(SHORT, required=True, label=_("Place, or the link for an online hearing"))
    online = forms.BooleanField(label=_("The hearing is held online"), required=False)

    def __init__(self, *args: Any, tz: dt.tzinfo | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["at"]
        assert isinstance(field, LocalDateTimeField)
        if tz is not None:
            field.tz = tz
        field.help_text = _("Local time (%(zone)s).") % {"zone": str(field.tz)}


class HearingRecordForm(AccessibleForm):
    attendees = long_text(SHORT, required=True, label=_("Who attended"))
    minutes = long_text(LONG, required=True, label=_("Minutes"))
    minutes_file = forms.FileField(
        label=_("Signed minutes"),
        required=False,
        help_text=FILES_HINT,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )


class MeasureForm(VersionForm):
    assessment_outcome = forms.ChoiceField(
        label=_("The company's opinion"),
        choices=ASSESSMENT_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    assessment = long_text(LONG, label=_("Why the opinion was or was not accepted"), required=False)
    reason = long_text(LONG, required=True, label=_("Reasons for the measure"))
    ends_on = date_field(_("Last day of the suspension"), required=False)
    cure_steps = long_text(LONG, label=_("Steps to cure"), help_text=_("One step a line."))

    def __init__(
        self, *args: Any, opinion: bool = False, suspension: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not opinion:
            del self.fields["assessment_outcome"]
            del self.fields["assessment"]
        else:  # an opinion must be answered
            self.fields["assessment_outcome"].required = True
            self.fields["assessment"].required = True
        if not suspension:
            del self.fields["ends_on"]
            del self.fields["cure_steps"]
        else:
            self.fields["ends_on"].required = True
            self.fields["cure_steps"].required = True


class CloseNoticeForm(AccessibleForm):
    reason = long_text(LONG, required=True, label=_("Why no measure is taken"))


class ResumptionForm(AccessibleForm):
    evidence = long_text(LONG, required=True, label=_("What you did to cure"))
    attachments = files_field(_("Evidence files"))


class SuspensionDecisionForm(VersionForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=(
            ("resume", _("Lift the suspension")),
            ("extend", _("Extend the suspension")),
        ),
        widget=forms.RadioSelect,
    )
    reason = long_text(LONG, required=True, label=_("Reasons"))
    new_end = date_field(
        _("New last day of the suspension"),
        required=False,
        help_text=_("Only when extending."),
    )
    cure_steps = long_text(
        LONG,
        label=_("Steps to cure"),
        help_text=_("Only when extending; leave empty to keep the current steps."),
    )


class ConvertForm(VersionForm):
    reason = long_text(LONG, required=True, label=_("Reasons for the conversion"))
