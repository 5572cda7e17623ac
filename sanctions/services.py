"""Every write of the due-process procedure. Each follows the house shape: one transaction →
lock the case row → visibility (404) → version (409) → state (409) → permission (403) → input
(400) → write → audit event; the letters follow from the kernel's ``Decision`` records
(``documents`` renders them from ``Decision.details``).

The measures themselves are the kernel's transitions (``suspend``, ``revoke``, ``resume``):
these services call the kernel's services, whose transition guard (``selectors``) checks the
procedure again under the same lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as kernel_services
from applications import workflow
from applications.models import Application, Decision, DecisionKind
from applications.roles import Role
from applications.services import kernel
from applications.workflow import ApplicationStatus as S
from core.dates import human_date
from core.errors import InvalidInput, WrongState
from documents.models import DocumentType
from documents.services import (
    UploadedFile,
    document_attach,
    staff_document_attach,
    transaction_with_files,
)
from sanctions import availability, selectors
from sanctions import permissions as perms
from sanctions.models import (
    Hearing,
    Measure,
    NoticeStatus,
    Opinion,
    PriorNotice,
    ResumptionRequest,
    ResumptionStatus,
    Suspension,
    SuspensionStatus,
    UrgencyGround,
    UrgentMeasure,
)
from sanctions.vocabulary import SanctionsAction as A
from supervision.models import ConditionRecord, Incident, Report

ASSESSMENTS = ("accepted", "partly", "not_accepted")


def _text(value: str | None) -> str:
    return (value or "").strip()


def _lock(application: Application, by: Any, expected_version: int | None = None) -> Application:
    app = kernel.application_row_lock(application)
    kernel.require_visible(by, app)
    kernel.require_version(app, expected_version)
    return app


def _steps(steps: Sequence[str]) -> list[str]:
    return workflow.conditions_cleaned(steps)


def _period_problems(
    app: Application, ends_on: dt.date | None, steps: list[str], *, today: dt.date
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if ends_on is None:
        problems["ends_on"] = _("Enter the last day of the suspension.")
    elif ends_on <= today:
        problems["ends_on"] = _("The suspension must end after today (%(date)s).") % {
            "date": human_date(today)
        }
    if not steps:
        problems["cure_steps"] = _("List the steps the company must take to cure, one a line.")
    return problems


# --- what letters print ------------------------------------------------------------------------------


def _cited(notice: PriorNotice) -> list[dict[str, Any]]:
    cited: list[dict[str, Any]] = []
    for incident in notice.incidents.order_by("number"):
        cited.append(
            {
                "kind": "incident",
                "number": incident.number,
                "date": incident.occurred_at.date().isoformat(),
                "text": incident.description[:300],
            }
        )
    for condition in notice.conditions.order_by("number"):
        cited.append({"kind": "condition", "number": condition.number, "text": condition.text})
    for report in notice.reports.order_by("due_on"):
        cited.append(
            {
                "kind": "report",
                "number": report.number,
                "date": report.due_on.isoformat(),
                "text": str(report.get_kind_display()) + f" {report.number}",
            }
        )
    return cited


def notice_details(notice: PriorNotice) -> dict[str, Any]:
    return {
        "number": notice.number,
        "sent_on": notice.application.program.local_date(notice.sent_at).isoformat(),
        "measure": notice.measure,
        "grounds": notice.grounds,
        "cited": _cited(notice),
        "opinion_due": notice.opinion_due.isoformat(),
        "period_days": notice.period_days,
    }


def _procedure_details(notice: PriorNotice) -> dict[str, Any]:
    details: dict[str, Any] = {"notice": notice_details(notice), "opinion": None}
    if selectors.has_opinion(notice):
        opinion = notice.opinion
        details["opinion"] = {
            "submitted_on": notice.application.program.local_date(opinion.submitted_at).isoformat(),
            "hearing_requested": opinion.hearing_requested,
            "summary": opinion.text[:1000],
        }
    held = notice.hearings.filter(held_at__isnull=False).order_by("-held_at").first()
    if held is not None and held.held_at is not None:
        details["hearing"] = {"held_at": held.held_at.isoformat(), "place": held.place}
    return details


# --- prior notice --------------------------------------------------------------------------------------


def notice_send(
    *,
    application: Application,
    by: Any,
    measure: str,
    grounds: str,
    incidents: Sequence[Incident] = (),
    conditions: Sequence[ConditionRecord] = (),
    reports: Sequence[Report] = (),
    period_days: int | None = None,
    expected_version: int | None = None,
) -> PriorNotice:
    """A decision maker gives notice of an intended suspension or revocation: the grounds (text
    and the supervision records cited), the measure, and the opinion deadline (the track's
    opinion days from today). Its letter follows. After an urgent suspension, this is the
    notice procedure that follows it."""
    problems: dict[str, str] = {}
    if measure not in Measure.values:
        problems["measure"] = _("Choose the measure you intend: suspension or revocation.")
    if not _text(grounds):
        problems["grounds"] = _("State the facts that are the grounds for the measure.")
    if measure == Measure.SUSPEND and (period_days is None or period_days < 1):
        problems["period_days"] = _("Give how many days the suspension is intended to last.")
    if problems:
        raise InvalidInput(problems)
    now = timezone.now()
    with transaction.atomic():
        app = _lock(application, by, expected_version)
        availability.require_notice_sendable(by, app)
        follows = selectors.urgent_awaiting_notice(app)
        if measure == Measure.SUSPEND and app.status == S.SUSPENDED and follows is None:
            raise WrongState(_("The waiver is already suspended."))
        found_incidents = list(
            Incident.objects.filter(application=app, pk__in=[i.pk for i in incidents])
        )
        found_conditions = list(
            ConditionRecord.objects.filter(application=app, pk__in=[c.pk for c in conditions])
        )
        found_reports = list(Report.objects.filter(application=app, pk__in=[r.pk for r in reports]))
        if len(found_incidents) != len({i.pk for i in incidents}):
            problems["incidents"] = _("Choose incidents of this case.")
        if len(found_conditions) != len({c.pk for c in conditions}):
            problems["conditions"] = _("Choose conditions of this case.")
        if len(found_reports) != len({r.pk for r in reports}):
            problems["reports"] = _("Choose reports of this case.")
        if problems:
            raise InvalidInput(problems)
        today = app.program.local_date(now)
        notice = PriorNotice.objects.create(
            application=app,
            number=PriorNotice.objects.filter(application=app).count() + 1,
            measure=measure,
            grounds=_text(grounds),
            period_days=period_days if measure == Measure.SUSPEND else None,
            opinion_due=workflow.opinion_due(track=app.track, sent_on=today),
            follows=follows,
            sent_by=by,
            sent_at=now,
        )
        notice.incidents.set(found_incidents)
        notice.conditions.set(found_conditions)
        notice.reports.set(found_reports)
        details = notice_details(notice)
        notice.letter_decision = kernel.decision_record(
            application=app,
            kind=DecisionKind.PRIOR_NOTICE,
            decided_by=by,
            decided_at=now,
            legal_basis=app.track.legal_basis,
            term_start=app.term_start,
            term_end=app.term_end,
            details={"notice": details},
        )
        notice.save(update_fields=["letter_decision"])
        kernel.event_record(
            app,
            by,
            Role.DECISION_MAKER,
            A.PRIOR_NOTICE_SENT,
            {
                "notice": notice.number,
                "measure": measure,
                "grounds": notice.grounds,
                "cited": details["cited"],
                "opinion_due": notice.opinion_due,
                "due_on": notice.opinion_due,
                "period_days": notice.period_days,
                "follows_urgent": follows.pk if follows else None,
            },
            at=now,
        )
    return notice


def _notice_locked(
    notice: PriorNotice, by: Any, expected_version: int | None = None
) -> tuple[Application, PriorNotice]:
    app = _lock(notice.application, by, expected_version)
    fresh = PriorNotice.objects.select_for_update(of=("self",)).get(pk=notice.pk)
    return app, PriorNotice.objects.select_related("opinion", "follows").get(pk=fresh.pk)


def opinion_submit(
    *,
    notice: PriorNotice,
    by: Any,
    text: str,
    hearing_requested: bool = False,
    attachments: Sequence[UploadedFile] = (),
) -> Opinion:
    """The company answers a prior notice by its deadline: its opinion (with files), and/or a
    request for a hearing. Once in, the measure may be taken."""
    if not _text(text) and not hearing_requested:
        raise InvalidInput({"text": _("Give your opinion, or ask for a hearing (or both).")})
    now = timezone.now()
    with transaction_with_files() as written:
        app, notice = _notice_locked(notice, by)
        availability.require_opinion_open(by, app, notice)
        opinion = Opinion.objects.create(
            notice=notice,
            text=_text(text),
            hearing_requested=hearing_requested,
            submitted_by=by,
            submitted_at=now,
        )
        for file in attachments:
            opinion.attachments.add(
                document_attach(
                    application=app,
                    by=by,
                    doc_type=DocumentType.OPINION,
                    file=file,
                    written=written,
                )
            )
        kernel.event_record(
            app,
            by,
            Role.APPLICANT,
            A.OPINION_SUBMITTED,
            {
                "notice": notice.number,
                "hearing_requested": hearing_requested,
                "files": opinion.attachments.count(),
            },
            at=now,
        )
    return opinion


def hearing_schedule(
    *, notice: PriorNotice, by: Any, at: dt.datetime | None, place: str, online: bool = False
) -> Hearing:
    """A decision maker schedules a hearing on an open notice (date, place or online link); its
    notice letter follows."""
    now = timezone.now()
    problems: dict[str, str] = {}
    if at is None:
        problems["at"] = _("Enter the date and time of the hearing.")
    elif at <= now:
        problems["at"] = _("The hearing must be in the future.")
    if not _text(place):
        problems["place"] = _("Give the place, or the link for an online hearing.")
    if problems:
        raise InvalidInput(problems)
    assert at is not None
    with transaction.atomic():
        app, notice = _notice_locked(notice, by)
        availability.require_notice_step(by, app, notice, perms.can_schedule_hearing)
        hearing = Hearing.objects.create(
            notice=notice, scheduled_at=at, place=_text(place), online=online, scheduled_by=by
        )
        hearing.letter_decision = kernel.decision_record(
            application=app,
            kind=DecisionKind.HEARING_NOTICE,
            decided_by=by,
            decided_at=now,
            legal_basis=app.track.legal_basis,
            term_start=app.term_start,
            term_end=app.term_end,
            details={
                "notice": notice_details(notice),
                "hearing": {"at": at.isoformat(), "place": hearing.place, "online": online},
            },
        )
        hearing.save(update_fields=["letter_decision"])
        kernel.event_record(
            app,
            by,
            Role.DECISION_MAKER,
            A.HEARING_SCHEDULED,
            {"notice": notice.number, "at": at, "place": hearing.place, "online": online},
            at=now,
        )
    return hearing


def hearing_record(
    *,
    hearing: Hearing,
    by: Any,
    attendees: str,
    minutes: str,
    minutes_file: UploadedFile | None = None,
) -> Hearing:
    """After the hearing: who attended and the minutes (text, and the signed file if any)."""
    problems: dict[str, str] = {}
    if not _text(attendees):
        problems["attendees"] = _("List who attended.")
    if not _text(minutes):
        problems["minutes"] = _("Summarise what was said at the hearing.")
    if problems:
        raise InvalidInput(problems)
    now = timezone.now()
    with transaction_with_files() as written:
        app, notice = _notice_locked(hearing.notice, by)
        hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
        availability.require_notice_step(by, app, notice, perms.can_record_hearing)
        if hearing.held_at is not None:
            raise WrongState(_("The minutes of this hearing are already recorded."))
        if hearing.scheduled_at > now:
            raise WrongState(_("The hearing has not taken place yet."))
        hearing.held_at = hearing.scheduled_at
        hearing.attendees = _text(attendees)
        hearing.minutes = _text(minutes)
        if minutes_file is not None:
            hearing.minutes_file = staff_document_attach(
                application=app,
                by=by,
                doc_type=DocumentType.HEARING_MINUTES,
                file=minutes_file,
                written=written,
            )
        hearing.save()
        kernel.event_record(
            app,
            by,
            Role.DECISION_MAKER,
            A.HEARING_HELD,
            {"notice": notice.number, "held_at": hearing.held_at, "attendees": hearing.attendees},
            at=now,
        )
    return hearing


def notice_close(*, notice: PriorNotice, by: Any, reason: str) -> PriorNotice:
    """A decision maker closes a notice without taking the measure (the opinion convinced, the
    breach was cured)."""
    text = kernel.clean_text(reason, "reason", _("Say why no measure is taken."))
    now = timezone.now()
    with transaction.atomic():
        app, notice = _notice_locked(notice, by)
        availability.require_notice_step(by, app, notice, perms.can_close_prior_notice)
        notice.status = NoticeStatus.DROPPED
        notice.closed_at, notice.closed_by, notice.close_reason = now, by, text
        notice.save()
        kernel.event_record(
            app,
            by,
            Role.DECISION_MAKER,
            A.NOTICE_CLOSED,
            {"notice": notice.number, "reason": text},
            at=now,
        )
    return notice


def measure_take(
    *,
    notice: PriorNotice,
    by: Any,
    reason: str,
    assessment_outcome: str = "",
    assessment: str = "",
    ends_on: dt.date | None = None,
    cure_steps: Sequence[str] = (),
    expected_version: int | None = None,
) -> Decision:
    """A decision maker takes the measure of a notice, once the opinion is in or its deadline
    has passed (409 naming the date before that): suspension with a period and cure steps, or
    revocation. Where an opinion was given, the letter says whether and why it was accepted.
    A notice that follows an urgent suspension maintains the suspension (a new letter, no
    transition) or revokes."""
    text = kernel.clean_text(reason, "reason", _("Give the reasons for the measure."))
    steps = _steps(cure_steps)
    now = timezone.now()
    with transaction.atomic():
        app, notice = _notice_locked(notice, by, expected_version)
        availability.require_measure_open(by, app, notice)
        today = app.program.local_date(now)
        problems: dict[str, str] = {}
        opinion = selectors.has_opinion(notice)
        if opinion and assessment_outcome not in ASSESSMENTS:
            problems["assessment_outcome"] = _(
                "Say whether the company's opinion was accepted, in part or not."
            )
        if opinion and not _text(assessment):
            problems["assessment"] = _("Say why the opinion was or was not accepted.")
        if notice.measure == Measure.SUSPEND:
            problems.update(_period_problems(app, ends_on, steps, today=today))
        if problems:
            raise InvalidInput(problems)
        details = _procedure_details(notice)
        if opinion:
            details["assessment"] = {"outcome": assessment_outcome, "why": _text(assessment)}
        if notice.measure == Measure.SUSPEND:
            assert ends_on is not None
            details["period"] = {"start": today.isoformat(), "end": ends_on.isoformat()}
            details["cure_steps"] = steps
        current = selectors.suspension_in_force(app)
        token = _taking.set(notice.pk)  # the kernel's decision closes this notice
        try:
            if notice.measure == Measure.SUSPEND and app.status == S.SUSPENDED:
                # The notice that follows an urgent suspension: the suspension is maintained.
                decision = kernel.decision_record(
                    application=app,
                    kind=DecisionKind.SUSPENSION,
                    decided_by=by,
                    decided_at=now,
                    reasons=text,
                    legal_basis=app.track.legal_basis,
                    term_start=app.term_start,
                    term_end=app.term_end,
                    details=details,
                )
                kernel.event_record(
                    app,
                    by,
                    Role.DECISION_MAKER,
                    A.SUSPENSION_CONFIRMED,
                    {"notice": notice.number, "reason": text, "until": ends_on},
                    at=now,
                )
                if current is not None:
                    assert ends_on is not None
                    current.ends_on, current.cure_steps = ends_on, steps
                    current.period_ended_at = None
                    current.save()
            elif notice.measure == Measure.SUSPEND:
                decision = kernel_services.application_suspend(
                    application=app, by=by, reason=text, details=details
                )
            else:
                decision = kernel_services.application_revoke(
                    application=app, by=by, grounds=text, details=details
                )
        finally:
            _taking.reset(token)
        if notice.measure == Measure.SUSPEND and current is None:
            assert ends_on is not None
            Suspension.objects.create(
                application=app,
                decision=decision,
                notice=notice,
                starts_on=today,
                ends_on=ends_on,
                cure_steps=steps,
            )
        if notice.measure == Measure.REVOKE and current is not None:
            current.status = SuspensionStatus.REVOKED
            current.save(update_fields=["status"])
        notice.status = NoticeStatus.DECIDED
        notice.measure_decision = decision
        notice.assessment_outcome = assessment_outcome if opinion else ""
        notice.assessment = _text(assessment) if opinion else ""
        notice.closed_at, notice.closed_by = now, by
        notice.save()
        kernel.event_record(
            app,
            by,
            Role.DECISION_MAKER,
            A.NOTICE_DECIDED,
            {
                "notice": notice.number,
                "measure": notice.measure,
                "decision": decision.pk,
                "opinion": opinion,
                "assessment_outcome": notice.assessment_outcome,
                "assessment": notice.assessment,
            },
            at=now,
        )
    return decision


# --- the link between a measure and its notice ---------------------------------------------------


_taking: ContextVar[int | None] = ContextVar("sanctions_taking_notice", default=None)


def link_measure(*, decision: Decision) -> None:
    """Subscribed to the kernel's decisions (inside their transaction): a suspension or
    revocation closes the notice it was taken on, whichever path took it (``measure_take``, or
    the kernel's service called directly once the notice was ready), so a notice is used once."""
    measure = {
        DecisionKind.SUSPENSION: Measure.SUSPEND,
        DecisionKind.REVOCATION: Measure.REVOKE,
    }.get(DecisionKind(decision.kind))
    if measure is None:
        return
    app = decision.application
    chosen = _taking.get()
    notice = (
        PriorNotice.objects.filter(pk=chosen).first()
        if chosen is not None
        else selectors.ready_notice(app, measure, today=app.program.local_date(decision.decided_at))
    )
    if notice is None or not notice.is_open:
        return
    notice.status = NoticeStatus.DECIDED
    notice.measure_decision = decision
    notice.closed_at, notice.closed_by = decision.decided_at, decision.decided_by
    notice.save(update_fields=["status", "measure_decision", "closed_at", "closed_by"])


# --- urgent suspension ------------------------------------------------------------------------------


def urgent_suspend(
    *,
    application: Application,
    by: Any,
    ground: str,
    explanation: str,
    ends_on: dt.date | None,
    cure_steps: Sequence[str],
    expected_version: int | None = None,
) -> Decision:
    """An immediate suspension without prior notice, only for a recorded danger to life, health
    or safety; the notice procedure follows it (the case page asks for the notice)."""
    steps = _steps(cure_steps)
    problems: dict[str, str] = {}
    if ground not in UrgencyGround.values:
        problems["ground"] = _(
            "An urgent suspension needs its ground: danger to life, health or safety. Otherwise "
            "send a prior notice."
        )
    if not _text(explanation):
        problems["explanation"] = _("Explain the danger and why it cannot wait for a notice.")
    if problems:
        raise InvalidInput(problems)
    now = timezone.now()
    with transaction.atomic():
        app = _lock(application, by, expected_version)
        availability.require_urgent_open(by, app)
        today = app.program.local_date(now)
        problems = _period_problems(app, ends_on, steps, today=today)
        if problems:
            raise InvalidInput(problems)
        assert ends_on is not None
        urgent = UrgentMeasure.objects.create(
            application=app,
            ground=ground,
            explanation=_text(explanation),
            taken_by=by,
            taken_at=now,
        )
        kernel.event_record(
            app,
            by,
            Role.DECISION_MAKER,
            A.URGENT_GROUND_RECORDED,
            {"ground": ground, "explanation": urgent.explanation},
            at=now,
        )
        decision = kernel_services.application_suspend(
            application=app,
            by=by,
            reason=urgent.explanation,
            kind=DecisionKind.URGENT_SUSPENSION,
            details={
                "urgency": {"ground": ground, "explanation": urgent.explanation},
                "period": {"start": today.isoformat(), "end": ends_on.isoformat()},
                "cure_steps": steps,
            },
        )
        urgent.decision = decision
        urgent.save(update_fields=["decision"])
        Suspension.objects.create(
            application=app,
            decision=decision,
            urgent=urgent,
            starts_on=today,
            ends_on=ends_on,
            cure_steps=steps,
        )
    return decision


# --- resumption ----------------------------------------------------------------------------------------


def resumption_request(
    *,
    application: Application,
    by: Any,
    evidence: str,
    attachments: Sequence[UploadedFile] = (),
) -> ResumptionRequest:
    """The company asks for its suspension to be lifted, with evidence of the cure."""
    if not _text(evidence):
        raise InvalidInput(
            {"evidence": _("Say what you did to cure the grounds of the suspension.")}
        )
    now = timezone.now()
    with transaction_with_files() as written:
        app = _lock(application, by)
        availability.require_suspended(by, app, perms.can_request_resumption)
        suspension = selectors.suspension_in_force(app)
        if suspension is None:
            raise WrongState(_("This suspension has no period on record; contact the ministry."))
        if selectors.pending_resumption(suspension) is not None:
            raise WrongState(_("A resumption request is already waiting for a decision."))
        request = ResumptionRequest.objects.create(
            suspension=suspension, evidence=_text(evidence), requested_by=by, requested_at=now
        )
        for file in attachments:
            request.attachments.add(
                document_attach(
                    application=app,
                    by=by,
                    doc_type=DocumentType.CURE_EVIDENCE,
                    file=file,
                    written=written,
                )
            )
        kernel.event_record(
            app,
            by,
            Role.APPLICANT,
            A.RESUMPTION_REQUESTED,
            {"request": request.pk, "files": request.attachments.count()},
            at=now,
        )
    return request


def suspension_decide(
    *,
    application: Application,
    by: Any,
    resume: bool,
    reason: str,
    new_end: dt.date | None = None,
    cure_steps: Sequence[str] = (),
    expected_version: int | None = None,
) -> Decision:
    """A decision maker lifts the suspension (the waiver returns to where it was) or extends it
    to a new end (with its letter); a waiting resumption request is decided with it."""
    text = kernel.clean_text(reason, "reason", _("Give the reasons for your decision."))
    steps = _steps(cure_steps)
    now = timezone.now()
    with transaction.atomic():
        app = _lock(application, by, expected_version)
        availability.require_suspended(by, app, perms.can_decide_suspension)
        suspension = selectors.suspension_in_force(app)
        request = selectors.pending_resumption(suspension)
        today = app.program.local_date(now)
        if resume:
            decision = kernel_services.application_resume(
                application=app,
                by=by,
                reason=text,
                details={"request": request.pk if request else None},
            )
            if suspension is not None:
                suspension.status = SuspensionStatus.RESUMED
                suspension.save(update_fields=["status"])
        else:
            if suspension is None:
                raise WrongState(_("This suspension has no period on record to extend."))
            problems: dict[str, str] = {}
            if new_end is None:
                problems["new_end"] = _("Enter the new last day of the suspension.")
            elif new_end <= max(suspension.ends_on, today):
                problems["new_end"] = _(
                    "The new end must be after the current end (%(date)s) and after today."
                ) % {"date": human_date(suspension.ends_on)}
            if problems:
                raise InvalidInput(problems)
            assert new_end is not None
            suspension.ends_on = new_end
            suspension.cure_steps = steps or suspension.cure_steps
            suspension.times_extended += 1
            suspension.period_ended_at = None
            suspension.save()
            decision = kernel.decision_record(
                application=app,
                kind=DecisionKind.SUSPENSION_EXTENSION,
                decided_by=by,
                decided_at=now,
                reasons=text,
                legal_basis=app.track.legal_basis,
                term_start=app.term_start,
                term_end=app.term_end,
                details={
                    "period": {
                        "start": suspension.starts_on.isoformat(),
                        "end": new_end.isoformat(),
                    },
                    "cure_steps": suspension.cure_steps,
                },
            )
            kernel.event_record(
                app,
                by,
                Role.DECISION_MAKER,
                A.SUSPENSION_EXTENDED,
                {"until": new_end, "reason": text, "request": request.pk if request else None},
                at=now,
            )
        if request is not None:
            request.status = ResumptionStatus.GRANTED if resume else ResumptionStatus.REFUSED
            request.decided_by, request.decided_at, request.decision_reason = by, now, text
            request.save()
    return decision


def suspension_period_end(*, suspension: Suspension, now: dt.datetime, rule: str) -> None:
    """System: the period of a suspension ran out without a cure; the case goes to the decision
    maker's queue (a ``suspension_ends`` step on the case, the suspension marked)."""
    with transaction.atomic():
        app = kernel.application_row_lock(suspension.application)
        current = Suspension.objects.select_for_update().get(pk=suspension.pk)
        if (
            current.status != SuspensionStatus.IN_FORCE
            or current.period_ended_at is not None
            or app.program.local_date(now) <= current.ends_on
        ):
            raise WrongState(_("This suspension's period has not ended, or was already marked."))
        kernel_services.application_mark_suspension_ended(
            application=app, now=now, rule=rule, until=current.ends_on
        )
        current.period_ended_at = now
        current.save(update_fields=["period_ended_at"])
