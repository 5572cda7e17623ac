"""What the applicant portal tells a person about their case, in plain language.

Presentation: a case (and its already-loaded events) in, sentences and links out. Which actions
are open comes from ``applications.availability``, the same answer the services enforce.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, ngettext

from applications import availability, vocabulary, workflow
from applications.models import (
    Application,
    AuditEvent,
    DecisionKind,
    RequestStatus,
    SupplementRequest,
    in_active_language,
)
from applications.workflow import ApplicationStatus as S
from applications.workflow import TrackKind
from core.dates import human_date
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
                "the application will be returned without a review."
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
    if not vocabulary.applicant_reads_details(event.action):
        return []  # internal deliberation: the applicant reads that it happened, not what was said
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


def internal_actions() -> set[str]:
    """The actions the applicant's timeline leaves out (``_sentence`` has none for them)."""
    return {action for action, words in vocabulary.registered().items() if words.applicant is None}


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
            gettext(
                "Your answer is due by this date; after it the application is returned without "
                "a review."
            ),
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


# --- returned, not withdrawn -------------------------------------------------------------------
# A case closed because a supplement request lapsed is "withdrawn" in the state machine, but the
# applicant did not withdraw it: the ministry returned it (반려). Pages say so.


def with_returned(cases: QuerySet[Application]) -> QuerySet[Application]:
    """The cases with ``was_returned``: closed because a supplement request lapsed (one query)."""
    lapsed = SupplementRequest.objects.filter(application=OuterRef("pk"), lapsed_at__isnull=False)
    return cases.annotate(was_returned=Exists(lapsed))


def was_returned(app: Application) -> bool:
    """Whether this case was returned because a supplement request lapsed."""
    if app.status != S.WITHDRAWN:
        return False
    annotated = getattr(app, "was_returned", None)
    if annotated is not None:
        return bool(annotated)
    return bool(app.supplement_requests.filter(lapsed_at__isnull=False).exists())


# --- the approved waiver, on the case page ---------------------------------------------------
# What the committee approved — the term, the scope, the exempted provisions and the
# conditions — is shown on the case page itself, not only inside the decision letter, with the
# waiver's current standing in a sentence.

WAIVER_STATUSES = frozenset(
    {S.APPROVED, S.ACTIVE, S.SUSPENDED, S.CONTINUING, S.EXPIRED, S.REVOKED, S.REGULARIZED}
)


@dataclass
class Waiver:
    standing: str
    decided_on: dt.date
    committee_reference: str
    legal_basis: str
    term_start: dt.date | None
    term_end: dt.date | None
    original_end: dt.date | None  # the approved end, when extensions moved it
    extensions: int
    exempted_provisions: list[str]
    conditions: list[str]
    scope: list[tuple[str, str]]


def _standing(app: Application, *, extensions: int, original_end: dt.date | None) -> str:
    start, end = human_date(app.term_start), human_date(app.term_end)
    if app.status == S.APPROVED:
        if app.track.insurance_required:
            return gettext(
                "Approved. The waiver comes into force on %(start)s, once the ministry has "
                "checked your liability insurance; until then the service may not run."
            ) % {"start": start}
        return gettext("Approved. The waiver comes into force on %(start)s.") % {"start": start}
    if app.status == S.ACTIVE:
        text = gettext("In force from %(start)s until %(end)s.") % {"start": start, "end": end}
        if extensions:
            text += " " + ngettext(
                "Extended once; the approved term ended on %(original)s.",
                "Extended %(count)s times; the approved term ended on %(original)s.",
                extensions,
            ) % {"count": extensions, "original": human_date(original_end)}
        return text
    if app.status == S.SUSPENDED:
        return gettext(
            "Suspended: the service must stop until the ministry resumes the waiver. The term "
            "still ends on %(end)s."
        ) % {"end": end}
    if app.status == S.CONTINUING:
        return gettext(
            "The term ended on %(end)s, but the waiver stays in force until the law has been "
            "amended."
        ) % {"end": end}
    if app.status == S.EXPIRED:
        return gettext("Ended: the term ran out on %(end)s.") % {"end": end}
    if app.status == S.REVOKED:
        return gettext("Revoked: the waiver no longer applies and the service must stop.")
    return gettext(
        "No longer needed: the law has been amended and the service runs under the new law."
    )


def waiver(app: Application) -> Waiver | None:
    """The approved waiver of a case (None before an approval): two queries."""
    if app.status not in WAIVER_STATUSES:
        return None
    decisions = list(
        app.decisions.filter(kind__in=[DecisionKind.APPROVAL, DecisionKind.EXTENSION]).order_by(
            "decided_at", "pk"
        )
    )
    approvals = [d for d in decisions if d.kind == DecisionKind.APPROVAL]
    if not approvals:
        return None
    approval = approvals[-1]
    extensions = sum(1 for d in decisions if d.kind == DecisionKind.EXTENSION)
    original_end = approval.term_end if approval.term_end != app.term_end else None
    scope = [
        (capfirst(Application._meta.get_field(name).verbose_name), value)
        for name, value in (
            ("region", app.region),
            ("scale", app.scale),
            ("max_users", f"{app.max_users:,}" if app.max_users is not None else ""),
        )
    ]
    return Waiver(
        standing=_standing(app, extensions=extensions, original_end=original_end),
        decided_on=app.program.local_date(approval.decided_at),
        committee_reference=approval.committee_reference,
        legal_basis=approval.legal_basis,
        term_start=app.term_start,
        term_end=app.term_end,
        original_end=original_end,
        extensions=extensions,
        exempted_provisions=[str(p) for p in approval.exempted_provisions or []],
        conditions=[str(c) for c in approval.conditions or []],
        scope=[(label, value) for label, value in scope if value],
    )


# --- the dashboard's groups ------------------------------------------------------------------
# An organisation with many cases reads them grouped by what they ask of it, the group that
# needs action first; each group shows a few cards and links to all of its cases in pages.

IN_REVIEW = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.DELIBERATION})
IN_FORCE = frozenset({S.APPROVED, S.ACTIVE, S.SUSPENDED, S.CONTINUING})


@dataclass
class Group:
    slug: str
    title: str
    empty: str
    rows: list[dict[str, Any]] = field(default_factory=list)


def group_titles() -> list[tuple[str, str, str]]:
    """(slug, title, what an empty group says), in the order the dashboard shows them."""
    return [
        ("action", gettext("Needs your action"), gettext("Nothing needs your action now.")),
        ("review", gettext("In review"), gettext("No application is being reviewed.")),
        ("active", gettext("Waivers in force"), gettext("No waiver is in force.")),
        ("closed", gettext("Closed"), gettext("No closed cases.")),
    ]


def group_of(row: dict[str, Any], *, now: dt.datetime) -> str:
    """Which dashboard group a case's row belongs to."""
    app: Application = row["case"]
    report: Report | None = row.get("open_report")
    if report is not None and (
        report.status == ReportStatus.REVISION_REQUESTED
        or report.period_end <= app.program.local_date(now)
    ):
        return "action"  # a report that can be filed now, or must be revised
    if app.status in (S.DRAFT, S.SUPPLEMENT_REQUESTED):
        return "action"
    if app.status == S.REJECTED and workflow.reconsideration_open(app, now=now):
        return "action"
    if app.status == S.APPROVED and app.track.insurance_required and not app.insurance_proofs.all():
        return "action"
    if app.status in IN_REVIEW:
        return "review"
    if app.status in IN_FORCE:
        return "active"
    return "closed"


def dashboard_groups(rows: list[dict[str, Any]], *, now: dt.datetime) -> list[Group]:
    groups = {slug: Group(slug, title, empty) for slug, title, empty in group_titles()}
    for row in rows:
        groups[group_of(row, now=now)].rows.append(row)
    return list(groups.values())


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
