"""Periodic and final reports: the company files the period, a value per data item of its test
plan, users and transactions, complaints, incidents, problems and files; the lead ministry's
officer accepts or asks for a revision with reasons; the company resubmits. Bad input and the
wrong person are refused with nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest

from applications import services
from applications.models import AuditEvent
from applications.workflow import ApplicationStatus as S
from core.dates import human_date
from core.errors import InvalidInput, NotPermitted, NotVisible, StaleVersion, WrongState
from documents.models import Document
from supervision import services as supervision
from supervision.models import Report, ReportStatus, ReportSubmission
from tests.builders import notice_ready
from tests.portal import samples
from tests.supervision.helpers import T0, active, at, file_report, first_report, supervised

pytestmark = pytest.mark.django_db

FIRST_DUE = T0 + dt.timedelta(days=100)  # 10 June 2026, within the first quarter's window


@pytest.fixture
def case(world):
    supervised(world)
    with at(T0):
        return active(world)


def actions(app):
    return list(AuditEvent.objects.filter(application=app).values_list("action", flat=True))


def test_the_company_files_a_report_with_a_value_per_data_item(world, case):
    report = first_report(case)
    with at(FIRST_DUE):
        filing = file_report(
            world,
            report,
            complaints=2,
            complaints_summary="소음 민원 2건",
            incidents_summary="없음",
            problems="우천 시 운행 중단",
            attachments=[("log.pdf", [samples.PDF])],
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert [(v.name, v.unit, v.value) for v in filing.values.all()] == [
        ("운행 거리", "km", "12"),
        ("보행자 근접 정지", "회", "12"),
    ]
    assert [d.doc_type for d in filing.attachments.all()] == ["report"]
    assert actions(case)[-2:] == ["document_uploaded", "report_submitted"]
    event = AuditEvent.objects.filter(application=case, action="report_submitted").get()
    assert event.actor == world.applicant and event.payload["report"] == report.number
    assert event.payload["period_start"] == "2026-03-02"


def test_revision_then_resubmission_then_acceptance(world, case):
    report = first_report(case)
    with at(FIRST_DUE):
        file_report(world, report)
        supervision.report_review(
            report=report, by=world.officer, accept=False, reasons="근접 정지 산정 근거 보완"
        )
        report.refresh_from_db()
        assert report.status == ReportStatus.REVISION_REQUESTED
        with pytest.raises(WrongState):  # nothing new to review until the company resubmits
            supervision.report_review(report=report, by=world.officer, accept=True)
        file_report(world, report, users_served=130)
        report.refresh_from_db()
        supervision.report_review(report=report, by=world.officer, accept=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    filings = list(ReportSubmission.objects.filter(report=report).order_by("number"))
    assert [(f.number, f.outcome, f.review_reasons) for f in filings] == [
        (1, "revision_requested", "근접 정지 산정 근거 보완"),
        (2, "accepted", ""),
    ]
    assert actions(case)[-4:] == [
        "report_submitted",
        "report_revision_requested",
        "report_submitted",
        "report_accepted",
    ]


def test_a_revision_needs_reasons(world, case):
    report = first_report(case)
    with at(FIRST_DUE):
        file_report(world, report)
        with pytest.raises(InvalidInput) as refused:
            supervision.report_review(report=report, by=world.officer, accept=False, reasons=" ")
    assert "reasons" in refused.value.errors
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"period_start": dt.date(2026, 6, 1), "period_end": dt.date(2026, 5, 1)}, "period_end"),
        ({"period_start": dt.date(2026, 2, 1)}, "period_start"),
        ({"period_end": dt.date(2028, 3, 2)}, "period_end"),
        ({"users_served": -1}, "users_served"),
        ({"complaints": 3}, "complaints_summary"),
        ({"values": {}}, None),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(world, case, change, field):
    report = first_report(case)
    events = AuditEvent.objects.count()
    if change.get("values") == {}:
        field = f"value_{case.data_items.first().pk}"
    with at(FIRST_DUE), pytest.raises(InvalidInput) as refused:
        file_report(world, report, **change)
    assert field in refused.value.errors
    assert not ReportSubmission.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_file_failing_the_upload_checks_leaves_nothing_behind(world, case):
    report = first_report(case)
    events = AuditEvent.objects.count()
    with at(FIRST_DUE), pytest.raises(InvalidInput) as refused:
        file_report(
            world, report, attachments=[("fine.pdf", [samples.PDF]), ("x.pdf", [samples.HTML])]
        )
    assert "file" in refused.value.errors
    assert not ReportSubmission.objects.exists()
    assert not Document.objects.filter(application=case, doc_type="report").exists()
    assert AuditEvent.objects.count() == events
    report.refresh_from_db()
    assert report.status == ReportStatus.DUE


def test_a_replayed_report_form_files_nothing_twice(world, case):
    report = first_report(case)
    opened_at = report.version
    with at(FIRST_DUE):
        file_report(world, report, expected_version=opened_at)
        with pytest.raises(StaleVersion):
            file_report(world, report, expected_version=opened_at)
        with pytest.raises(WrongState):  # without a version: the report is no longer open
            file_report(world, report)
    assert ReportSubmission.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("other_applicant", NotVisible),
        ("foreign_officer", NotVisible),
        ("officer", NotPermitted),
        ("decider", NotPermitted),
        ("auditor", NotPermitted),
    ],
)
def test_only_the_company_files_reports(world, case, persona, error):
    report = first_report(case)
    with at(FIRST_DUE), pytest.raises(error):
        supervision.report_file(
            report=report,
            by=world.persona(persona),
            period_start=report.period_start,
            period_end=report.period_end,
            users_served=1,
            transactions=1,
            complaints=0,
        )


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("applicant", NotPermitted),
        ("other_applicant", NotVisible),
        ("foreign_officer", NotVisible),
        ("decider", NotPermitted),
        ("auditor", NotPermitted),
        ("consultee", NotVisible),
    ],
)
def test_only_the_lead_ministrys_officers_review_reports(world, case, persona, error):
    report = first_report(case)
    with at(FIRST_DUE):
        file_report(world, report)
        with pytest.raises(error):
            supervision.report_review(report=report, by=world.persona(persona), accept=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_an_officer_who_declared_a_conflict_may_not_review(world, case):
    report = first_report(case)
    services.conflict_declare(application=case, by=world.other_officer, details="지인 회사")
    with at(FIRST_DUE):
        file_report(world, report)
        with pytest.raises(NotPermitted):
            supervision.report_review(report=report, by=world.other_officer, accept=True)


def test_reports_still_owed_when_the_term_ends_are_filed_afterwards(world):
    supervised(world)
    with at(T0):
        app = active(world)
    final = Report.objects.get(application=app, kind="final")
    last_quarter = Report.objects.filter(application=app, kind="periodic").order_by("due_on").last()
    assert last_quarter is not None
    with at(T0 + dt.timedelta(days=735)):
        services.application_expire(application=app)
        app.refresh_from_db()
        assert app.status == S.EXPIRED
        file_report(world, last_quarter)
        file_report(world, final)
    final.refresh_from_db()
    last_quarter.refresh_from_db()
    assert final.status == last_quarter.status == ReportStatus.SUBMITTED


def test_a_suspended_or_revoked_waiver_still_files_the_reports_it_owes(world):
    supervised(world)
    with at(T0):
        app = active(world)
    first_quarter, second_quarter = list(Report.objects.filter(application=app).order_by("due_on"))[
        :2
    ]
    with at(FIRST_DUE):
        notice_ready(world, app, "suspend")
        services.application_suspend(application=app, by=world.decider, reason="조사")
        file_report(world, first_quarter)
    with at(T0 + dt.timedelta(days=200)):
        notice_ready(world, app, "revoke")
        services.application_revoke(application=app, by=world.decider, grounds="위반")
        second_quarter.refresh_from_db()
        file_report(world, second_quarter)  # its quarter ended before the revocation
        final = Report.objects.get(application=app, kind="final")
        file_report(world, final)
    first_quarter.refresh_from_db()
    final.refresh_from_db()
    second_quarter.refresh_from_db()
    assert first_quarter.status == second_quarter.status == final.status == ReportStatus.SUBMITTED


def test_a_report_is_filed_once_its_period_has_run(world, case):
    report = first_report(case)  # 2 March – 1 June 2026
    with at(T0 + dt.timedelta(days=60)), pytest.raises(WrongState) as early:
        file_report(world, report)
    assert human_date(dt.date(2026, 6, 1)) in early.value.message  # as people write it
    assert "2026-06-01" not in early.value.message
    with at(dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)):  # its last day, in Seoul
        file_report(world, report)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
