"""What the applicant portal tells a person about their case, in plain language.

Pure presentation: a case (and its already-loaded events) in, sentences and links out. The
steps of the application form are listed here too, so views, templates and the
check-your-answers page agree on them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.models import Application, AuditEvent, RequestStatus
from applications.workflow import WITHDRAWABLE, TrackKind
from applications.workflow import ApplicationStatus as S

# --- the steps of the application form -------------------------------------------------------


@dataclass(frozen=True)
class Step:
    slug: str
    title: Promise
    fields: tuple[str, ...] = ()
    exemption_only: bool = False


STEPS: tuple[Step, ...] = (
    Step(
        "service",
        _("Service and technology"),
        (
            "title",
            "summary",
            "service_description",
            "technology_description",
            "development_stage",
            "user_benefit",
            "business_model",
        ),
    ),
    Step("regulations", _("Regulations concerned"), ("regulations",)),
    Step(
        "scope",
        _("Requested scope"),
        ("requested_start", "requested_term_days", "region", "scale", "max_users", "test_plan"),
        exemption_only=True,
    ),
    Step(
        "safety",
        _("Safety and user protection"),
        ("safety_plan", "user_protection", "data_protection", "exit_plan"),
    ),
    Step(
        "insurance",
        _("Insurance"),
        ("insurance_plan", "insurer", "insured_amount"),
        exemption_only=True,
    ),
    Step("documents", _("Attachments"), ()),
    Step(
        "declarations",
        _("Declarations"),
        ("declaration_truthful", "declaration_consent", "language"),
    ),
)
STEP_BY_SLUG = {step.slug: step for step in STEPS}


def steps_for(application: Application) -> list[Step]:
    exemption = application.track.kind == TrackKind.EXEMPTION
    return [s for s in STEPS if exemption or not s.exemption_only]


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


# --- what to do next ---------------------------------------------------------------------------


@dataclass
class NextStep:
    text: str
    deadline: dt.date | None = None
    deadline_label: str = ""
    url: str = ""
    link_text: str = ""
    later: list[tuple[str, dt.date]] = field(default_factory=list)  # further deadlines


def _local(app: Application, moment: dt.datetime | None) -> dt.date | None:
    return app.program.local_date(moment) if moment else None


def reconsideration_deadline(app: Application) -> dt.date | None:
    if app.status != S.REJECTED or app.decided_at is None:
        return None
    return _local(app, app.decided_at + dt.timedelta(days=app.track.reconsideration_days))


def next_step(app: Application, *, now: dt.datetime | None = None) -> NextStep:
    """The one thing the applicant should do now (or know), and by when."""
    now = now or timezone.now()
    today = app.program.local_date(now)
    detail = reverse("application-detail", args=[app.pk])
    if app.status == S.DRAFT:
        return NextStep(
            gettext("Finish your application and submit it."),
            url=reverse("application-check", args=[app.pk]),
            link_text=gettext("Continue your application"),
        )
    if app.status == S.SUPPLEMENT_REQUESTED:
        return NextStep(
            gettext(
                "The ministry asked for more information. Answer before the deadline, or "
                "the application will be closed."
            ),
            deadline=_local(app, app.supplement_due_at),
            deadline_label=gettext("Answer by"),
            url=reverse("application-answer-supplement", args=[app.pk]),
            link_text=gettext("Answer the supplement request"),
        )
    if app.status in (S.SUBMITTED, S.UNDER_REVIEW, S.DELIBERATION):
        return NextStep(
            gettext(
                "Nothing for now: the ministry is reviewing your application. We will "
                "email you when something changes."
            ),
            deadline=_local(app, app.due_at),
            deadline_label=gettext("The ministry must answer by")
            if app.track.kind == TrackKind.CONFIRMATION
            else gettext("To be put to the committee by"),
            url=detail,
        )
    if app.status == S.REJECTED:
        window = reconsideration_deadline(app)
        if window is not None and window >= today:
            return NextStep(
                gettext("If you disagree with the decision, you may ask for reconsideration."),
                deadline=window,
                deadline_label=gettext("Ask by"),
                url=reverse("application-reconsideration", args=[app.pk]),
                link_text=gettext("Request reconsideration"),
            )
        return NextStep(gettext("The decision is final."), url=detail)
    if app.status == S.APPROVED:
        if app.track.insurance_required and not app.insurance_proofs.exists():
            return NextStep(
                gettext(
                    "Send proof of liability insurance covering the whole term; the waiver "
                    "starts once the ministry has checked it."
                ),
                deadline=app.term_start,
                deadline_label=gettext("Term starts"),
                url=reverse("application-insurance", args=[app.pk]),
                link_text=gettext("Add insurance proof"),
            )
        return NextStep(
            gettext("The ministry is checking your insurance proof before the term starts."),
            deadline=app.term_start,
            deadline_label=gettext("Term starts"),
            url=detail,
        )
    if app.status == S.ACTIVE:
        return _active_next_step(app, today=today, detail=detail)
    if app.status == S.SUSPENDED:
        return NextStep(
            gettext("Your waiver is suspended: stop the service until the ministry resumes it."),
            url=detail,
        )
    if app.status == S.CONTINUING:
        return NextStep(
            gettext("Your waiver continues until the law has been amended."), url=detail
        )
    return NextStep(gettext("This case is closed. Nothing more to do."), url=detail)


def law_amendment_deadline(app: Application) -> dt.date | None:
    """The last day a law-amendment request may be filed (the track's lead days before the
    end), or None when the track sets no lead time or the waiver has no term."""
    if app.term_end is None or not app.track.law_amendment_lead_days:
        return None
    return app.term_end - dt.timedelta(days=app.track.law_amendment_lead_days)


def _active_next_step(app: Application, *, today: dt.date, detail: str) -> NextStep:
    """An active waiver: the nearest of "request a law amendment by" and the term end (with the
    extension request due before it), the other listed after it."""
    term_end = [(gettext("Term ends"), app.term_end)] if app.term_end else []
    if any(r.status == RequestStatus.PENDING for r in app.extension_requests.all()):
        return NextStep(
            gettext(
                "Your extension request is waiting for a decision; the waiver stays in force "
                "until it is decided."
            ),
            deadline=app.term_end,
            deadline_label=gettext("Term ends"),
            url=detail,
        )
    amend_by = law_amendment_deadline(app)
    amendment_open = not any(
        r.status == RequestStatus.PENDING for r in app.law_amendment_requests.all()
    )
    if amend_by is not None and amend_by >= today and amendment_open:
        return NextStep(
            gettext(
                "Run the service within the conditions of the decision. If the law should "
                "change so the service can continue, request a law amendment by the date shown; "
                "an extension can be requested until the term ends."
            ),
            deadline=amend_by,
            deadline_label=gettext("Request a law amendment by"),
            url=reverse("application-law-amendment", args=[app.pk]),
            link_text=gettext("Request a law amendment"),
            later=term_end,
        )
    if app.extensions_used < app.track.max_extensions:
        return NextStep(
            gettext(
                "Run the service within the conditions of the decision. If the test needs more "
                "time, request an extension before the term ends."
            ),
            deadline=app.term_end,
            deadline_label=gettext("Request an extension by"),
            url=reverse("application-extension", args=[app.pk]),
            link_text=gettext("Request an extension"),
        )
    return NextStep(
        gettext("Run the service within the conditions of the decision until the term ends."),
        deadline=app.term_end,
        deadline_label=gettext("Term ends"),
        url=detail,
    )


# --- actions open to the applicant ---------------------------------------------------------------


@dataclass
class Action:
    name: str
    label: str
    url: str
    danger: bool = False


def open_actions(app: Application, *, now: dt.datetime | None = None) -> list[Action]:
    """Links to the actions the applicant can take on the case in its current state."""
    now = now or timezone.now()
    today = app.program.local_date(now)
    pk = app.pk
    actions: list[Action] = []
    if app.status == S.DRAFT:
        actions.append(
            Action(
                "edit",
                gettext("Continue your application"),
                reverse("application-check", args=[pk]),
            )
        )
    if app.status == S.SUPPLEMENT_REQUESTED:
        actions.append(
            Action(
                "answer_supplement",
                gettext("Answer the supplement request"),
                reverse("application-answer-supplement", args=[pk]),
            )
        )
    window = reconsideration_deadline(app)
    if window is not None and window >= today:
        actions.append(
            Action(
                "reconsideration",
                gettext("Request reconsideration"),
                reverse("application-reconsideration", args=[pk]),
            )
        )
    if app.status in (S.APPROVED, S.ACTIVE, S.SUSPENDED, S.CONTINUING):
        actions.append(
            Action(
                "insurance",
                gettext("Add insurance proof"),
                reverse("application-insurance", args=[pk]),
            )
        )
    in_force = app.status in (S.APPROVED, S.ACTIVE)
    pending_extension = any(r.status == RequestStatus.PENDING for r in app.extension_requests.all())
    if (
        in_force
        and app.extensions_used < app.track.max_extensions
        and not pending_extension
        and app.term_end is not None
        and app.term_end >= today
    ):
        actions.append(
            Action(
                "extension",
                gettext("Request an extension"),
                reverse("application-extension", args=[pk]),
            )
        )
    pending_amendment = any(
        r.status == RequestStatus.PENDING for r in app.law_amendment_requests.all()
    )
    if app.status == S.ACTIVE and not pending_amendment:
        actions.append(
            Action(
                "law_amendment",
                gettext("Request a law amendment"),
                reverse("application-law-amendment", args=[pk]),
            )
        )
    if app.status in WITHDRAWABLE:
        actions.append(
            Action(
                "withdraw",
                gettext("Withdraw the application"),
                reverse("application-withdraw", args=[pk]),
                danger=True,
            )
        )
    return actions


# --- the timeline ------------------------------------------------------------------------------

EVENT_SENTENCES: dict[str, Promise] = {
    "draft_created": _("You started the application."),
    "draft_updated": _("The draft was saved."),
    "regulation_added": _("A regulation was added to the draft."),
    "regulation_removed": _("A regulation was removed from the draft."),
    "document_uploaded": _("A file was uploaded."),
    "document_removed": _("A file was removed from the draft."),
    "submit": _("The application was submitted and given its reference number."),
    "request_supplement": _("The ministry asked for more information."),
    "answer_supplement": _("You answered the supplement request."),
    "lapse": _("The application was closed: no answer arrived by the deadline."),
    "accept": _("The ministry confirmed the application is complete and started the review."),
    "consultation_requested": _("The ministry asked related ministries for their opinion."),
    "consultation_answered": _("A related ministry gave its opinion."),
    "consultation_lapsed": _("A related ministry gave no opinion in time (deemed no opinion)."),
    "answer_confirmation": _("The ministry answered your confirmation request."),
    "deem_confirmed": _("No answer in time: it is deemed that no regulation applies."),
    "recommend": _("The case was put to the committee."),
    "approve": _("The committee approved the application."),
    "reject": _("The committee rejected the application."),
    "remand": _("The committee sent the case back for further review."),
    "request_reconsideration": _("You asked for reconsideration."),
    "insurance_proof_added": _("Insurance proof was added."),
    "activate": _("The waiver became active."),
    "extension_requested": _("You asked for an extension."),
    "extend": _("The extension was granted."),
    "extension_denied": _("The extension was refused."),
    "law_amendment_requested": _("You asked for a law amendment."),
    "request_law_amendment": _("The law-amendment request was accepted; the waiver continues."),
    "law_amendment_rejected": _("The law-amendment request was not accepted."),
    "suspend": _("The waiver was suspended."),
    "resume": _("The suspension was lifted."),
    "revoke": _("The waiver was revoked."),
    "regularize": _("The amended law came into force."),
    "expire": _("The waiver expired."),
    "withdraw": _("The application was withdrawn."),
    "letter_issued": _("A letter was issued."),
    "expiry_reminder": _("We reminded you that the term of the waiver ends soon."),
    "agenda_deadline_passed": _(
        "The deadline for putting the case to the committee passed; the ministry is overdue."
    ),
}

# Internal working events the applicant does not need to see on their timeline.
HIDDEN_EVENTS = frozenset(
    {
        "draft_updated",
        "regulation_added",
        "regulation_removed",
        # the ministry's internal case handling (review workspace)
        "claimed",
        "assigned",
        "released",
        "conflict_declared",
    }
)


@dataclass
class TimelineEntry:
    when: dt.datetime
    text: str
    details: list[str] = field(default_factory=list)


def _detail_lines(event: AuditEvent) -> list[str]:
    payload: dict[str, Any] = event.payload or {}
    lines: list[str] = []
    if event.action == "document_uploaded" and payload.get("name"):
        lines.append(str(payload["name"]))
    for item in payload.get("deficiencies") or []:
        lines.append(str(item))
    for key in ("reason", "reasons", "grounds", "message"):
        if payload.get(key):
            lines.append(str(payload[key]))
    return lines


def timeline(events: list[AuditEvent]) -> list[TimelineEntry]:
    """The case's events as sentences, newest first (internal working events left out)."""
    entries = [
        TimelineEntry(
            when=event.occurred_at,
            text=str(EVENT_SENTENCES.get(event.action, event.action.replace("_", " "))),
            details=_detail_lines(event),
        )
        for event in events
        if event.action not in HIDDEN_EVENTS
    ]
    return list(reversed(entries))


def current_deadline(app: Application) -> tuple[str, dt.date] | None:
    """The deadline that matters now and what it means, for the case page."""
    if app.status == S.SUPPLEMENT_REQUESTED and app.supplement_due_at:
        return (
            gettext("Your answer is due by this date; after it the application is closed."),
            app.program.local_date(app.supplement_due_at),
        )
    if app.status in (S.SUBMITTED, S.UNDER_REVIEW, S.DELIBERATION) and app.due_at:
        if app.track.kind == TrackKind.CONFIRMATION:
            text = gettext(
                "The ministry must answer by this date; if it does not, it is deemed that no "
                "regulation applies."
            )
        else:
            text = gettext("The case must be put to the committee by this date.")
        return text, app.program.local_date(app.due_at)
    if app.status in (S.APPROVED, S.ACTIVE, S.SUSPENDED) and app.term_end:
        return gettext("The waiver ends on this date unless extended."), app.term_end
    window = reconsideration_deadline(app)
    if window is not None:
        return gettext("You may ask for reconsideration until this date."), window
    return None
