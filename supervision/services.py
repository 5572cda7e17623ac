"""Every write of supervision, each one transaction in the kernel's shape: lock the case row →
visibility (404) → version (409) → state (409) → permission (403) → guards (400) → write →
audit event → effects after commit. Files are stored inside the same transaction and removed if
it fails (``documents.services.transaction_with_files``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as kernel
from applications.models import Application, Decision, DecisionKind, InsuranceProof
from applications.roles import Role
from applications.services.kernel import require_visible
from core.dates import human_date
from core.errors import InvalidInput, NotVisible, StaleVersion, WrongState
from documents.models import DocumentType
from documents.services import UploadedFile, document_attach, transaction_with_files
from supervision import availability, notifications, schedule, selectors
from supervision.models import (
    OPEN_REPORT_STATUSES,
    CaseAttention,
    ConditionRecord,
    ConditionStatus,
    CoverageGap,
    FilingStatus,
    Incident,
    IncidentCategory,
    IncidentMessage,
    IncidentStatus,
    InsurancePolicy,
    MessageKind,
    Report,
    ReportKind,
    ReportStatus,
    ReportSubmission,
    ReportValue,
    ReviewOutcome,
    Severity,
    UserNotice,
)
from supervision.vocabulary import SupervisionAction as A

MAX_VALUE = 200


def _text(value: str | None) -> str:
    return (value or "").strip()


def _lock(application: Application, by: Any) -> Application:
    app = kernel.application_row_lock(application)
    require_visible(by, app)
    return app


def _record_version(current: int, expected: int | None) -> None:
    if expected is not None and current != expected:
        raise StaleVersion(
            _(
                "This record changed since you opened it. Reload the page to see the changes, "
                "then try again."
            )
        )


def _expected_count(current: int, expected: int | None, message: str) -> None:
    """A filing form carries how many such filings the case had when it was opened, so that a
    replayed form (back button, second tab, double click) files nothing twice."""
    if expected is not None and current != expected:
        raise StaleVersion(message)


# --- the schedule, made and kept by decisions --------------------------------------------------------


def _rules(app: Application) -> schedule.Rules | None:
    found = selectors.settings_for(app.track)
    if found is None:
        return None
    return schedule.Rules(
        interval_months=found.report_interval_months,
        due_days=found.report_due_days,
        final_days=found.final_report_days,
    )


def _create_reports(app: Application, planned: Sequence[schedule.Planned], first: int) -> None:
    now = timezone.now()
    Report.objects.bulk_create(
        Report(
            application=app,
            number=first + index,
            kind=item.kind,
            period_start=item.period_start,
            period_end=item.period_end,
            due_on=item.due_on,
            condition_number=item.condition_number,
            created_at=now,
        )
        for index, item in enumerate(planned)
    )


def schedule_on_decision(*, decision: Decision) -> None:
    """Inside a decision's transaction (subscribed to ``effects.on_decision``): an approval makes
    the reporting schedule (from the track's settings and the conditions' reporting duties) and
    the conditions register; an extension moves the final report and adds the periodic reports
    of the added time; a revocation ends the schedule at the revocation. Records no event: the
    decision's own event and letter say it."""
    app = decision.application
    if decision.kind == DecisionKind.APPROVAL:
        _schedule_approval(app, decision)  # reports still to come: nothing waits yet
    elif decision.kind == DecisionKind.EXTENSION:
        _schedule_extension(app)
        attention_refresh(app.pk)  # a gap flagged for the old term end no longer counts
    elif decision.kind == DecisionKind.REVOCATION:
        _schedule_revocation(app, decision)
        attention_refresh(app.pk)  # reports cancelled or moved: the summary follows them


def _schedule_approval(app: Application, decision: Decision) -> None:
    if decision.term_start is None or decision.term_end is None:
        return
    conditions = list(decision.conditions or [])
    planned = schedule.plan(
        term_start=decision.term_start,
        term_end=decision.term_end,
        rules=_rules(app),
        conditions=conditions,
    )
    _create_reports(app, planned, first=Report.objects.filter(application=app).count() + 1)
    ConditionRecord.objects.bulk_create(
        ConditionRecord(application=app, decision=decision, number=number, text=text)
        for number, text in enumerate(conditions, start=1)
    )


def _approval_conditions(app: Application) -> list[str]:
    approval = app.decisions.filter(kind=DecisionKind.APPROVAL).order_by("-decided_at").first()
    return list(approval.conditions or []) if approval else []


def _schedule_extension(app: Application) -> None:
    if app.term_start is None or app.term_end is None:
        return
    planned = schedule.plan(
        term_start=app.term_start,
        term_end=app.term_end,
        rules=_rules(app),
        conditions=_approval_conditions(app),
    )
    existing = list(Report.objects.filter(application=app))
    final_plan = next((p for p in planned if p.kind == ReportKind.FINAL), None)
    finals = [r for r in existing if r.kind == ReportKind.FINAL]
    for report in finals:
        if final_plan is not None and report.status in OPEN_REPORT_STATUSES:
            report.period_end, report.due_on = final_plan.period_end, final_plan.due_on
            report.version += 1
            report.save(update_fields=["period_end", "due_on", "version"])
    last_end = max((r.period_end for r in existing if r.kind == ReportKind.PERIODIC), default=None)
    added = [
        p
        for p in planned
        if p.kind == ReportKind.PERIODIC and (last_end is None or p.period_start > last_end)
    ]
    if final_plan is not None and not finals:
        added.append(final_plan)
    _create_reports(app, added, first=len(existing) + 1)


def _schedule_revocation(app: Application, decision: Decision) -> None:
    ended = app.program.local_date(decision.decided_at)
    rules = _rules(app)
    final_days = (rules.final_days if rules else None) or schedule.DEFAULT_FINAL_DAYS
    for report in Report.objects.filter(application=app, status__in=OPEN_REPORT_STATUSES):
        if report.kind == ReportKind.FINAL:
            report.period_end = min(report.period_end, ended)
            report.due_on = report.period_end + dt.timedelta(days=final_days)
            report.version += 1
            report.save(update_fields=["period_end", "due_on", "version"])
        elif report.period_end > ended:  # the final report covers a quarter in progress
            report.status = ReportStatus.CANCELLED
            report.version += 1
            report.save(update_fields=["status", "version"])


# --- what awaits staff (the queue's Supervision tab) ---------------------------------------------------


def attention_refresh(application_id: int) -> None:
    """Make the case's ``CaseAttention`` say what waits on it now: the last step of every
    service here that changes a report, incident, filing or gap, inside its transaction and
    under the case's row lock (two changes to one case take turns)."""
    work, filings = selectors.attention_of(application_id)
    if work or filings:
        CaseAttention.objects.update_or_create(
            application_id=application_id, defaults={"work": work, "filings": filings}
        )
    else:
        CaseAttention.objects.filter(application_id=application_id).delete()


def attention_on_event(*, event: Any) -> None:
    """Inside the transaction of a kernel change that supervision counts (``apps.py``): an
    insurance proof added through the kernel awaits review."""
    if event.application_id is not None:
        attention_refresh(event.application_id)


# --- reports -------------------------------------------------------------------------------------------


def report_file(
    *,
    report: Report,
    by: Any,
    period_start: dt.date | None,
    period_end: dt.date | None,
    users_served: int | None,
    transactions: int | None,
    complaints: int | None,
    complaints_summary: str = "",
    incidents_summary: str = "",
    problems: str = "",
    values: Mapping[int, str] | None = None,
    attachments: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
) -> ReportSubmission:
    """The company files a report (or its revision): the period, a value for each data item of
    its test plan, users and transactions served, complaints, incidents, problems and changes,
    files. The period must lie within the term, start to end."""
    wrong: dict[str, str] = {}
    if period_start is None:
        wrong["period_start"] = _("Enter the first day of the period.")
    if period_end is None:
        wrong["period_end"] = _("Enter the last day of the period.")
    if period_start and period_end and period_end < period_start:
        wrong["period_end"] = _("The period must end on or after the day it starts.")
    for name, number in (
        ("users_served", users_served),
        ("transactions", transactions),
        ("complaints", complaints),
    ):
        if number is None or number < 0:
            wrong[name] = _("Give a whole number, 0 or more.")
    if complaints and not _text(complaints_summary):
        wrong["complaints_summary"] = _(
            "Say what the complaints were about and how they were handled."
        )
    if wrong:
        raise InvalidInput(wrong)
    assert period_start is not None and period_end is not None
    assert users_served is not None and transactions is not None and complaints is not None
    values = dict(values or {})
    with transaction_with_files() as written:
        app = _lock(report.application, by)
        current = Report.objects.select_for_update().filter(pk=report.pk, application=app).first()
        if current is None:
            raise NotVisible(_("No such report."))
        _record_version(current.version, expected_version)
        availability.require_open("file_report", by, app)
        if current.status not in OPEN_REPORT_STATUSES:
            raise WrongState(
                _("This report is %(status)s; it cannot be filed again.")
                % {"status": current.get_status_display()}
            )
        assert app.term_start is not None and app.term_end is not None
        if app.program.local_date(timezone.now()) < current.period_end:
            raise WrongState(
                _("This report can be filed from %(date)s, the last day of its period.")
                % {"date": human_date(current.period_end)}
            )
        if period_start < app.term_start or period_end > app.term_end:
            raise InvalidInput(
                {
                    "period_start" if period_start < app.term_start else "period_end": _(
                        "The period must lie within the term, %(start)s to %(end)s."
                    )
                    % {"start": human_date(app.term_start), "end": human_date(app.term_end)}
                }
            )
        items = list(selectors.data_items_of(app))
        missing = {
            f"value_{item.pk}": _("Give the value of “%(name)s” for the period.")
            % {"name": item.name}
            for item in items
            if not _text(values.get(item.pk))
        }
        unknown = set(values) - {item.pk for item in items}
        if unknown:
            raise InvalidInput({"__all__": _("A value was given for a data item not in the plan.")})
        long = {
            f"value_{item.pk}": _("Use at most %(max)s characters.") % {"max": MAX_VALUE}
            for item in items
            if len(_text(values.get(item.pk))) > MAX_VALUE
        }
        if missing or long:
            raise InvalidInput({**missing, **long})
        filing = ReportSubmission.objects.create(
            report=current,
            number=current.submissions.count() + 1,
            period_start=period_start,
            period_end=period_end,
            users_served=users_served,
            transactions=transactions,
            complaints=complaints,
            complaints_summary=_text(complaints_summary),
            incidents_summary=_text(incidents_summary),
            problems=_text(problems),
            submitted_by=by,
            submitted_at=timezone.now(),
        )
        ReportValue.objects.bulk_create(
            ReportValue(
                submission=filing,
                data_item=item,
                name=item.name,
                unit=item.unit,
                value=_text(values.get(item.pk)),
            )
            for item in items
        )
        for file in attachments:
            filing.attachments.add(
                document_attach(
                    application=app,
                    by=by,
                    doc_type=DocumentType.REPORT,
                    file=file,
                    written=written,
                )
            )
        current.status = ReportStatus.SUBMITTED
        current.version += 1
        current.save(update_fields=["status", "version"])
        kernel.event_record(
            app,
            by,
            Role.APPLICANT,
            A.REPORT_SUBMITTED,
            {
                "report": current.number,
                "kind": current.kind,
                "filing": filing.number,
                "period_start": period_start,
                "period_end": period_end,
                "due_on": current.due_on,
            },
        )
        attention_refresh(app.pk)
    return filing


def report_review(
    *,
    report: Report,
    by: Any,
    accept: bool,
    reasons: str = "",
    expected_version: int | None = None,
) -> Report:
    """An officer of the lead ministry accepts a filed report or asks for a revision, giving the
    reasons (the company sees them and files again)."""
    text = _text(reasons)
    with transaction.atomic():
        app = _lock(report.application, by)
        current = Report.objects.select_for_update().filter(pk=report.pk, application=app).first()
        if current is None:
            raise NotVisible(_("No such report."))
        _record_version(current.version, expected_version)
        if current.status != ReportStatus.SUBMITTED:
            raise WrongState(
                _("This report is %(status)s; there is no filing to review.")
                % {"status": current.get_status_display()}
            )
        availability.require_open("review_report", by, app)
        if not accept and not text:
            raise InvalidInput({"reasons": _("Say what must be revised, and why.")})
        filing = current.submissions.order_by("-number").first()
        assert filing is not None
        filing.outcome = ReviewOutcome.ACCEPTED if accept else ReviewOutcome.REVISION_REQUESTED
        filing.review_reasons, filing.reviewed_by, filing.reviewed_at = text, by, timezone.now()
        filing.save(update_fields=["outcome", "review_reasons", "reviewed_by", "reviewed_at"])
        current.status = ReportStatus.ACCEPTED if accept else ReportStatus.REVISION_REQUESTED
        current.version += 1
        current.save(update_fields=["status", "version"])
        kernel.event_record(
            app,
            by,
            Role.CASE_OFFICER,
            A.REPORT_ACCEPTED if accept else A.REPORT_REVISION_REQUESTED,
            {"report": current.number, "filing": filing.number, "reasons": text},
        )
        attention_refresh(app.pk)
    return current


REMINDER_DAYS: tuple[int, ...] = (14, 3)


def reminder_stage(days_left: int) -> int | None:
    """The smallest reminder stage (14 or 3 days) not below ``days_left``."""
    stages = [d for d in REMINDER_DAYS if days_left <= d]
    return min(stages) if stages and days_left >= 0 else None


def report_remind(*, report: Report, now: dt.datetime, rule: str) -> None:
    """System: remind the company that a report is due (14 and 3 days before), each once."""
    with transaction.atomic():
        app = kernel.application_row_lock(report.application)
        current = Report.objects.select_for_update().get(pk=report.pk)
        days_left = (current.due_on - app.program.local_date(now)).days
        stage = reminder_stage(days_left)
        if (
            current.status != ReportStatus.DUE
            or stage is None
            or (current.reminded_days is not None and current.reminded_days <= stage)
        ):
            raise WrongState(_("No reminder is due for this report."))
        current.reminded_days = stage
        current.save(update_fields=["reminded_days"])
        kernel.event_record(
            app,
            None,
            Role.SYSTEM,
            A.REPORT_REMINDER,
            {
                "rule": rule,
                "report": current.number,
                "kind": current.kind,
                "due_on": current.due_on,
                "days_before": stage,
                "days_left": days_left,
            },
            at=now,
        )


def report_flag_overdue(*, report: Report, now: dt.datetime, rule: str) -> None:
    """System: a report not filed by the end of its due date (programme time zone) is flagged
    overdue, once; staff see it in the queue and the company is told."""
    with transaction.atomic():
        app = kernel.application_row_lock(report.application)
        current = Report.objects.select_for_update().get(pk=report.pk)
        if (
            current.status != ReportStatus.DUE
            or current.overdue_at is not None
            or app.program.local_date(now) <= current.due_on
        ):
            raise WrongState(_("This report is not overdue."))
        current.overdue_at = now
        current.save(update_fields=["overdue_at"])
        kernel.event_record(
            app,
            None,
            Role.SYSTEM,
            A.REPORT_OVERDUE,
            {
                "rule": rule,
                "report": current.number,
                "kind": current.kind,
                "due_on": current.due_on,
            },
            at=now,
        )
        attention_refresh(app.pk)


# --- incidents ---------------------------------------------------------------------------------------


def incident_report(
    *,
    application: Application,
    by: Any,
    category: str,
    severity: str,
    occurred_at: dt.datetime | None,
    detected_at: dt.datetime | None,
    affected_users: int | None,
    description: str,
    actions_taken: str,
    corrective_actions: str = "",
    attachments: Sequence[UploadedFile] = (),
    expected_count: int | None = None,
) -> Incident:
    """The company reports an incident. Reported later than the track's deadline after its
    detection (24 hours for serious ones by default), it is marked late. A serious incident is
    emailed at once to the lead ministry's officers and decision makers."""
    now = timezone.now()
    wrong: dict[str, str] = {}
    if category not in IncidentCategory.values:
        wrong["category"] = _("Choose one of the listed categories.")
    if severity not in Severity.values:
        wrong["severity"] = _("Choose how serious the incident is.")
    if occurred_at is None:
        wrong["occurred_at"] = _("Enter when the incident happened.")
    if detected_at is None:
        wrong["detected_at"] = _("Enter when you found out about it.")
    if occurred_at and occurred_at > now:
        wrong["occurred_at"] = _("The incident cannot have happened in the future.")
    if detected_at and detected_at > now:
        wrong["detected_at"] = _("You cannot have found out about it in the future.")
    if occurred_at and detected_at and detected_at < occurred_at:
        wrong["detected_at"] = _("It cannot have been found before it happened.")
    if affected_users is None or affected_users < 0:
        wrong["affected_users"] = _("Give the number of users affected, 0 or more.")
    if not _text(description):
        wrong["description"] = _("Describe what happened.")
    if not _text(actions_taken):
        wrong["actions_taken"] = _("Say what was done at once.")
    if wrong:
        raise InvalidInput(wrong)
    assert occurred_at is not None and detected_at is not None and affected_users is not None
    with transaction_with_files() as written:
        app = _lock(application, by)
        _expected_count(
            Incident.objects.filter(application=app).count(),
            expected_count,
            _(
                "An incident was reported on this case since you opened the form. Check the case "
                "page; send the form again only if this is another incident."
            ),
        )
        availability.require_open("report_incident", by, app)
        assert app.term_start is not None
        if app.program.local_date(occurred_at) < app.term_start:
            raise InvalidInput(
                {
                    "occurred_at": _(
                        "The term started on %(start)s; an incident before it is not one of this "
                        "waiver's."
                    )
                    % {"start": human_date(app.term_start)}
                }
            )
        hours = selectors.incident_deadline_hours(app.track, severity)
        late = hours is not None and now - detected_at > dt.timedelta(hours=hours)
        incident = Incident.objects.create(
            application=app,
            number=Incident.objects.filter(application=app).count() + 1,
            category=category,
            severity=severity,
            occurred_at=occurred_at,
            detected_at=detected_at,
            reported_at=now,
            affected_users=affected_users,
            description=_text(description),
            actions_taken=_text(actions_taken),
            corrective_actions=_text(corrective_actions),
            deadline_hours=hours,
            late=late,
            reported_by=by,
        )
        for file in attachments:
            incident.attachments.add(
                document_attach(
                    application=app,
                    by=by,
                    doc_type=DocumentType.INCIDENT,
                    file=file,
                    written=written,
                )
            )
        kernel.event_record(
            app,
            by,
            Role.APPLICANT,
            A.INCIDENT_REPORTED,
            {
                "incident": incident.number,
                "category": category,
                "severity": severity,
                "detected_at": detected_at,
                "deadline_hours": hours,
                "late": late,
                "affected_users": affected_users,
            },
            at=now,
        )
        attention_refresh(app.pk)
        if incident.is_serious:
            notifications.notify_after_commit(incident.pk)
    return incident


# Which incident step is open from which status.
_INCIDENT_STEPS: dict[str, tuple[frozenset[str], str, str]] = {
    # step: (from statuses, to status, message kind)
    "acknowledge": (
        frozenset({IncidentStatus.REPORTED, IncidentStatus.ANSWERED}),
        IncidentStatus.ACKNOWLEDGED,
        MessageKind.ACKNOWLEDGEMENT,
    ),
    "ask": (
        frozenset({IncidentStatus.REPORTED, IncidentStatus.ACKNOWLEDGED, IncidentStatus.ANSWERED}),
        IncidentStatus.AWAITING_ANSWER,
        MessageKind.QUESTION,
    ),
    "answer": (
        frozenset({IncidentStatus.AWAITING_ANSWER}),
        IncidentStatus.ANSWERED,
        MessageKind.ANSWER,
    ),
    "close": (
        frozenset(
            {
                IncidentStatus.REPORTED,
                IncidentStatus.ACKNOWLEDGED,
                IncidentStatus.AWAITING_ANSWER,
                IncidentStatus.ANSWERED,
            }
        ),
        IncidentStatus.CLOSED,
        MessageKind.CLOSURE,
    ),
}
INCIDENT_STEP_ACTION = {
    "acknowledge": A.INCIDENT_ACKNOWLEDGED,
    "ask": A.INCIDENT_QUESTION_ASKED,
    "answer": A.INCIDENT_ANSWERED,
    "close": A.INCIDENT_CLOSED,
}


def incident_steps_open(incident: Incident) -> frozenset[str]:
    """The steps the incident's status allows (who may take them is the permission's say)."""
    return frozenset(
        step for step, (sources, _t, _k) in _INCIDENT_STEPS.items() if incident.status in sources
    )


def incident_step(
    *, incident: Incident, by: Any, step: str, text: str = "", expected_version: int | None = None
) -> Incident:
    """Staff acknowledge, ask a question or close an incident; the company answers a question.
    A question and an answer need their text; acknowledging and closing take an optional
    note."""
    if step not in _INCIDENT_STEPS:
        raise InvalidInput({"step": _("Choose what to do.")})
    sources, target, kind = _INCIDENT_STEPS[step]
    note = _text(text)
    with transaction.atomic():
        app = _lock(incident.application, by)
        current = (
            Incident.objects.select_for_update().filter(pk=incident.pk, application=app).first()
        )
        if current is None:
            raise NotVisible(_("No such incident."))
        _record_version(current.version, expected_version)
        if current.status not in sources:
            raise WrongState(
                _("This incident is %(status)s; that step is not open.")
                % {"status": current.get_status_display()}
            )
        company = step == "answer"
        availability.require_open(
            "answer_incident_question" if company else "handle_incident", by, app
        )
        if step in ("ask", "answer") and not note:
            raise InvalidInput(
                {"text": _("Write the question.") if step == "ask" else _("Write your answer.")}
            )
        now = timezone.now()
        IncidentMessage.objects.create(
            incident=current,
            kind=kind,
            text=note,
            author=by,
            author_role=Role.APPLICANT if company else Role.CASE_OFFICER,
            at=now,
        )
        current.status = target
        current.version += 1
        current.save(update_fields=["status", "version"])
        kernel.event_record(
            app,
            by,
            Role.APPLICANT if company else Role.CASE_OFFICER,
            INCIDENT_STEP_ACTION[step],
            {"incident": current.number, "message": note},
            at=now,
        )
        attention_refresh(app.pk)
    return current


def sanction_with_incidents(
    *,
    application: Application,
    by: Any,
    measure: str,
    reason: str,
    incidents: Sequence[Incident] = (),
    expected_version: int | None = None,
) -> Decision:
    """A decision maker suspends or revokes the waiver citing reported incidents as its grounds:
    the kernel's decision (and its letter) and the link to the incidents, in one transaction."""
    if measure not in ("suspend", "revoke"):
        raise InvalidInput({"measure": _("Choose suspension or revocation.")})
    with transaction.atomic():
        ids = {i.pk for i in incidents}
        found = list(Incident.objects.filter(pk__in=ids, application_id=application.pk))
        if len(found) != len(ids):
            raise InvalidInput({"incidents": _("Choose incidents of this case.")})
        if measure == "suspend":
            decision = kernel.application_suspend(
                application=application, by=by, reason=reason, expected_version=expected_version
            )
        else:
            decision = kernel.application_revoke(
                application=application, by=by, grounds=reason, expected_version=expected_version
            )
        if found:
            for incident in found:
                incident.sanctions.add(decision)
            kernel.event_record(
                decision.application,
                by,
                Role.DECISION_MAKER,
                A.INCIDENTS_CITED,
                {
                    "decision": decision.pk,
                    "measure": measure,
                    "incidents": sorted(i.number for i in found),
                },
            )
    return decision


# --- insurance -------------------------------------------------------------------------------------------


def insurance_policy_file(
    *,
    application: Application,
    by: Any,
    insurer: str,
    policy_number: str,
    coverage_start: dt.date | None,
    coverage_end: dt.date | None,
    insured_amount: int | None,
    coverage_per_person: int | None = None,
    coverage_per_accident: int | None = None,
    certificate: UploadedFile | None = None,
    expected_count: int | None = None,
) -> InsuranceProof:
    """The company files a liability insurance policy: the kernel's proof (insurer, policy,
    period, cover) with its certificate, awaiting the officer's review. The cover must reach into
    the term and meet the track's minimums; a policy ending before the term does is allowed
    (a renewal follows), and the deadline sweep flags and reminds until it does."""
    with transaction_with_files() as written:
        app = _lock(application, by)
        _expected_count(
            InsuranceProof.objects.filter(application=app).count(),
            expected_count,
            _(
                "An insurance policy was filed on this case since you opened the form. Check the "
                "case page; send the form again only to file another policy."
            ),
        )
        proof = kernel.insurance_proof_add(
            application=application,
            by=by,
            insurer=insurer,
            policy_number=policy_number,
            coverage_start=coverage_start,
            coverage_end=coverage_end,
            insured_amount=insured_amount,
            coverage_per_person=coverage_per_person,
            coverage_per_accident=coverage_per_accident,
        )
        assert app.term_start is not None and app.term_end is not None
        if proof.coverage_end < app.term_start:
            raise InvalidInput(
                {
                    "coverage_end": _("This cover ends before the term starts (%(start)s).")
                    % {"start": human_date(app.term_start)}
                }
            )
        if proof.coverage_start > app.term_end:
            raise InvalidInput(
                {
                    "coverage_start": _("This cover starts after the term ends (%(end)s).")
                    % {"end": human_date(app.term_end)}
                }
            )
        shortfall = selectors.cover_shortfall(proof, selectors.settings_for(app.track))
        if shortfall:
            raise InvalidInput(shortfall)
        document = None
        if certificate is not None:
            document = document_attach(
                application=app,
                by=by,
                doc_type=DocumentType.INSURANCE,
                file=certificate,
                written=written,
            )
        InsurancePolicy.objects.create(proof=proof, certificate=document)
        _resolve_gaps(app)
        attention_refresh(app.pk)
    return proof


def _resolve_gaps(app: Application) -> None:
    """A coverage gap is resolved once cover on file reaches the term end."""
    until = selectors.covered_until(app)
    if app.term_end is not None and until is not None and until >= app.term_end:
        CoverageGap.objects.filter(application=app, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )


def _review(
    *,
    app: Application,
    by: Any,
    accept: bool,
    reasons: str,
    action: str,
    accepted: str,
    returned: str,
    record: InsurancePolicy | UserNotice,
    payload: dict[str, Any],
) -> None:
    text = _text(reasons)
    if record.status != FilingStatus.SUBMITTED:
        raise WrongState(
            _("This was already reviewed (%(status)s).") % {"status": record.get_status_display()}
        )
    availability.require_open(action, by, app)
    if not accept and not text:
        raise InvalidInput({"reasons": _("Say why it is returned and what is needed.")})
    record.status = FilingStatus.ACCEPTED if accept else FilingStatus.RETURNED
    record.review_reasons, record.reviewed_by, record.reviewed_at = text, by, timezone.now()
    record.save()
    kernel.event_record(
        app,
        by,
        Role.CASE_OFFICER,
        accepted if accept else returned,
        {**payload, "reasons": text},
    )
    attention_refresh(app.pk)


def insurance_policy_review(
    *, proof: InsuranceProof, by: Any, accept: bool, reasons: str = ""
) -> InsurancePolicy:
    """An officer accepts a filed insurance policy or returns it with reasons; a returned
    policy no longer counts as cover (activation, extension, the coverage-gap sweep)."""
    with transaction.atomic():
        app = _lock(proof.application, by)
        if not InsuranceProof.objects.filter(pk=proof.pk, application=app).exists():
            raise NotVisible(_("No such insurance policy."))
        policy, _created = InsurancePolicy.objects.select_for_update().get_or_create(proof=proof)
        _review(
            app=app,
            by=by,
            accept=accept,
            reasons=reasons,
            action="review_insurance_policy",
            accepted=A.INSURANCE_ACCEPTED,
            returned=A.INSURANCE_RETURNED,
            record=policy,
            payload={"insurer": proof.insurer, "policy_number": proof.policy_number},
        )
    return policy


# --- user notice -----------------------------------------------------------------------------------------


def user_notice_file(
    *,
    application: Application,
    by: Any,
    channels: str,
    notice_text: str,
    url: str = "",
    attachments: Sequence[UploadedFile] = (),
    expected_count: int | None = None,
) -> UserNotice:
    """The company files evidence of how users are told about the waiver: the channels, the
    notice text, and where it is shown (a URL, screenshots, or both)."""
    wrong: dict[str, str] = {}
    if not _text(channels):
        wrong["channels"] = _("Say where and how users are told (website, app, signs, contract).")
    if not _text(notice_text):
        wrong["notice_text"] = _("Give the text users see.")
    if _text(url) and not _text(url).lower().startswith(("https://", "http://")):
        wrong["url"] = _("Give a web address starting with https://.")
    if not _text(url) and not attachments:
        wrong["attachments"] = _(
            "Give the address where the notice is shown or attach a screenshot."
        )
    if wrong:
        raise InvalidInput(wrong)
    with transaction_with_files() as written:
        app = _lock(application, by)
        _expected_count(
            UserNotice.objects.filter(application=app).count(),
            expected_count,
            _(
                "User notice evidence was filed on this case since you opened the form. Check the "
                "case page; send the form again only to file more."
            ),
        )
        availability.require_open("file_user_notice", by, app)
        notice = UserNotice.objects.create(
            application=app,
            number=UserNotice.objects.filter(application=app).count() + 1,
            channels=_text(channels),
            notice_text=_text(notice_text),
            url=_text(url),
            filed_by=by,
            filed_at=timezone.now(),
        )
        for file in attachments:
            notice.attachments.add(
                document_attach(
                    application=app,
                    by=by,
                    doc_type=DocumentType.USER_NOTICE,
                    file=file,
                    written=written,
                )
            )
        kernel.event_record(
            app,
            by,
            Role.APPLICANT,
            A.USER_NOTICE_FILED,
            {"notice": notice.number, "url": notice.url},
        )
        attention_refresh(app.pk)
    return notice


def user_notice_review(
    *, notice: UserNotice, by: Any, accept: bool, reasons: str = ""
) -> UserNotice:
    """An officer accepts the user-notice evidence or returns it with reasons."""
    with transaction.atomic():
        app = _lock(notice.application, by)
        current = (
            UserNotice.objects.select_for_update().filter(pk=notice.pk, application=app).first()
        )
        if current is None:
            raise NotVisible(_("No such user notice."))
        _review(
            app=app,
            by=by,
            accept=accept,
            reasons=reasons,
            action="review_user_notice",
            accepted=A.USER_NOTICE_ACCEPTED,
            returned=A.USER_NOTICE_RETURNED,
            record=current,
            payload={"notice": current.number},
        )
    return current


# --- the conditions register -----------------------------------------------------------------------------

CONDITION_ACTION = {
    ConditionStatus.OPEN: A.CONDITION_REOPENED,
    ConditionStatus.MET: A.CONDITION_MET,
    ConditionStatus.BREACHED: A.CONDITION_BREACHED,
}


def condition_update(
    *,
    record: ConditionRecord,
    by: Any,
    status: str,
    evidence: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> ConditionRecord:
    """An officer sets a condition open, met (with the evidence) or breached (with a note the
    company reads)."""
    if status not in ConditionStatus.values:
        raise InvalidInput({"status": _("Choose open, met or breached.")})
    if status == ConditionStatus.MET and not _text(evidence):
        raise InvalidInput({"evidence": _("Say what shows the condition is met.")})
    if status == ConditionStatus.BREACHED and not _text(note):
        raise InvalidInput({"note": _("Say how the condition was breached.")})
    with transaction.atomic():
        app = _lock(record.application, by)
        current = (
            ConditionRecord.objects.select_for_update()
            .filter(pk=record.pk, application=app)
            .first()
        )
        if current is None:
            raise NotVisible(_("No such condition."))
        _record_version(current.version, expected_version)
        availability.require_open("update_condition", by, app)
        current.status, current.evidence, current.note = status, _text(evidence), _text(note)
        current.updated_by, current.updated_at = by, timezone.now()
        current.version += 1
        current.save()
        kernel.event_record(
            app,
            by,
            Role.CASE_OFFICER,
            CONDITION_ACTION[ConditionStatus(status)],
            {
                "condition": current.number,
                "text": current.text,
                "status": status,
                "evidence": current.evidence,
                "reason": current.note,
            },
        )
    return current


# --- insurance gaps (the deadline sweep) ----------------------------------------------------------------

GAP_REMINDER_DAYS: tuple[int, ...] = (30, 7)


def coverage_gap_flag(*, application: Application, now: dt.datetime, rule: str) -> CoverageGap:
    """System: the insurance on file ends before the term does (or none is left): flagged once
    for this term end and this cover; staff see it, the company is told to renew."""
    with transaction.atomic():
        app = kernel.application_row_lock(application)
        until = selectors.covered_until(app)
        assert app.term_end is not None
        if until is not None and until >= app.term_end:
            raise WrongState(_("The insurance on file covers the term."))
        if CoverageGap.objects.filter(
            application=app, term_end=app.term_end, covered_until=until
        ).exists():
            raise WrongState(_("This gap was already flagged."))
        gap = CoverageGap.objects.create(
            application=app, term_end=app.term_end, covered_until=until, flagged_at=now
        )
        kernel.event_record(
            app,
            None,
            Role.SYSTEM,
            A.INSURANCE_GAP,
            {"rule": rule, "term_end": app.term_end, "covered_until": until},
            at=now,
        )
        attention_refresh(app.pk)
    return gap


def gap_reminder_stage(days_left: int) -> int | None:
    stages = [d for d in GAP_REMINDER_DAYS if days_left <= d]
    return min(stages) if stages and days_left >= 0 else None


def coverage_gap_remind(*, gap: CoverageGap, now: dt.datetime, rule: str) -> None:
    """System: remind the company 30 and 7 days before its cover lapses, each once."""
    with transaction.atomic():
        app = kernel.application_row_lock(gap.application)
        current = CoverageGap.objects.select_for_update().get(pk=gap.pk)
        if current.covered_until is None or current.resolved_at is not None:
            raise WrongState(_("No reminder is due for this gap."))
        days_left = (current.covered_until - app.program.local_date(now)).days
        stage = gap_reminder_stage(days_left)
        if stage is None or (current.reminded_days is not None and current.reminded_days <= stage):
            raise WrongState(_("No reminder is due for this gap."))
        current.reminded_days = stage
        current.save(update_fields=["reminded_days"])
        kernel.event_record(
            app,
            None,
            Role.SYSTEM,
            A.INSURANCE_LAPSE_REMINDER,
            {
                "rule": rule,
                "covered_until": current.covered_until,
                "term_end": current.term_end,
                "days_before": stage,
                "days_left": days_left,
            },
            at=now,
        )
