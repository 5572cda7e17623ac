"""Supervision's deadlines, run by the kernel's sweep (``applications.deadlines``): report
reminders, overdue reports, insurance ending before the term, and reminders before it lapses.

Each rule is a selector of what is due at ``now`` that excludes what was done, a service that
acts on one item under the case lock (re-checking), and the rule's sentence in the audit payload.
Dates are calendar dates in the programme's time zone: a report due on 2026-06-30 in Seoul is
overdue from 2026-07-01 00:00 KST.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from applications.deadlines import Rule, per_programme, sweep_read
from applications.models import Application, Program, Track
from applications.workflow import ApplicationStatus as S
from supervision import selectors, services
from supervision.models import CoverageGap, Report, ReportStatus

INSURED = (S.ACTIVE, S.SUSPENDED)


# --- reports --------------------------------------------------------------------------------------


def due_report_reminders(*, now: dt.datetime) -> QuerySet[Report]:
    """Reports not yet filed, due within 14 (then 3) days, not yet reminded at that stage."""

    def window(program: Program, today: dt.date) -> Q:
        condition = Q(pk__in=[])
        lower = today
        for days in sorted(services.REMINDER_DAYS):
            upper = today + dt.timedelta(days=days)
            condition |= Q(due_on__gte=lower, due_on__lte=upper) & (
                Q(reminded_days__isnull=True) | Q(reminded_days__gt=days)
            )
            lower = upper + dt.timedelta(days=1)
        return condition

    return Report.objects.filter(status=ReportStatus.DUE).filter(
        per_programme(window, now, "application__")
    )


def due_overdue_reports(*, now: dt.datetime) -> QuerySet[Report]:
    """Reports not filed by the end of their due date, not yet flagged."""
    return Report.objects.filter(status=ReportStatus.DUE, overdue_at__isnull=True).filter(
        per_programme(lambda program, today: Q(due_on__lt=today), now, "application__")
    )


def describe_report_reminder(report: Report, now: dt.datetime) -> str:
    days_left = (report.due_on - report.application.program.local_date(now)).days
    return (
        f"report_reminder: {report.kind} report {report.number} "
        f"({report.period_start} – {report.period_end}) is due on {report.due_on}, "
        f"{days_left} days left (the {services.reminder_stage(days_left)}-day reminder)"
    )


def describe_overdue_report(report: Report, now: dt.datetime) -> str:
    return (
        f"report_overdue: {report.kind} report {report.number} "
        f"({report.period_start} – {report.period_end}) was due on {report.due_on} "
        f"({report.application.program.time_zone}) and has not been filed"
    )


# --- insurance -------------------------------------------------------------------------------------


def _insured_cases() -> QuerySet[Application]:
    """Waivers in force on tracks that require insurance and are supervised, with the last day
    their cover (not returned) reaches."""
    # The few such tracks first, as ids: the database then never works out the cover of a case
    # on another track (which it did for every case in force: docs/performance.md).
    tracks = Track.objects.filter(insurance_required=True, supervision_settings__isnull=False)
    track_ids = sweep_read("insured_tracks", lambda: list(tracks.values_list("pk", flat=True)))
    return Application.objects.filter(
        status__in=INSURED, term_end__isnull=False, track_id__in=track_ids
    ).annotate(covered=selectors.covered_until_expression())


def due_coverage_gaps(*, now: dt.datetime) -> QuerySet[Application]:
    """Waivers whose insurance ends before their term does (or have none left), not yet flagged
    for this term end and this cover."""
    flagged = CoverageGap.objects.filter(application=OuterRef("pk"), term_end=OuterRef("term_end"))
    return (
        _insured_cases()
        .filter(Q(covered__isnull=True) | Q(covered__lt=F("term_end")))
        .annotate(
            flagged_same=Exists(flagged.filter(covered_until=OuterRef("covered"))),
            flagged_none=Exists(flagged.filter(covered_until__isnull=True)),
        )
        .filter(flagged_same=False)
        .exclude(covered__isnull=True, flagged_none=True)
    )


def due_gap_reminders(*, now: dt.datetime) -> QuerySet[CoverageGap]:
    """Flagged gaps still current (same term end and cover, not resolved) whose cover lapses
    within 30 (then 7) days, not yet reminded at that stage."""
    current = _insured_cases().filter(
        pk=OuterRef("application_id"),
        term_end=OuterRef("term_end"),
        **{"covered": OuterRef("covered_until")},  # the annotation of ``_insured_cases``
    )

    def window(program: Program, today: dt.date) -> Q:
        condition = Q(pk__in=[])
        lower = today
        for days in sorted(services.GAP_REMINDER_DAYS):
            upper = today + dt.timedelta(days=days)
            condition |= Q(covered_until__gte=lower, covered_until__lte=upper) & (
                Q(reminded_days__isnull=True) | Q(reminded_days__gt=days)
            )
            lower = upper + dt.timedelta(days=1)
        return condition

    return (
        CoverageGap.objects.filter(resolved_at__isnull=True, covered_until__isnull=False)
        .filter(Exists(current))
        .filter(per_programme(window, now, "application__"))
    )


def describe_coverage_gap(app: Application, now: dt.datetime) -> str:
    covered = getattr(app, "covered", None)
    return f"insurance_gap: the term ends on {app.term_end} but the insurance on file " + (
        f"ends on {covered}" if covered else "is none (every policy was returned)"
    )


def describe_gap_reminder(gap: CoverageGap, now: dt.datetime) -> str:
    assert gap.covered_until is not None
    days_left = (gap.covered_until - gap.application.program.local_date(now)).days
    return (
        f"insurance_lapse_reminder: the insurance ends on {gap.covered_until}, before the term "
        f"({gap.term_end}); {days_left} days left "
        f"(the {services.gap_reminder_stage(days_left)}-day reminder)"
    )


def _case_of_report(pk: int) -> int | None:
    return Report.objects.filter(pk=pk).values_list("application_id", flat=True).first()


def _case_of_gap(pk: int) -> int | None:
    return CoverageGap.objects.filter(pk=pk).values_list("application_id", flat=True).first()


REPORT_RELATED = ("application__program", "application__track")

RULES: tuple[Rule, ...] = (
    Rule(
        "report_reminder",
        due_report_reminders,
        lambda item, now, rule: services.report_remind(report=item, now=now, rule=rule),
        describe_report_reminder,
        _case_of_report,
        REPORT_RELATED,
    ),
    Rule(
        "report_overdue",
        due_overdue_reports,
        lambda item, now, rule: services.report_flag_overdue(report=item, now=now, rule=rule),
        describe_overdue_report,
        _case_of_report,
        REPORT_RELATED,
    ),
    Rule(
        "insurance_gap",
        due_coverage_gaps,
        lambda app, now, rule: services.coverage_gap_flag(application=app, now=now, rule=rule),
        describe_coverage_gap,
        lambda pk: pk,
    ),
    Rule(
        "insurance_lapse_reminder",
        due_gap_reminders,
        lambda gap, now, rule: services.coverage_gap_remind(gap=gap, now=now, rule=rule),
        describe_gap_reminder,
        _case_of_gap,
        REPORT_RELATED,
    ),
)
