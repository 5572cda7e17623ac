"""Reads for supervision: settings, the schedule, what is awaiting whom, insurance cover, and the
case pages' panels (each a fixed number of queries whatever the case's size)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, DataItem, InsuranceProof, Track
from applications.visibility import can_view_application
from core.dates import human_date
from core.errors import NotVisible
from supervision import availability
from supervision.models import (
    OPEN_REPORT_STATUSES,
    CaseAttention,
    ConditionRecord,
    CoverageGap,
    FilingStatus,
    Incident,
    IncidentStatus,
    Report,
    ReportStatus,
    ReportSubmission,
    ReportValue,
    Severity,
    SupervisionSettings,
    UserNotice,
)

# --- settings -----------------------------------------------------------------------------------


def settings_for(track: Track) -> SupervisionSettings | None:
    """The track's supervision settings, or None when the programme set none."""
    return SupervisionSettings.objects.filter(track=track).first()


def incident_rules(track: Track) -> SupervisionSettings:
    """The incident deadlines that apply: the track's settings, or the defaults (24 hours for
    serious incidents, 72 for others) where it has none."""
    return settings_for(track) or SupervisionSettings(track=track)


def incident_deadline_hours(track: Track, severity: str) -> int | None:
    rules = incident_rules(track)
    return rules.serious_incident_hours if severity == Severity.SERIOUS else rules.incident_hours


# --- insurance cover ------------------------------------------------------------------------------


def proofs_in_force(application: Application) -> QuerySet[InsuranceProof]:
    """Insurance proofs on file that were not returned by the ministry (awaiting review or
    accepted), newest first."""
    return (
        InsuranceProof.objects.filter(application=application)
        .exclude(policy__status=FilingStatus.RETURNED)
        .select_related("policy")
        .order_by("-added_at", "-id")
    )


def covered_until_expression() -> Subquery:
    """For a queryset of cases: the last day covered by a proof that was not returned."""
    return Subquery(
        InsuranceProof.objects.filter(application=OuterRef("pk"))
        .exclude(policy__status=FilingStatus.RETURNED)
        .order_by()
        .values("application")
        .annotate(last=Max("coverage_end"))
        .values("last")
    )


def covered_until(application: Application) -> dt.date | None:
    return proofs_in_force(application).aggregate(last=Max("coverage_end"))["last"]


def cover_shortfall(proof: InsuranceProof, rules: SupervisionSettings | None) -> dict[str, str]:
    """Where a proof's cover is below the track's minimums, field → message."""
    if rules is None:
        return {}
    problems: dict[str, str] = {}
    checks = (
        ("coverage_per_person", proof.coverage_per_person, rules.min_cover_per_person),
        ("coverage_per_accident", proof.coverage_per_accident, rules.min_cover_per_accident),
        ("insured_amount", proof.insured_amount, rules.min_cover_aggregate),
    )
    labels = {
        "coverage_per_person": _("per person"),
        "coverage_per_accident": _("per accident"),
        "insured_amount": _("in aggregate"),
    }
    for name, amount, minimum in checks:
        if minimum and (amount is None or amount < minimum):
            problems[name] = _(
                "This track requires cover of at least KRW %(minimum)s %(what)s."
            ) % {"minimum": f"{minimum:,}", "what": labels[name]}
    return problems


# --- the schedule and the case pages --------------------------------------------------------------


def reports_of(application: Application) -> QuerySet[Report]:
    """The case's reports in due-date order, with their filings, values and files."""
    return Report.objects.filter(application=application).prefetch_related(
        Prefetch(
            "submissions",
            queryset=ReportSubmission.objects.select_related("submitted_by", "reviewed_by")
            .prefetch_related(
                Prefetch("values", queryset=ReportValue.objects.select_related("data_item")),
                "attachments",
            )
            .order_by("number"),
        )
    )


def report_get_for(*, user: Any, application: Application, pk: int) -> Report:
    """One report of a case the user may read (``NotVisible`` otherwise)."""
    report = reports_of(application).filter(pk=pk).first()
    if report is None or not can_view_application(user, application):
        raise NotVisible(_("No such report."))
    return report


def incidents_of(application: Application) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(application=application)
        .select_related("reported_by")
        .prefetch_related("attachments", "messages__author", "sanctions")
    )


def incident_get_for(*, user: Any, application: Application, pk: int) -> Incident:
    incident = incidents_of(application).filter(pk=pk).first()
    if incident is None or not can_view_application(user, application):
        raise NotVisible(_("No such incident."))
    return incident


def user_notices_of(application: Application) -> QuerySet[UserNotice]:
    return (
        UserNotice.objects.filter(application=application)
        .select_related("filed_by", "reviewed_by")
        .prefetch_related("attachments")
    )


def conditions_of(application: Application) -> QuerySet[ConditionRecord]:
    return ConditionRecord.objects.filter(application=application).select_related("updated_by")


def data_items_of(application: Application) -> QuerySet[DataItem]:
    return DataItem.objects.filter(application=application).order_by("position", "id")


def current_gap(application: Application) -> CoverageGap | None:
    """The coverage gap flagged for the current term end and not resolved since, if any."""
    if application.term_end is None:
        return None
    return (
        CoverageGap.objects.filter(
            application=application, term_end=application.term_end, resolved_at__isnull=True
        )
        .order_by("-flagged_at")
        .first()
    )


@dataclass
class Panel:
    """Everything a case page shows of supervision."""

    application: Application
    reports: list[Report] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    proofs: list[InsuranceProof] = field(default_factory=list)
    notices: list[UserNotice] = field(default_factory=list)
    conditions: list[ConditionRecord] = field(default_factory=list)
    gap: CoverageGap | None = None
    covered_until: dt.date | None = None
    notice_required: bool = False
    actions: frozenset[str] = frozenset()
    today: dt.date | None = None

    @property
    def has_anything(self) -> bool:
        return bool(
            self.reports or self.incidents or self.proofs or self.notices or self.conditions
        ) or bool(self.actions & {"report_incident", "file_user_notice"})

    @property
    def next_report(self) -> Report | None:
        return next((r for r in self.reports if r.is_open), None)

    @property
    def current_notice(self) -> UserNotice | None:
        return self.notices[0] if self.notices else None


def panel_for(*, user: Any, application: Application, now: dt.datetime | None = None) -> Panel:
    """What a case page shows of supervision, for this user (fixed number of queries)."""
    now = now or timezone.now()
    rules = settings_for(application.track)
    proofs = list(
        InsuranceProof.objects.filter(application=application)
        .select_related("policy__certificate", "policy__reviewed_by")
        .order_by("-added_at", "-id")
    )
    in_force = [p for p in proofs if _policy_status(p) != FilingStatus.RETURNED]
    return Panel(
        application=application,
        reports=list(reports_of(application)),
        incidents=list(incidents_of(application)),
        proofs=proofs,
        notices=list(user_notices_of(application)),
        conditions=list(conditions_of(application)),
        gap=current_gap(application),
        covered_until=max((p.coverage_end for p in in_force), default=None),
        notice_required=bool(rules.user_notice_required) if rules else False,
        actions=availability.open_actions(user, application),
        today=application.program.local_date(now),
    )


def _policy_status(proof: InsuranceProof) -> str:
    policy = getattr(proof, "policy", None)
    return policy.status if policy is not None else FilingStatus.SUBMITTED


def policy_status(proof: InsuranceProof) -> str:
    """A proof's review status (awaiting review when supervision has no record of it)."""
    return _policy_status(proof)


# --- what awaits whom (queue tab, dashboard, calendar) ---------------------------------------------


def _reports_waiting() -> Q:
    return Q(status=ReportStatus.SUBMITTED) | Q(status=ReportStatus.DUE, overdue_at__isnull=False)


def _incidents_waiting() -> Q:
    return Q(status__in=(IncidentStatus.REPORTED, IncidentStatus.ANSWERED)) | (
        Q(severity=Severity.SERIOUS) & ~Q(status=IncidentStatus.CLOSED)
    )


def _proofs_waiting() -> Q:
    return Q(policy__isnull=True) | Q(policy__status=FilingStatus.SUBMITTED)


def attention_q() -> Q:
    """Cases with supervision work for the lead ministry: a report to review or overdue, an
    incident awaiting staff or serious and open, an insurance gap not resolved (while the case
    is supervised), an insurance policy or user notice to review (while the term runs). Read
    from the summary the services keep (``CaseAttention``): its rows, one per case with work
    waiting, not every waiver's reports and filings (the review queue's *Supervision* tab and
    its count at 100k cases; issue 18).

    Two tests together. "Its id is among the summary's" (``id IN (…)``, on its own in the
    condition) lets PostgreSQL start from the summary's rows when they are few, and walk the
    cases in the page's order when they are many: a queue where few cases wait read every
    waiver in force to find them (the tab's first page's rows 182–231 → 4 ms at 100k cases with
    30 waiting; issue 18). Then each found case's own flag for its status: a
    scalar subquery through the summary's primary key (as a second ``id IN (…)`` inside the OR
    PostgreSQL hashed both of the summary's sets before testing the first case)."""

    def waiting(flag: str) -> Q:
        summary = CaseAttention.objects.filter(application_id=OuterRef("pk")).values(flag)[:1]
        return Q(Coalesce(Subquery(summary), Value(False), output_field=BooleanField()))

    return Q(pk__in=CaseAttention.objects.values("application_id")) & (
        (Q(status__in=availability.SUPERVISED) & waiting("work"))
        | (Q(status__in=availability.RUNNING) & waiting("filings"))
    )


def attention_sources_q() -> Q:
    """The same cases as ``attention_q``, found from the reports, incidents, gaps and filings
    themselves: the definition the kept summary must equal (the tests hold them together)."""
    reports = Report.objects.filter(_reports_waiting()).values("application_id")
    incidents = Incident.objects.filter(_incidents_waiting()).values("application_id")
    proofs = InsuranceProof.objects.filter(_proofs_waiting()).values("application_id")
    notices = UserNotice.objects.filter(status=FilingStatus.SUBMITTED).values("application_id")
    gaps = CoverageGap.objects.filter(
        resolved_at__isnull=True, term_end=F("application__term_end")
    ).values("application_id")
    running = Q(application__status__in=availability.RUNNING)
    cases = reports.order_by().union(
        incidents.order_by(),
        proofs.filter(running).order_by(),
        notices.filter(running).order_by(),
        gaps.order_by(),
    )
    return Q(status__in=availability.SUPERVISED) & Q(pk__in=cases)


def attention_of(application_id: int) -> tuple[bool, bool]:
    """(work, filings) waiting on one case now, whatever its status (``CaseAttention``), in
    one query; (False, False) for a case that does not exist."""
    case = OuterRef("pk")
    work = (
        Q(Exists(Report.objects.filter(_reports_waiting(), application=case)))
        | Q(Exists(Incident.objects.filter(_incidents_waiting(), application=case)))
        | Q(
            Exists(
                CoverageGap.objects.filter(
                    application=case, resolved_at__isnull=True, term_end=OuterRef("term_end")
                )
            )
        )
    )
    filings = Q(Exists(InsuranceProof.objects.filter(_proofs_waiting(), application=case))) | Q(
        Exists(UserNotice.objects.filter(application=case, status=FilingStatus.SUBMITTED))
    )
    found = (
        Application.objects.filter(pk=application_id)
        .annotate(
            waiting_work=ExpressionWrapper(work, output_field=BooleanField()),
            waiting_filings=ExpressionWrapper(filings, output_field=BooleanField()),
        )
        .values_list("waiting_work", "waiting_filings")
        .first()
    )
    return (bool(found[0]), bool(found[1])) if found else (False, False)


def open_reports_for(applications: Iterable[Application]) -> dict[int, Report]:
    """The next open report (due or to revise) of each case, in one query."""
    ids = [a.pk for a in applications]
    found: dict[int, Report] = {}
    for report in Report.objects.filter(
        application_id__in=ids, status__in=OPEN_REPORT_STATUSES
    ).order_by("due_on", "number"):
        found.setdefault(report.application_id, report)
    return found


def reports_due_within(*, scope: Q, until: dt.date, limit: int) -> QuerySet[Report]:
    """Open reports falling due by ``until`` (and overdue ones) of the cases in ``scope`` (a
    filter on reports, e.g. ``reviews.selectors.scope_q(user, "application__")``), each with its
    case and the case's organisation; read in due order from the open reports' own index
    (``report_open_due``), not among every report ever filed."""
    return (
        Report.objects.filter(scope, status__in=OPEN_REPORT_STATUSES, due_on__lte=until)
        .select_related("application__organization")
        .order_by("due_on", "pk")[:limit]
    )


# --- what supervision asks of the kernel's transitions ----------------------------------------------


def activation_insurance_problems(
    *, application: Application, arguments: dict[str, Any]
) -> dict[str, str]:
    """Before ``activate`` (subscribed with ``effects.on_transition_check``): on a track that
    requires insurance, a policy that the ministry has not returned must cover the whole term
    and meet the track's minimum cover."""
    app = application
    if not app.track.insurance_required or app.term_start is None or app.term_end is None:
        return {}
    covering = [
        p
        for p in proofs_in_force(app)
        if p.coverage_start <= app.term_start and p.coverage_end >= app.term_end
    ]
    if not covering:
        return {
            "insurance": _(
                "No insurance policy on file that was not returned covers the term %(start)s – "
                "%(end)s."
            )
            % {"start": human_date(app.term_start), "end": human_date(app.term_end)}
        }
    return _best_shortfall(covering, settings_for(app.track))


def extension_insurance_problems(
    *, application: Application, arguments: dict[str, Any]
) -> dict[str, str]:
    """Before ``extend`` of an active waiver on a track that requires insurance: a policy that
    was not returned must be in force today and meet the track's minimum cover. Cover that ends
    before the new end is allowed; the deadline sweep then flags the gap and reminds the company
    before the cover lapses."""
    app = application
    if not app.track.insurance_required or app.status != "active":
        return {}
    today = app.program.local_date(timezone.now())
    current = [p for p in proofs_in_force(app) if p.coverage_start <= today <= p.coverage_end]
    if not current:
        return {"insurance": _("No insurance policy on file is in force today.")}
    return _best_shortfall(current, settings_for(app.track))


def _best_shortfall(
    proofs: list[InsuranceProof], rules: SupervisionSettings | None
) -> dict[str, str]:
    """No problem when one of the proofs meets every minimum; else the smallest shortfall."""
    found = [cover_shortfall(proof, rules) for proof in proofs]
    if any(not problems for problems in found):
        return {}
    worst = min(found, key=len)
    return {"insurance": " ".join(worst.values())}
