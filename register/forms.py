"""Forms of the public side: the register search, the applicant's trade-secret claims and the
officer's decision on one claim. They parse and bound input; the rules stay in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import Ministry, Program, Track
from applications.workflow import TrackKind
from core.forms import AccessibleForm, VersionForm, long_text
from register.rules import PublishedField, RegisterStatus
from register.selectors import SORTS, RegisterQuery

SORT_LABELS = {
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "company": _("Company name"),
    "ending": _("Term ending soonest"),
}


class RegisterSearchForm(AccessibleForm):
    """The register's search and filters (GET); choices are codes, shown by their names."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Company, service or words from its summary; part of a word is enough."),
    )
    program = forms.ChoiceField(label=_("Programme"), required=False)
    track = forms.ChoiceField(label=_("Track"), required=False)
    ministry = forms.ChoiceField(label=_("Ministry"), required=False)
    status = forms.ChoiceField(label=_("Status now"), required=False)
    year = forms.IntegerField(
        label=_("Year granted"), required=False, min_value=2000, max_value=2100
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False)
    cursor = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        self.fields["program"].choices = anything + [  # type: ignore[attr-defined]
            (p.code, p.display_name) for p in Program.objects.order_by("code")
        ]
        tracks: dict[str, str] = {}
        exemptions = Track.objects.filter(kind=TrackKind.EXEMPTION)
        for track in exemptions.order_by("code", "program__code"):
            tracks.setdefault(track.code, track.display_name)
        self.fields["track"].choices = anything + list(tracks.items())  # type: ignore[attr-defined]
        self.fields["ministry"].choices = anything + [  # type: ignore[attr-defined]
            (m.code, m.display_name) for m in Ministry.objects.order_by("code")
        ]
        self.fields["status"].choices = anything + list(RegisterStatus.choices)  # type: ignore[attr-defined]
        self.fields["sort"].choices = [(key, SORT_LABELS[key]) for key in SORTS]  # type: ignore[attr-defined]

    def query(self) -> RegisterQuery:
        data = self.cleaned_data
        return RegisterQuery(
            q=data.get("q") or "",
            program=data.get("program") or "",
            track=data.get("track") or "",
            ministry=data.get("ministry") or "",
            status=data.get("status") or "",
            year=data.get("year"),
            sort=data.get("sort") or "newest",
            cursor=data.get("cursor") or "",
        )


class ClaimsForm(VersionForm):
    """For each part of the entry that may be withheld: a box to claim it and a reason."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each pair sits in a fieldset whose legend names the part (see the template).
        for value in PublishedField.values:
            self.fields[f"claim_{value}"] = forms.BooleanField(
                label=_("Claim as a trade secret"), required=False
            )
            reason = long_text(2000, label=_("Why it is a trade secret"))
            reason.widget.attrs["rows"] = 3
            self.fields[f"reason_{value}"] = reason
        self._describe()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for value in PublishedField.values:
            if data.get(f"claim_{value}") and not (data.get(f"reason_{value}") or "").strip():
                self.add_error(f"reason_{value}", _("Say why this part is a trade secret."))
        return data

    def claims(self) -> dict[str, str]:
        return {
            value: self.cleaned_data[f"reason_{value}"]
            for value in PublishedField.values
            if self.cleaned_data.get(f"claim_{value}")
        }

    def pairs(self) -> list[tuple[Any, Any, Any]]:
        """(part's name, claim box, reason) per part, for the template."""
        return [
            (label, self[f"claim_{value}"], self[f"reason_{value}"])
            for value, label in PublishedField.choices
        ]


class ClaimDecisionForm(VersionForm):
    """The officer's answer to one claim (one form per claim on the page, each with a prefix)."""

    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[
            ("accept", _("Accept: this part is not published")),
            ("refuse", _("Refuse: this part is published")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Accept or refuse the claim.")},
    )
    reason = long_text(
        2000,
        label=_("Reason"),
        help_text=_("Required when you refuse; the applicant reads it."),
    )
