"""What the applicant portal tells a person about their case, in plain language.

Presentation: a case (and its already-loaded events) in, sentences and links out. Which actions
are open comes from ``applications.availability``, the same answer the services enforce.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext

from applications import availability, vocabulary, workflow
from applications.models import Application, AuditEvent, RequestStatus, in_active_language
from applications.workflow import ApplicationStatus as S
from applications.workflow import TrackKind
from documents.models import document_type_label
from supervision.models import Report, ReportStatus

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
    """The last day to ask for reconsideration of a rejection, in the programme's calendar."""
    return _local(app, workflow.reconsideration_window_end(app))


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
        if window is not None and workflow.reconsideration_open(app, now=now):
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
    if (
        app.status == S.CONFIRMED
        and app.confirmation_outcome == workflow.ConfirmationOutcome.REGULATION_APPLIES
    ):
        return NextStep(
            gettext(
                "A regulation applies to your service. To offer it, apply for a demonstration "
                "exemption or a temporary permit: the case page starts one prefilled from this case."
            ),
            url=detail,
        )
    return NextStep(gettext("This case is closed. Nothing more to do."), url=detail)


def report_step(report: Report) -> NextStep:
    """A report due under supervision, as a deadline on the dashboard."""
    revise = report.status == ReportStatus.REVISION_REQUESTED
    return NextStep(
        gettext("The ministry asked you to revise a report. Resubmit it.")
        if revise
        else gettext("Submit the report required by the conditions of your waiver."),
        deadline=report.due_on,
        deadline_label=gettext("%(report)s due") % {"report": report.get_kind_display()},
        url=reverse("supervision-report", args=[report.application_id, report.pk]),
        link_text=gettext("Revise and resubmit") if revise else gettext("Submit the report"),
    )


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
    if workflow.extensions_left(app):
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


# The applicant's actions, in the order the case page lists them: (name, link text, URL name).
APPLICANT_ACTIONS: tuple[tuple[str, Promise, str], ...] = (
    ("edit", gettext_lazy("Continue your application"), "application-check"),
    (
        "answer_supplement",
        gettext_lazy("Answer the supplement request"),
        "application-answer-supplement",
    ),
    (
        "request_reconsideration",
        gettext_lazy("Request reconsideration"),
        "application-reconsideration",
    ),
    ("add_insurance_proof", gettext_lazy("Add insurance proof"), "application-insurance"),
    ("request_extension", gettext_lazy("Request an extension"), "application-extension"),
    ("request_law_amendment", gettext_lazy("Request a law amendment"), "application-law-amendment"),
    ("withdraw", gettext_lazy("Withdraw the application"), "application-withdraw"),
)
DANGEROUS = frozenset({"withdraw"})


def open_actions(user: Any, app: Application, *, now: dt.datetime | None = None) -> list[Action]:
    """Links to the actions this applicant can take on the case now."""
    names = availability.open_actions(user, app, availability.case_facts(user, app, now=now))
    return [
        Action(name, str(label), reverse(url_name, args=[app.pk]), danger=name in DANGEROUS)
        for name, label, url_name in APPLICANT_ACTIONS
        if name in names
    ]


# --- the timeline ------------------------------------------------------------------------------


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


def _sentence(action: str) -> str | None:
    """What the applicant's timeline says of an action; None for internal working events."""
    words = vocabulary.wording(action)
    if words is None:
        return action.replace("_", " ")
    return str(words.applicant) if words.applicant is not None else None


def timeline(events: list[AuditEvent]) -> list[TimelineEntry]:
    """The case's events as sentences, newest first (internal working events left out)."""
    entries = [
        TimelineEntry(when=event.occurred_at, text=text, details=_detail_lines(event))
        for event in events
        if (text := _sentence(event.action)) is not None
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


# --- guidance on the track choice -----------------------------------------------------------------

# Document types with a downloadable template (``portal/application_templates/<type>.<lang>.md``).
TEMPLATE_TYPES = ("business_plan", "safety_plan", "user_protection_plan")


@dataclass
class TrackGuidance:
    meaning: str
    decides: str
    deadlines: list[str]
    attach: list[dict[str, Any]]


def track_guidance(track: Any) -> TrackGuidance:
    """What a track means, who decides, its deadlines and what to attach: the track's own data
    (help text, programme committee, days, required documents) in the active language."""
    from_data = in_active_language(track.help, track.help_en)
    program = track.program
    if track.kind == TrackKind.CONFIRMATION:
        decides = gettext("The ministry responsible for the regulation answers.")
        deadlines = [
            gettext(
                "An answer within %(days)s days of submission; without one, no regulation is "
                "deemed to apply."
            )
            % {"days": track.review_days}
        ]
    else:
        committee = in_active_language(program.committee, program.committee_en)
        decides = (
            gettext("%(committee)s decides, after the related ministries' review.")
            % {"committee": committee}
            if committee
            else gettext("%(ministry)s decides.") % {"ministry": program.lead_ministry.display_name}
        )
        deadlines = [gettext("Review: %(days)s days.") % {"days": track.review_days}]
        if track.agenda_days:
            deadlines.append(
                gettext("Put to the committee within %(days)s days of submission.")
                % {"days": track.agenda_days}
            )
        if track.max_term_days:
            deadlines.append(
                ngettext(
                    "A term of up to %(days)s days, extendable once.",
                    "A term of up to %(days)s days, extendable %(times)s times.",
                    track.max_extensions,
                )
                % {"days": track.max_term_days, "times": track.max_extensions}
                if track.max_extensions
                else gettext("A term of up to %(days)s days.") % {"days": track.max_term_days}
            )
    if track.similar_review_days:
        deadlines.append(
            gettext(
                "A case substantially the same as an approved waiver: %(days)s days once the "
                "ministry confirms the similarity."
            )
            % {"days": track.similar_review_days}
        )
    if track.insurance_required:
        deadlines.append(gettext("Liability insurance is required before the test starts."))
    attach = [
        {
            "label": document_type_label(code),
            "templates": (
                [
                    (reverse("application-template", args=[code, "ko"]), "한국어"),
                    (reverse("application-template", args=[code, "en"]), "English"),
                ]
                if code in TEMPLATE_TYPES
                else []
            ),
        }
        for code in track.required_document_types or []
    ]
    return TrackGuidance(from_data, decides, deadlines, attach)
