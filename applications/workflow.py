"""The application state machine: statuses, transitions and their pure guards.

    From                         Transition               To                     Actor
    draft                        submit                   submitted              applicant
    submitted, under_review      request_supplement       supplement_requested   case_officer
    supplement_requested         answer_supplement        submitted              applicant
    supplement_requested         lapse                    withdrawn              system
    submitted                    accept                   under_review           case_officer
    under_review                 answer_confirmation      confirmed              case_officer
    submitted, under_review      deem_confirmed           confirmed              system
    under_review                 recommend                deliberation           case_officer
    deliberation                 approve                  approved               decision_maker
    deliberation                 reject                   rejected               decision_maker
    deliberation                 remand                   under_review           decision_maker
    rejected                     request_reconsideration  deliberation           applicant
    approved                     activate                 active                 case_officer
    approved, active             extend                   (unchanged)            decision_maker
    active, continuing           suspend                  suspended              decision_maker
    suspended                    resume                   active                 decision_maker
    suspended                    resume_continuing        continuing             decision_maker
    suspended                    suspension_ends          (unchanged)            system
    active, suspended, continuing  revoke                 revoked                decision_maker
    active                       request_law_amendment    continuing             decision_maker
    active, continuing           convert                  (unchanged)            decision_maker
    continuing                   regularize               regularized            decision_maker
    approved, active             expire                   expired                system
    continuing                   end_continuation         expired                system
    draft … deliberation         withdraw                 withdrawn              applicant

Suspension and revocation are reached only through the due-process procedure of the
``sanctions`` app (a prior notice whose opinion deadline has passed or whose opinion is in, or an
urgent suspension with its ground), which it enforces through ``effects.on_transition_guard``.
A suspension returns the waiver to where it was: ``resume`` back to ``active``, or
``resume_continuing`` back to ``continuing`` (``Application.suspended_from`` decides which);
``suspension_ends`` is the sweep marking that a suspension's period ran out without a cure (the
case waits in the decision maker's queue, still suspended). ``convert`` turns a demonstration
exemption into a temporary permit where the track names a conversion track (same case, a new
decision and letter); ``end_continuation`` is the sweep ending a continuation at the track's cap
(``Application.continuation_until``).

``request_law_amendment`` and ``extend`` are the decisions on child records the applicant files
(a law-amendment request, an extension request); the transition happens when a decision maker
accepts. ``deem_confirmed`` also runs from ``submitted``: the 30-day statutory answer deadline
binds the regulator whether or not anyone has picked the case up yet.

The statutory clock runs only in ``RUNNING_CLOCK``; leaving those statuses pauses it and coming
back resumes it, moving the deadline by the paused time (so a supplement request pauses it, and
a remand after deliberation resumes it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.dates import human_date

if TYPE_CHECKING:
    from applications.models import Application, Track


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    UNDER_REVIEW = "under_review", _("Under review")
    CONFIRMED = "confirmed", _("Confirmed")
    DELIBERATION = "deliberation", _("In deliberation")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CONTINUING = "continuing", _("Continuing pending law amendment")
    REGULARIZED = "regularized", _("Regularized")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ApplicationStatus

RUNNING_CLOCK = frozenset({S.SUBMITTED, S.UNDER_REVIEW})
WITHDRAWABLE = (S.DRAFT, S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW, S.DELIBERATION)
IN_FORCE = (S.APPROVED, S.ACTIVE)
TERMINAL = frozenset({S.CONFIRMED, S.REGULARIZED, S.EXPIRED, S.REVOKED, S.WITHDRAWN})
# The term has started to run (or is about to): insurance, reports and the like are filed now.
TERM_RUNNING = frozenset({S.APPROVED, S.ACTIVE, S.SUSPENDED, S.CONTINUING})
# Under review, from submission to the decision: the statutory deadline binds the regulator
# (running or paused); once the case leaves review it is history and no longer shown as due.
IN_REVIEW = frozenset({S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW, S.DELIBERATION})
# A case still has work for its officer, from intake to the end of the term.
OPEN_FOR_OFFICER = frozenset(
    {
        S.SUBMITTED,
        S.SUPPLEMENT_REQUESTED,
        S.UNDER_REVIEW,
        S.DELIBERATION,
        S.REJECTED,
        *TERM_RUNNING,
    }
)


class TrackKind(models.TextChoices):
    """What a track asks for; decides which transitions apply (the timings are data)."""

    CONFIRMATION = "confirmation", _("Confirmation (does a regulation apply?)")
    EXEMPTION = "exemption", _("Exemption (demonstration or temporary permit)")


class ConfirmationOutcome(models.TextChoices):
    NO_REGULATION = "no_regulation", _("No regulation or permit applies")
    REGULATION_APPLIES = "regulation_applies", _("A regulation or permit applies")
    DEEMED_NO_REGULATION = "deemed_no_regulation", _("Deemed: no regulation applies")


class RecommendationOutcome(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


# --- Guards (pure: data in, problems out) ---------------------------------------------------


def is_confirmation_track(application: Any) -> bool:
    """Fast-confirmation cases are answered, never recommended or decided by a committee."""
    return bool(application.track.kind == TrackKind.CONFIRMATION)


def is_exemption_track(application: Any) -> bool:
    """Exemption cases go through recommendation and a committee decision."""
    return bool(application.track.kind == TrackKind.EXEMPTION)


REQUIRED_SECTIONS: dict[str, tuple[str, ...]] = {
    "service": ("title", "summary", "service_description", "technology_description"),
    "scope": ("requested_term_days", "region", "scale", "max_users"),
    "safety": ("safety_plan", "user_protection"),
    "declarations": ("declaration_truthful", "declaration_consent"),
}
EXEMPTION_ONLY_FIELDS = frozenset({"requested_term_days", "region", "scale", "max_users"})


def fields_required_for_submission(track: Track) -> frozenset[str]:
    """The application's fields that must be filled before ``submit`` on this track: the one
    source for the submission check and for which form fields are marked "(optional)"."""
    exemption = track.kind == TrackKind.EXEMPTION
    required = {
        field
        for fields in REQUIRED_SECTIONS.values()
        for field in fields
        if exemption or field not in EXEMPTION_ONLY_FIELDS
    }
    if exemption and track.insurance_required:
        required.add("insurance_plan")
    return frozenset(required)


def missing_for_submission(application: Application, *, regulation_count: int) -> dict[str, str]:
    """Fields (and child sets) that must be filled before ``submit``, with a message each."""
    required = fields_required_for_submission(application.track)
    missing: dict[str, str] = {}
    for fields in REQUIRED_SECTIONS.values():
        for field in fields:
            if field not in required:
                continue
            if getattr(application, field) in (None, "", False):
                label = capfirst(getattr(application._meta.get_field(field), "verbose_name", field))
                missing[field] = str(
                    _("%(field)s is required before submitting.") % {"field": label}
                )
    if regulation_count == 0:
        missing["regulations"] = str(_("Name at least one regulation that blocks the service."))
    if "insurance_plan" in required and not application.insurance_plan:
        missing["insurance_plan"] = str(
            _("This track requires liability insurance: describe the cover you will take out.")
        )
    return missing


# --- fast review of a case similar to an approved one (DOMAIN §1: ICT/ICP 15-day rule) -------

# A waiver was granted in these statuses: its number (the reference the public register shows)
# may be cited by a new application as the approved case it resembles.
GRANTED_WAIVER = frozenset(
    {S.APPROVED, S.ACTIVE, S.SUSPENDED, S.CONTINUING, S.REGULARIZED, S.EXPIRED}
)
# The officer confirms or denies the similarity while the case is in review before deliberation.
SIMILARITY_OPEN = frozenset({S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW})


class SimilarityDecision(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed as similar to the approved case")
    DENIED = "denied", _("Not similar: the normal deadline applies")


def similar_case_due(application: Application) -> dt.datetime | None:
    """The shorter deadline a confirmed similarity sets: submission + the track's
    ``similar_review_days`` + the time the clock was paused so far (a pause still running moves
    it on resumption like any deadline). None when the track has no fast review or the normal
    deadline is already sooner."""
    days = application.track.similar_review_days
    if days is None or application.submitted_at is None or application.due_at is None:
        return None
    due = application.submitted_at + dt.timedelta(
        days=days, seconds=application.clock_paused_seconds
    )
    return due if due < application.due_at else None


def statutory_days_of(application: Application) -> int:
    """Days on the case's statutory clock: the track's, or the fast review's once confirmed."""
    days = application.track.statutory_days
    fast = application.track.similar_review_days
    if application.similarity_decision == SimilarityDecision.CONFIRMED and fast is not None:
        return min(days, fast)
    return days


# The organisation's company profile (DOMAIN §2), copied into the application at submission.
PROFILE_FIELDS: tuple[str, ...] = (
    "company_size",
    "is_startup",
    "founded_on",
    "employees",
    "key_people",
    "licences",
    "contact_person",
    "contact_phone",
)
# A Korean or international phone number as people write it: digits with spaces, hyphens,
# dots or brackets, an optional leading +; 8 to 15 digits in all.
PHONE_PATTERN = re.compile(r"^\+?[0-9()\-. ]+$")


def profile_problems(fields: Mapping[str, Any], *, today: dt.date) -> dict[str, str]:
    """What is wrong with a company profile as typed, with a message a person can act on."""
    problems: dict[str, str] = {}
    phone = str(fields.get("contact_phone") or "").strip()
    if phone:
        digits = sum(ch.isdigit() for ch in phone)
        if not PHONE_PATTERN.match(phone) or not 8 <= digits <= 15:
            problems["contact_phone"] = str(
                _("Enter a phone number with 8 to 15 digits, e.g. 02-1234-5678 or +82 2 1234 5678.")
            )
    founded = fields.get("founded_on")
    if founded is not None and founded > today:
        problems["founded_on"] = str(
            _("The founding date cannot be in the future (today is %(today)s).")
            % {"today": human_date(today)}
        )
    employees = fields.get("employees")
    if employees is not None and employees < 0:
        problems["employees"] = str(_("The number of employees cannot be negative."))
    return problems


# How far after the decision a term may start: a committee approves a test about to begin, and
# dates beyond this are typing mistakes (year 9999 would also overflow the deadline arithmetic).
MAX_START_AFTER_DECISION_DAYS = 365


def term_problems(
    *,
    track: Track,
    start: dt.date | None,
    end: dt.date | None,
    decided_on: dt.date | None = None,
    field_prefix: str = "term",
) -> dict[str, str]:
    """A term must start, end after it starts, and last no longer than the track allows. Against
    the decision date (``decided_on``, the programme's local date): a waiver applies from its
    decision on, never to the past, and starts within a year of it."""
    problems: dict[str, str] = {}
    if start is None:
        problems[f"{field_prefix}_start"] = str(_("Enter the date the term starts."))
    if end is None:
        problems[f"{field_prefix}_end"] = str(_("Enter the date the term ends."))
    if start is None or end is None:
        return problems
    if decided_on is not None and start < decided_on:
        problems[f"{field_prefix}_start"] = str(
            _(
                "The term cannot start before the decision (%(date)s): a waiver does not apply "
                "to the past."
            )
            % {"date": human_date(decided_on)}
        )
    elif decided_on is not None and (start - decided_on).days > MAX_START_AFTER_DECISION_DAYS:
        problems[f"{field_prefix}_start"] = str(
            _("The term must start within %(days)s days of the decision (%(date)s).")
            % {"days": MAX_START_AFTER_DECISION_DAYS, "date": human_date(decided_on)}
        )
    if end <= start:
        problems[f"{field_prefix}_end"] = str(_("The term must end after it starts."))
    elif (end - start).days > track.max_term_days:
        problems[f"{field_prefix}_end"] = str(
            _("The term is %(days)s days; this track allows at most %(max)s days.")
            % {"days": (end - start).days, "max": track.max_term_days}
        )
    return problems


def requested_term_problem(*, track: Track, days: int | None) -> str | None:
    if days is None:
        return None
    if days <= 0:
        return str(_("The requested period must be at least one day."))
    if track.max_term_days and days > track.max_term_days:
        return str(
            _("The requested period is %(days)s days; this track allows at most %(max)s days.")
            % {"days": days, "max": track.max_term_days}
        )
    return None


def extension_problems(
    *,
    track: Track,
    term_start: dt.date,
    current_end: dt.date,
    new_end: dt.date,
    used: int,
    decided_on: dt.date | None = None,
) -> dict[str, str]:
    """Extensions: fewer than the track's maximum, each within its length, total within cap;
    and the new end still ahead on the decision date (``decided_on``)."""
    if used >= track.max_extensions:
        return {
            "__all__": str(
                _("This waiver has used all %(max)s extension(s) the track allows.")
                % {"max": track.max_extensions}
            )
        }
    if new_end <= current_end:
        return {"new_end": str(_("The new end date must be after the current end date."))}
    if decided_on is not None and new_end <= decided_on:
        return {
            "new_end": str(
                _("The new end date has already passed on the decision date (%(date)s).")
                % {"date": human_date(decided_on)}
            )
        }
    if (new_end - current_end).days > track.extension_term_days:
        return {
            "new_end": str(
                _("An extension may add at most %(max)s days.") % {"max": track.extension_term_days}
            )
        }
    cap = track.max_term_days + track.max_extensions * track.extension_term_days
    if (new_end - term_start).days > cap:
        return {
            "new_end": str(
                _("The whole term may not exceed %(max)s days from its start.") % {"max": cap}
            )
        }
    return {}


def cover_problems(
    *, aggregate: int | None, per_person: int | None, per_accident: int | None
) -> dict[str, str]:
    """Liability cover amounts: positive, and per person ≤ per accident ≤ aggregate (a policy
    cannot pay one person more than it pays for the whole accident, nor more in one accident
    than in total)."""
    problems: dict[str, str] = {}
    for field, amount in (
        ("coverage_per_person", per_person),
        ("coverage_per_accident", per_accident),
    ):
        if amount is not None and amount <= 0:
            problems[field] = str(_("Give the amount in won, more than zero."))
    if problems:
        return problems
    if per_person is not None and per_accident is not None and per_person > per_accident:
        problems["coverage_per_person"] = str(
            _("The cover per person cannot be more than the cover per accident.")
        )
    ceiling = per_accident if per_accident is not None else per_person
    if aggregate and ceiling is not None and ceiling > aggregate:
        field = "coverage_per_accident" if per_accident is not None else "coverage_per_person"
        problems.setdefault(
            field, str(_("The cover cannot be more than the aggregate insured amount."))
        )
    return problems


def law_amendment_too_late(*, track: Track, today: dt.date, term_end: dt.date) -> bool:
    """A law-amendment request must come at least ``law_amendment_lead_days`` before expiry."""
    return (term_end - today).days < track.law_amendment_lead_days


def reconsideration_window_end(application: Any) -> dt.datetime | None:
    """The moment the window for asking to reconsider a rejection closes (None unless
    rejected)."""
    if application.status != S.REJECTED or application.decided_at is None:
        return None
    return application.decided_at + dt.timedelta(days=application.track.reconsideration_days)


def reconsideration_open(application: Any, *, now: dt.datetime) -> bool:
    end = reconsideration_window_end(application)
    return end is not None and now <= end


def resumes_to_active(application: Any) -> bool:
    """A suspension of an active waiver is lifted back to ``active``."""
    return bool(application.suspended_from != S.CONTINUING)


def resumes_to_continuing(application: Any) -> bool:
    """A suspension of a continuing waiver is lifted back to ``continuing``."""
    return bool(application.suspended_from == S.CONTINUING)


def is_convertible(application: Any) -> bool:
    """The track names a track this waiver may be converted into (demonstration exemption into
    temporary permit: ICT and ICP)."""
    return bool(application.track.conversion_track_id)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months; the last day of a shorter month where it overflows
    (2026-08-31 plus 6 months is 2027-02-28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def continuation_cap(*, track: Track, original_end: dt.date | None) -> dt.date | None:
    """The last day a continuation pending law amendment may run, where the track caps it
    (FinISA: 18 months after the original end); None when uncapped."""
    if original_end is None or not track.continuation_cap_months:
        return None
    return add_months(original_end, track.continuation_cap_months)


def opinion_due(*, track: Track, sent_on: dt.date) -> dt.date:
    """The last day for the applicant's opinion on a prior notice sent on ``sent_on``."""
    return sent_on + dt.timedelta(days=track.opinion_days)


def extensions_left(application: Any) -> bool:
    """Whether the track allows another extension of this waiver."""
    return bool(application.extensions_used < application.track.max_extensions)


def conditions_cleaned(conditions: Iterable[str]) -> list[str]:
    """Conditions are a numbered list; blank lines are dropped, order kept."""
    return [c.strip() for c in conditions if c and c.strip()]
