"""Forms of the review workspace. They parse and bound input; the rules stay in the services,
whose ``InvalidInput`` errors are put back onto the form. Every action form carries the case
``version`` it was opened at (optimistic locking)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from applications.models import Ministry, Opinion
from applications.workflow import (
    ApplicationStatus,
    ConfirmationOutcome,
    RecommendationOutcome,
    SimilarityDecision,
)
from core.forms import (
    LONG,
    SHORT,
    AccessibleForm,
    NumberedChoicesMixin,
    VersionForm,
    date_field,
    long_text,
    text,
)
from core.people import person_name
from reviews.selectors import SORTS


def lines(value: str) -> list[str]:
    """A textarea with one item per line as a list (blank lines dropped, order kept)."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


# --- the queue ----------------------------------------------------------------------------------


_STATUS_CHOICES = [("", _("Any status"))] + [
    (v, lbl) for v, lbl in ApplicationStatus.choices if v != ApplicationStatus.DRAFT
]
_SORT_CHOICES = list(SORTS.items())


class QueueFilterForm(AccessibleForm):
    """The queue's filters. Every choice list is given as a function (Django's callable
    choices): a form's fields are deep-copied from the class's on every page, and a list of
    choices is copied and walked again by each field and widget, which was most of the 0.3 ms
    this form cost a page; a function is copied as it is and called only when the choices are
    read (a value to check, the fields to render when they are not kept)."""

    q = text(SHORT, label=_("Search"), help_text=_("Reference, title or organisation."))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=lambda: _STATUS_CHOICES)
    program = forms.TypedChoiceField(label=_("Programme"), required=False, coerce=int)
    track = forms.TypedChoiceField(label=_("Track"), required=False, coerce=int)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    overdue = forms.BooleanField(label=_("Only overdue cases"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=lambda: _SORT_CHOICES)

    def __init__(
        self,
        *args: Any,
        programs: list[tuple[int, str]],
        tracks: list[tuple[int, str]],
        officers: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._offered = (programs, tracks, officers)
        cast(forms.ChoiceField, self.fields["program"]).choices = lambda: [
            ("", _("Any programme")),
            *programs,
        ]
        cast(forms.ChoiceField, self.fields["track"]).choices = lambda: [
            ("", _("Any track")),
            *tracks,
        ]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = lambda: [
            ("", _("Anyone")),
            ("none", _("Unassigned")),
            *officers,
        ]

    def rendering_key(self) -> str:
        """Everything the form's fields' HTML depends on but the active language: whether it
        is bound, the values asked for and the programmes, tracks and officers offered. The
        queue page keeps the rendered fields under it (``{% cache %}``): writing them, the selects'
        options above all, took about 0.75 ms of a 12 ms page."""
        return self.rendering_key_of(self.data if self.is_bound else None, self._offered)

    @classmethod
    def rendering_key_of(
        cls,
        data: Mapping[str, Any] | None,
        offered: tuple[list[tuple[int, str]], list[tuple[int, str]], list[tuple[str, str]]],
    ) -> str:
        """``rendering_key`` of the form ``cls(data, programs=…, tracks=…, officers=…)`` with
        ``offered`` those three, without building it."""
        bound = data is not None
        # A QueryDict from the page, an empty MultiValueDict when unbound (as the form holds
        # it); a dict from a caller.
        given: Mapping[str, Any] = MultiValueDict() if data is None else data
        getlist = getattr(given, "getlist", None)
        values = [(name, getlist(name) if getlist else given.get(name)) for name in cls.base_fields]
        return repr((bound, values, offered))

    @classmethod
    def asks_nothing(cls, data: Mapping[str, Any]) -> bool:
        """Whether ``data`` gives none of the filters a value: then every field cleans to its
        empty value (none is required, and each widget reads the last value it is given), and
        the queue is not filtered."""
        return not any(data.get(name) for name in cls.base_fields)


# --- taking and handing over cases ---------------------------------------------------------------


class ClaimForm(VersionForm):
    declaration = forms.ChoiceField(
        label=_("Conflict of interest"),
        widget=forms.RadioSelect,
        choices=[
            ("none", _("I have no conflict of interest in this case")),
            ("conflict", _("I have a conflict of interest in this case")),
        ],
        help_text=_(
            "For example a family, financial or former employment link with the applicant. A "
            "declared conflict is recorded and the case will not be assigned to you."
        ),
        error_messages={"required": _("Say whether you have a conflict of interest.")},
    )
    conflict_details = long_text(
        2000,
        label=_("If you have a conflict, describe it"),
        help_text=_("Kept in the case record."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("declaration") == "conflict" and not data.get("conflict_details", "").strip():
            self.add_error("conflict_details", _("Describe the conflict of interest."))
        return data


class OfficerChoiceField(NumberedChoicesMixin, forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class MinistriesField(NumberedChoicesMixin, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class AssignForm(VersionForm):
    officer = OfficerChoiceField(
        label=_("Officer"),
        queryset=User.objects.none(),
        empty_label=_("Choose an officer"),
        error_messages={"required": _("Choose the officer who will work on the case.")},
    )

    def __init__(self, *args: Any, officers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(OfficerChoiceField, self.fields["officer"]).queryset = officers


class ReleaseForm(VersionForm):
    reason = long_text(2000, label=_("Reason (optional)"))


class AcceptForm(VersionForm):
    no_conflict_declared = forms.BooleanField(
        label=_("I have no conflict of interest in this case"),
        error_messages={"required": _("Declare that you have no conflict of interest.")},
    )


class SupplementRequestForm(VersionForm):
    deficiencies = long_text(
        LONG,
        required=True,
        label=_("What is missing"),
        help_text=_("One item per line. The applicant sees them as a numbered list."),
    )


# --- consultations --------------------------------------------------------------------------------


class ConsultationRequestForm(VersionForm):
    ministries = MinistriesField(
        label=_("Ministries to consult"),
        queryset=Ministry.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one ministry to consult.")},
    )
    question = long_text(LONG, required=True, label=_("Question for the consulted ministries"))

    def __init__(self, *args: Any, ministries: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(MinistriesField, self.fields["ministries"]).queryset = ministries


class ConsultationAnswerForm(VersionForm):
    opinion = forms.ChoiceField(
        label=_("Your ministry's opinion"),
        widget=forms.RadioSelect,
        choices=[
            (Opinion.AGREE, Opinion.AGREE.label),
            (Opinion.AGREE_WITH_CONDITIONS, Opinion.AGREE_WITH_CONDITIONS.label),
            (Opinion.OBJECT, Opinion.OBJECT.label),
        ],
        error_messages={"required": _("Choose agree, agree with conditions, or object.")},
    )
    reasons = long_text(
        LONG,
        label=_("Conditions or reasons"),
        help_text=_("Required when you set conditions or object."),
    )


# --- answers, recommendations and decisions ----------------------------------------------------------


class ConfirmationAnswerForm(VersionForm):
    outcome = forms.ChoiceField(
        label=_("Answer"),
        widget=forms.RadioSelect,
        choices=[
            (ConfirmationOutcome.NO_REGULATION, ConfirmationOutcome.NO_REGULATION.label),
            (ConfirmationOutcome.REGULATION_APPLIES, ConfirmationOutcome.REGULATION_APPLIES.label),
        ],
        error_messages={"required": _("Choose whether a regulation applies.")},
    )
    permits = long_text(
        2000, label=_("Permits or regulations that apply"), help_text=_("Required if one applies.")
    )
    competent_authority = text(SHORT, label=_("Competent authority"))
    reasons = long_text(LONG, label=_("Explanation"))


class SimilarityForm(VersionForm):
    decision = forms.ChoiceField(
        label=_("Is this case substantially the same as the approved one?"),
        widget=forms.RadioSelect,
        choices=SimilarityDecision.choices,
        error_messages={"required": _("Say whether the case is similar or not.")},
    )
    reason = long_text(
        2000,
        label=_("Reasons"),
        help_text=_("Required when the case is not similar; the applicant reads them."),
    )


class RecommendForm(VersionForm):
    outcome = forms.ChoiceField(
        label=_("Recommendation"),
        widget=forms.RadioSelect,
        choices=RecommendationOutcome.choices,
        error_messages={"required": _("Recommend approval or rejection.")},
    )
    proposed_term_days = forms.IntegerField(
        label=_("Proposed term (days)"),
        required=False,
        min_value=1,
        max_value=10_000,
        help_text=_("Required when recommending approval."),
    )
    proposed_conditions = long_text(
        LONG,
        label=_("Proposed conditions"),
        help_text=_("One condition per line, in order; they are numbered as listed."),
    )
    legal_basis = text(300, label=_("Legal basis"))
    reasons = long_text(
        LONG, label=_("Reasons"), help_text=_("Required when recommending rejection.")
    )


class ApproveForm(VersionForm):
    committee_reference = text(200, required=True, label=_("Committee meeting reference"))
    term_start = date_field(_("Term starts"))
    term_end = date_field(_("Term ends"))
    conditions = long_text(
        LONG,
        label=_("Conditions"),
        help_text=_("One condition per line, in order; they are numbered as listed."),
    )
    legal_basis = text(300, label=_("Legal basis"))


class RejectForm(VersionForm):
    committee_reference = text(200, label=_("Committee meeting reference"))
    reasons = long_text(LONG, required=True, label=_("Reasons for the rejection"))


class ReasonForm(VersionForm):
    reason = long_text(LONG, required=True, label=_("Reason"))


class ConfirmForm(VersionForm):
    """An action with nothing to fill in: the button is the confirmation."""


class RequestDecisionForm(VersionForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[("grant", _("Grant")), ("deny", _("Refuse"))],
        error_messages={"required": _("Choose whether to grant or refuse the request.")},
    )
    reason = long_text(LONG, label=_("Reason"), help_text=_("Required when refusing."))
