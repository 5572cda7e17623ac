"""The sections of an application: the steps of the applicant's form, which fields each holds,
and the answers given, as the portal's check-your-answers page and the staff case page show
them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import workflow
from applications.models import Application, CompanySize, Organization
from applications.workflow import TrackKind
from core.dates import human_date, reader_amount


@dataclass(frozen=True)
class Step:
    slug: str
    title: Promise
    fields: tuple[str, ...] = ()
    exemption_only: bool = False


STEPS: tuple[Step, ...] = (
    Step(
        "service",
        gettext_lazy("Service and technology"),
        (
            "title",
            "summary",
            "service_description",
            "technology_description",
            "development_stage",
            "user_benefit",
            "problem_solved",
            "existing_offers",
            "business_model",
        ),
    ),
    # The organisation's company profile and the co-applicants: not fields of the application
    # (the profile is the organisation's, copied into the case at submission).
    Step("company", gettext_lazy("Your company and partners"), ()),
    Step("regulations", gettext_lazy("Regulations concerned"), ("regulations",)),
    Step(
        "scope",
        gettext_lazy("Requested scope"),
        ("requested_start", "requested_term_days", "region", "scale", "max_users", "test_plan"),
        exemption_only=True,
    ),
    Step(
        "safety",
        gettext_lazy("Safety and user protection"),
        ("safety_plan", "user_protection", "data_protection", "exit_plan"),
    ),
    Step(
        "insurance",
        gettext_lazy("Insurance"),
        ("insurance_plan", "insurer", "insured_amount"),
        exemption_only=True,
    ),
    Step("documents", gettext_lazy("Attachments"), ()),
    Step(
        "declarations",
        gettext_lazy("Declarations"),
        ("declaration_truthful", "declaration_consent", "language"),
    ),
)


def steps_for(application: Application) -> list[Step]:
    exemption = application.track.kind == TrackKind.EXEMPTION
    return [s for s in STEPS if exemption or not s.exemption_only]


def step_of(application: Application, slug: str) -> Step | None:
    """The step of the case's form with this slug (None if its track has no such step)."""
    return next((step for step in steps_for(application) if step.slug == slug), None)


def step_of_field(name: str) -> str:
    """The step page where a field (or a missing document) is filled in."""
    if name.startswith("document_"):
        return "documents"
    for step in STEPS:
        if name in step.fields:
            return step.slug
    return "service"


def next_step_slug(application: Application, slug: str) -> str | None:
    slugs = [s.slug for s in steps_for(application)]
    index = slugs.index(slug) if slug in slugs else -1
    return slugs[index + 1] if 0 <= index < len(slugs) - 1 else None


def profile_rows(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """A company profile (the organisation's now, or the copy kept at submission) as label and
    shown value, in ``workflow.PROFILE_FIELDS`` order."""
    rows = []
    for name in workflow.PROFILE_FIELDS:
        model_field = Organization._meta.get_field(name)
        value = profile.get(name)
        if name == "company_size":
            shown: Any = CompanySize(value).label if value in CompanySize.values else ""
        elif isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        elif name == "founded_on" and value:
            shown = human_date(dt.date.fromisoformat(value) if isinstance(value, str) else value)
        elif value in (None, ""):
            shown = ""
        elif isinstance(value, int):
            shown = number_format(value, force_grouping=True)
        else:
            shown = value
        rows.append(
            {"label": capfirst(str(getattr(model_field, "verbose_name", name))), "value": shown}
        )
    return rows


def live_profile(organization: Organization) -> dict[str, Any]:
    return {name: getattr(organization, name) for name in workflow.PROFILE_FIELDS}


def answers(app: Application) -> list[dict[str, Any]]:
    """The draft's answers per section, as label and shown value, for check-your-answers."""
    sections = []
    for step in steps_for(app):
        rows = []
        for name in step.fields:
            if name == "regulations":
                continue
            model_field = Application._meta.get_field(name)
            value = getattr(app, name)
            if name == "language":
                shown: Any = app.get_language_display()
            elif isinstance(value, bool):
                shown = _("Yes") if value else _("No")
            elif value in (None, ""):
                shown = ""
            elif name == "insured_amount":
                shown = reader_amount(value)
            elif isinstance(value, int):
                shown = number_format(value, force_grouping=True)
            else:
                shown = value
            rows.append({"label": capfirst(str(model_field.verbose_name)), "value": shown})
        sections.append({"step": step, "rows": rows})
    return sections
