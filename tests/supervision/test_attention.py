"""The summary of supervision work waiting on each case (``CaseAttention``), which the review
queue's Supervision tab reads, is kept equal by the services to what the reports, incidents,
gaps and filings themselves say (``selectors.attention_sources_q``) after every kind of change;
the migration builds the same summary from them."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as installed_apps

from applications import deadlines, services
from applications.models import Application
from supervision import selectors
from supervision import services as supervision
from supervision.models import CaseAttention, Incident, Report, ReportStatus
from tests.supervision.helpers import (
    MINUTE,
    T0,
    active,
    at,
    file_notice,
    file_report,
    first_report,
    policy,
    report_incident,
    seoul_midnight,
    supervised,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def kept() -> dict[int, tuple[bool, bool]]:
    return {row.application_id: (row.work, row.filings) for row in CaseAttention.objects.all()}


def waiting(app: Application) -> tuple[bool, bool]:
    """What the case's summary says: (work, filings) waiting."""
    return kept().get(app.pk, (False, False))


def held_together() -> None:
    """The tab's cases from the summary are the cases the records themselves give, and every
    case's summary row says what its records say now."""
    from_summary = set(Application.objects.filter(selectors.attention_q()).values_list("pk"))
    from_records = set(
        Application.objects.filter(selectors.attention_sources_q()).values_list("pk")
    )
    assert from_summary == from_records
    summary = kept()
    for pk in Application.objects.values_list("pk", flat=True):
        assert summary.get(pk, (False, False)) == selectors.attention_of(pk), pk


@pytest.fixture
def case(world):
    supervised(world)
    with at(T0):
        return active(world)


def test_each_supervision_change_keeps_the_summary_equal_to_the_records(world, case):
    # Activated with a policy filed through supervision: awaiting the officer's review.
    assert waiting(case) == (False, True)
    held_together()
    with at(T0 + DAY):
        supervision.insurance_policy_review(
            proof=case.insurance_proofs.get(), by=world.officer, accept=True
        )
    assert waiting(case) == (False, False)
    assert case.pk not in kept()  # nothing waiting: no row
    held_together()

    with at(T0 + 2 * DAY):
        notice = file_notice(world, case)
    assert waiting(case) == (False, True)
    with at(T0 + 3 * DAY):
        supervision.user_notice_review(
            notice=notice, by=world.officer, accept=False, reasons="문구 보완"
        )
    assert waiting(case) == (False, False)
    held_together()

    # The first quarter's report, filed after its period, waits for review; then accepted.
    report = first_report(case)
    with at(seoul_midnight(report.period_end + DAY)):
        file_report(world, report)
    assert waiting(case) == (True, False)
    held_together()
    with at(seoul_midnight(report.period_end + 2 * DAY)):
        supervision.report_review(report=report, by=world.officer, accept=True)
    assert waiting(case) == (False, False)

    # The second quarter's report is not filed: the sweep flags it overdue.
    second = Report.objects.filter(application=case).order_by("due_on")[1]
    with at(seoul_midnight(second.due_on + DAY) + MINUTE):
        deadlines.sweep()
    second.refresh_from_db()
    assert second.status == ReportStatus.DUE and second.overdue_at is not None
    assert waiting(case) == (True, False)
    held_together()
    with at(seoul_midnight(second.due_on + 2 * DAY)):
        file_report(world, second)
        supervision.report_review(report=second, by=world.officer, accept=True)
    assert waiting(case) == (False, False)

    # A serious incident waits for staff until it is closed.
    moment = seoul_midnight(second.due_on + 3 * DAY)
    incident = report_incident(world, case, moment=moment)
    assert waiting(case) == (True, False)
    with at(moment + MINUTE):
        supervision.incident_step(incident=incident, by=world.officer, step="acknowledge")
    assert waiting(case) == (True, False)  # serious and still open
    held_together()
    with at(moment + 2 * MINUTE):
        incident = Incident.objects.get(pk=incident.pk)
        supervision.incident_step(incident=incident, by=world.officer, step="close")
    assert waiting(case) == (False, False)
    held_together()


def test_a_proof_added_through_the_kernel_waits_for_review(world, case):
    with at(T0 + DAY):
        supervision.insurance_policy_review(
            proof=case.insurance_proofs.get(), by=world.officer, accept=True
        )
    assert waiting(case) == (False, False)
    with at(T0 + 2 * DAY):
        services.insurance_proof_add(
            application=case,
            by=world.applicant,
            insurer="한화손해보험",
            policy_number="P-9",
            coverage_start=case.term_start,
            coverage_end=case.term_end,
            insured_amount=1_000_000_000,
            coverage_per_person=100_000_000,
            coverage_per_accident=300_000_000,
        )
    assert waiting(case) == (False, True)
    held_together()


def test_a_gap_counts_for_the_current_term_end_only(world, case):
    """A returned policy leaves the waiver uninsured: the sweep flags a gap (work waiting); a
    renewal resolves it."""
    with at(T0 + DAY):
        supervision.insurance_policy_review(
            proof=case.insurance_proofs.get(), by=world.officer, accept=False, reasons="위조 의심"
        )
    with at(T0 + DAY + MINUTE):
        deadlines.sweep()
    assert case.coverage_gaps.filter(resolved_at__isnull=True).exists()
    assert waiting(case) == (True, False)
    held_together()
    with at(T0 + 2 * DAY):
        policy(world, case, number="P-2")
    assert not case.coverage_gaps.filter(resolved_at__isnull=True).exists()
    assert waiting(case) == (False, True)  # the renewal itself awaits review
    held_together()


def test_an_extension_past_the_cover_opens_a_gap_that_waits(world, case):
    with at(T0 + DAY):
        supervision.insurance_policy_review(
            proof=case.insurance_proofs.get(), by=world.officer, accept=True
        )
    with at(T0 + 300 * DAY):
        request = services.extension_request_file(
            application=case, by=world.applicant, new_end=dt.date(2029, 3, 1), reason="더 필요"
        )
        services.extension_request_decide(
            extension_request=request, by=world.decider, grant=True, reason="타당"
        )
    assert waiting(case) == (False, False)
    held_together()
    with at(T0 + 300 * DAY + MINUTE):
        deadlines.sweep()
    assert case.coverage_gaps.get().term_end == dt.date(2029, 3, 1)
    assert waiting(case) == (True, False)
    held_together()


def test_the_migration_builds_the_summary_the_services_keep(world, case):
    report = first_report(case)
    with at(seoul_midnight(report.period_end + DAY)):
        file_report(world, report)
    with at(T0):
        second_case = active(world)
    with at(T0 + DAY):
        supervision.insurance_policy_review(
            proof=second_case.insurance_proofs.get(), by=world.officer, accept=True
        )
    expected = kept()
    assert expected == {case.pk: (True, True)}
    CaseAttention.objects.all().delete()
    migration = importlib.import_module("supervision.migrations.0002_case_attention")
    migration.fill(installed_apps, None)
    assert kept() == expected
