"""Forms of the committee pages. They parse and bound input; the rules stay in the services,
whose ``InvalidInput`` errors are put back onto the form. Forms that change a meeting carry the
meeting ``version`` they were opened at (optimistic locking)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from committees.models import Result, Seat, Venue, VoteChoice
from core.forms import LONG, SHORT, AccessibleForm, VersionForm, date_field, long_text, text


def lines(value: str) -> list[str]:
    """A textarea with one item per line as a list (blank lines dropped, order kept)."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class MeetingPlanForm(AccessibleForm):
    number = forms.IntegerField(
        label=_("Meeting number"),
        min_value=1,
        max_value=9999,
        help_text=_("Meetings are numbered per committee (제N차); the next number is filled in."),
    )
    day = date_field(_("Date"))
    time = forms.TimeField(label=_("Starts at"), widget=TimeInput(), input_formats=["%H:%M"])
    venue = forms.ChoiceField(
        label=_("In person or online"),
        widget=forms.RadioSelect,
        choices=Venue.choices,
        error_messages={"required": _("Say whether the meeting is held in person or online.")},
    )
    place = text(
        SHORT,
        label=_("Place or online room"),
        help_text=_("For example a meeting room and its building, or the name of the video call."),
    )

    def starts_at(self, tz: dt.tzinfo) -> dt.datetime | None:
        """The date and time given, in the programme's time zone."""
        day, time = self.cleaned_data.get("day"), self.cleaned_data.get("time")
        if day is None or time is None:
            return None
        return dt.datetime.combine(day, time, tzinfo=tz)


class AgendaAddForm(VersionForm):
    application = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AgendaMoveForm(VersionForm):
    direction = forms.ChoiceField(
        choices=[("up", _("Up")), ("down", _("Down"))], widget=forms.HiddenInput
    )


class AttendanceForm(VersionForm):
    present = forms.MultipleChoiceField(
        label=_("Members present"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick every member who attended. Those not ticked are recorded as absent."),
    )

    def __init__(self, *args: Any, seats: Sequence[Seat], labels: dict[int, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["present"])
        field.choices = [(str(seat.pk), labels[seat.pk]) for seat in seats]

    def present_ids(self) -> list[int]:
        return [int(value) for value in self.cleaned_data.get("present") or []]


VOTE_CHOICES = [("", _("No vote recorded")), *VoteChoice.choices]


class ResultForm(VersionForm):
    result = forms.ChoiceField(
        label=_("The committee's result"),
        widget=forms.RadioSelect,
        choices=Result.choices,
        error_messages={"required": _("Choose the committee's result.")},
    )
    term_start = date_field(_("Term starts"), required=False, help_text=_("For an approval."))
    term_end = date_field(_("Term ends"), required=False, help_text=_("For an approval."))
    conditions = long_text(
        LONG,
        label=_("Conditions, one per line"),
        help_text=_(
            "The recommended conditions are filled in. Change them only for an approval with "
            "amended conditions."
        ),
    )
    reasons = long_text(
        LONG,
        label=_("Reasons"),
        help_text=_("Required for a rejection; it goes into the letter."),
    )

    def __init__(
        self,
        *args: Any,
        voters: Sequence[Seat] = (),
        labels: dict[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = labels or {}
        for seat in voters:
            self.fields[f"vote_{seat.pk}"] = forms.ChoiceField(
                label=_("Vote of %(name)s") % {"name": labels.get(seat.pk, seat.display_name)},
                choices=VOTE_CHOICES,
                required=False,
            )
        self._describe()

    def votes(self) -> dict[int, str]:
        """The votes given, seat → choice (members left at "no vote" are left out)."""
        found: dict[int, str] = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("vote_") and value:
                found[int(name.removeprefix("vote_"))] = value
        return found

    def vote_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("vote_")]

    def main_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in ("result", "term_start", "term_end", "conditions", "reasons")
            if name in self.fields
        ]


class RecusalForm(AccessibleForm):
    reason = long_text(
        2000,
        required=True,
        label=_("Your conflict of interest"),
        help_text=_(
            "For example a family, financial or former employment link with the applicant. You "
            "will not vote on this item, and the minutes record that you recused yourself."
        ),
        error_messages={"required": _("Say what the conflict of interest is.")},
    )


class MinutesForm(VersionForm):
    """Approving the minutes: the version of the results the chair read."""
