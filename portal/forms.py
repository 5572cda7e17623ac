"""Applicant portal forms: the multi-step application form and the forms of the applicant's
actions on a case. They parse and bound every field (length, format, range); the rules about
cases stay in the services, whose ``InvalidInput`` errors are put back onto these forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from applications import sections
from applications.models import CompanySize, Language, Ministry, RegulationGround, Track
from core.forms import (
    LONG,
    SHORT,
    AccessibleForm,
    DateInput,
    MultipleFileField,
    NumberedChoicesMixin,
    VersionForm,
    date_field,
    long_text,
    text,
)
from documents.models import TERM_DOCUMENT_TYPES, DocumentType, document_type_label
from documents.uploads import ACCEPT_ATTRIBUTE


class RowsReadChoices(forms.models.ModelChoiceIterator):
    """The choices of a model choice field from rows its view has already read (the field's
    ``rows``), rather than from a second query of the same queryset; the queryset still
    validates what is posted."""

    def _rows(self) -> list[Any] | None:
        return getattr(self.field, "rows", None)

    def __iter__(self) -> Any:
        rows = self._rows()
        if rows is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in rows:
            yield self.choice(row)

    def __len__(self) -> int:
        rows = self._rows()
        if rows is None:
            return super().__len__()
        return len(rows) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        rows = self._rows()
        if rows is None:
            return super().__bool__()
        return self.field.empty_label is not None or bool(rows)


class TrackChoiceField(NumberedChoicesMixin, forms.ModelChoiceField):  # type: ignore[type-arg]
    iterator = RowsReadChoices
    rows: list[Any] | None = None  # the open tracks as the view read them (RowsReadChoices)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.program.display_name} — {obj.display_name}"


class MinistryChoiceField(NumberedChoicesMixin, forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class StartForm(AccessibleForm):
    track = TrackChoiceField(
        label=_("What do you need?"),
        queryset=Track.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the kind of request.")},
    )
    title = text(
        SHORT,
        required=True,
        label=_("Name of your service"),
        help_text=_("A short name, e.g. “Autonomous delivery robots on pavements”."),
    )

    def __init__(
        self, *args: Any, tracks: Any = None, rows: list[Track] | None = None, **kwargs: Any
    ) -> None:
        """``tracks``: the open tracks' queryset; ``rows``: those tracks already read by the
        view (the radio buttons are then made from them, without reading them again)."""
        super().__init__(*args, **kwargs)
        field = self.fields["track"]
        assert isinstance(field, TrackChoiceField)
        field.queryset = tracks if tracks is not None else Track.objects.none()
        self.show_rows(rows)

    def show_rows(self, rows: list[Track] | None) -> None:
        """Make the radio buttons from these tracks, already read from the queryset."""
        field = self.fields["track"]
        assert isinstance(field, TrackChoiceField)
        field.rows = rows


class DraftStepForm(AccessibleForm):
    """One page of the multi-step form; ``version`` catches edits made in another tab. A draft
    saves with anything left empty; the page marks the fields the submission check asks for
    (``mark_required_later``), so that they are not shown as "(optional)"."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def draft_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def mark_required_later(form: forms.Form, names: frozenset[str]) -> None:
    """Fields a draft may leave empty but submission needs: ``core/_field.html`` does not mark
    them "(optional)"."""
    for name, field in form.fields.items():
        if name in names:
            field.required_later = True  # type: ignore[attr-defined]


class ServiceForm(DraftStepForm):
    title = text(SHORT, required=True, label=_("Name of your service"))
    summary = long_text(
        1000, label=_("Summary"), help_text=_("Two or three sentences a non-specialist can follow.")
    )
    service_description = long_text(label=_("What the service does and for whom"))
    technology_description = long_text(label=_("The technology behind it"))
    development_stage = text(
        SHORT, label=_("Development stage"), help_text=_("e.g. prototype, pilot, ready to launch")
    )
    user_benefit = long_text(label=_("Benefit to users"))
    problem_solved = long_text(
        label=_("The problem your service solves"),
        help_text=_("Who has the problem today, and what it costs them."),
    )
    existing_offers = long_text(
        label=_("Comparison with existing offers"),
        help_text=_("What people use today instead, and how your service differs."),
    )
    business_model = long_text(label=_("Business model"))
    similar_reference = text(
        32,
        label=_("Number of an approved waiver your service is substantially the same as"),
        help_text=_(
            "If the public register lists an approved waiver for substantially the same "
            "service, give its number (e.g. ICT-2026-00001): once the ministry confirms the "
            "similarity, the shorter review deadline of the fast review applies."
        ),
    )


class ScopeForm(DraftStepForm):
    requested_start = date_field(_("Requested start date"), required=False)
    requested_term_days = forms.IntegerField(
        label=_("Requested period (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("How long the test or temporary permit should last, in days."),
    )
    region = text(400, label=_("Region or sites"))
    scale = text(400, label=_("Scale"), help_text=_("e.g. 20 robots, 3 sites"))
    max_users = forms.IntegerField(
        label=_("Maximum number of users"), required=False, min_value=1, max_value=1_000_000_000
    )
    test_plan = long_text(label=_("Test objectives and data you will collect"))


class DataItemForm(AccessibleForm):
    """A data item of the test plan typed on the scope page (prefix ``item``). Optional as a
    whole: once anything is typed, the service asks for every part."""

    name = text(SHORT, label=_("Data item"), help_text=_("e.g. distance driven, near misses"))
    unit = text(100, label=_("Unit"), help_text=_("e.g. km, number, minutes"))
    method = long_text(1000, label=_("How it is measured"))
    frequency = text(100, label=_("How often"), help_text=_("e.g. daily, per trip"))
    target = text(
        SHORT,
        label=_("Target"),
        help_text=_("The value you aim for, e.g. no more than 1 near miss per 1,000 km"),
    )

    def typed(self) -> bool:
        """Whether the person typed anything into the item (then it must not be dropped)."""
        return any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields)

    def item(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class CompanyForm(AccessibleForm):
    """The organisation's company profile (DOMAIN §2), edited from a draft's form or the
    organisation page; each submission keeps a copy of it."""

    company_size = forms.ChoiceField(
        label=_("Company size"),
        choices=[("", _("Not stated")), *CompanySize.choices],
        required=False,
    )
    is_startup = forms.BooleanField(
        label=_("We are a start-up (founded within the last seven years)"), required=False
    )
    founded_on = forms.DateField(
        label=_("Founding date"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        # founded long ago is fine; the future is refused by the service with today's date
        validators=[
            MinValueValidator(dt.date(1800, 1, 1)),
            MaxValueValidator(dt.date(2100, 12, 31)),
        ],
    )
    employees = forms.IntegerField(
        label=_("Number of employees"),
        required=False,
        min_value=0,
        max_value=10_000_000,
        error_messages={"min_value": _("The number of employees cannot be negative.")},
    )
    key_people = long_text(
        2000,
        label=_("Key people"),
        help_text=_("Name, role and relevant experience, one person per line."),
    )
    licences = long_text(
        2000,
        label=_("Licences and registrations held"),
        help_text=_("e.g. electronic financial business registration, location data business"),
    )
    contact_person = text(SHORT, label=_("Contact person for this application"))
    contact_phone = text(
        40, label=_("Contact phone"), help_text=_("e.g. 02-1234-5678 or +82 2 1234 5678")
    )
    # The profile's version when the page was shown (optimistic locking); pages always send it.
    profile_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    @classmethod
    def of(cls, organization: Any) -> CompanyForm:
        """The form showing the organisation's profile as it now stands."""
        return cls(
            initial={
                **sections.live_profile(organization),
                "profile_version": organization.profile_version,
            }
        )

    def profile(self) -> dict[str, Any]:
        """The profile's fields as cleaned (without the version)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "profile_version"}


class CoApplicantForm(AccessibleForm):
    """A co-applicant or partner typed on the company page (prefix ``partner``); optional as a
    whole, but once anything is typed the service asks for every part."""

    name = text(SHORT, label=_("Partner organisation"))
    registration_number = text(
        32, label=_("Its registration number"), help_text=_("e.g. 123-45-67890")
    )
    role = text(400, label=_("Its role in the service"), help_text=_("e.g. operates the robots"))

    def typed(self) -> bool:
        return any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields)

    def partner(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class SafetyForm(DraftStepForm):
    safety_plan = long_text(label=_("Safety plan and risk assessment"))
    user_protection = long_text(
        label=_("User protection"), help_text=_("How users are told about the test and protected.")
    )
    data_protection = long_text(label=_("Data protection"))
    exit_plan = long_text(label=_("Exit and wind-down plan"))


class InsuranceForm(DraftStepForm):
    insurance_plan = long_text(
        2000,
        label=_("Liability insurance you will take out"),
        help_text=_("Kind of cover and amounts per person and per accident."),
    )
    insurer = text(SHORT, label=_("Insurer (if already chosen)"))
    insured_amount = forms.IntegerField(
        label=_("Insured amount (KRW)"), required=False, min_value=1, max_value=10**15
    )


class DeclarationsForm(DraftStepForm):
    declaration_truthful = forms.BooleanField(
        label=_("I declare the information given is true and complete"), required=False
    )
    declaration_consent = forms.BooleanField(
        label=_("I consent to supervision, data requests and inspections"), required=False
    )
    language = forms.ChoiceField(
        label=_("Language for email and letters about this application"),
        choices=Language.choices,
        widget=forms.RadioSelect,
    )


class RegulationForm(AccessibleForm):
    statute = text(300, required=True, label=_("Statute"), help_text=_("e.g. Road Traffic Act"))
    article = text(100, required=True, label=_("Article"), help_text=_("e.g. Art. 2(10)"))
    competent_ministry = MinistryChoiceField(
        label=_("Ministry responsible for it (if known)"),
        queryset=Ministry.objects.all(),
        required=False,
    )
    requirement = long_text(
        2000,
        label=_("The provision: what it requires"),
        help_text=_("Quote or summarise the rule, e.g. vehicles may not drive on pavements."),
    )
    ground = forms.ChoiceField(
        label=_("Why a waiver is needed"),
        choices=RegulationGround.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    reason = long_text(2000, required=True, label=_("Why it blocks your service"))
    exemption_requested = long_text(
        2000,
        label=_("The exemption you request"),
        help_text=_("What you ask to be allowed, e.g. robots up to 15 km/h on pavements."),
    )

    def typed(self) -> bool:
        """Whether anything was typed (the ministry choice alone does not count)."""
        return any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("statute", "article", "requirement", "reason", "exemption_requested")
        )


def document_type_choices(required: list[str]) -> list[tuple[str, str]]:
    offered = [code for code in DocumentType.values if code not in TERM_DOCUMENT_TYPES]
    codes = list(dict.fromkeys([*required, *offered]))
    return [(code, document_type_label(code)) for code in codes]


class UploadForm(AccessibleForm):
    doc_type = forms.ChoiceField(label=_("What is this document?"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, HWP, HWPX, DOCX, XLSX, PNG or JPEG; at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        max_length=255,
        allow_empty_file=True,  # the upload check explains an empty file in plain words
    )

    def __init__(self, *args: Any, required_types: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["doc_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = document_type_choices(required_types or [])


class SupplementAnswerForm(VersionForm):
    message = long_text(
        LONG,
        required=True,
        label=_("Your answer"),
        help_text=_("Say what you are supplying for each point the ministry listed."),
    )
    attachments = MultipleFileField(
        accept=ACCEPT_ATTRIBUTE,
        label=_("Files (optional)"),
        required=False,
        help_text=_("PDF, HWP, HWPX, DOCX, XLSX, PNG or JPEG; at most 20 MB each."),
    )


class WithdrawForm(VersionForm):
    reason = long_text(2000, label=_("Reason (optional)"))
    confirm = forms.BooleanField(
        label=_("I understand that withdrawing ends this application"),
        error_messages={"required": _("Confirm that you want to withdraw.")},
    )


class ReconsiderationForm(VersionForm):
    reason = long_text(
        LONG, required=True, label=_("Why should the committee reconsider its decision?")
    )


class ExtensionForm(AccessibleForm):
    new_end = date_field(_("New end date you are asking for"))
    reason = long_text(LONG, required=True, label=_("Why the test needs more time"))


class LawAmendmentForm(AccessibleForm):
    reason = long_text(LONG, required=True, label=_("Which law should change, and why"))


class DashboardFilterForm(AccessibleForm):
    """The dashboard's search and group filter (GET)."""

    q = forms.CharField(
        label=_("Search by reference or title"), max_length=SHORT, required=False, strip=True
    )
    group = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All groups")),
            ("action", _("Needs your action")),
            ("review", _("In review")),
            ("active", _("Waivers in force")),
            ("closed", _("Closed")),
        ],
    )
