"""The reporting schedule: made on approval from the track's settings and the conditions'
reporting duties, kept on extension and revocation, listed on the approval letter's data."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from applications import services
from applications.models import AuditEvent
from supervision import schedule
from supervision.models import ConditionRecord, Report, ReportKind, ReportStatus
from tests.builders import notice_ready
from tests.supervision.helpers import END, START, T0, active, approved, at, supervised

pytestmark = pytest.mark.django_db

D = dt.date


# --- the rules, pure ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "months", "final"),
    [
        ("매월 운행 실적을 보고할 것", 1, False),
        ("Report monthly on the number of rides", 1, False),
        ("분기별로 이용자 민원 현황을 보고할 것", 3, False),
        ("Submit a quarterly report of complaints", 3, False),
        ("반기마다 안전성 검증 결과를 보고할 것", 6, False),
        ("매년 성과를 보고할 것", 12, False),
        ("Report every 2 months on usage", 2, False),
        ("4개월마다 보고할 것", 4, False),
        ("실증 종료 후 결과보고서를 제출할 것", None, True),
        ("Submit a final report at the end of the test", None, True),
    ],
)
def test_a_condition_that_asks_for_reports_is_a_reporting_duty(text, months, final):
    assert schedule.report_duties(["시속 5km 이하", text]) == [
        schedule.Duty(condition_number=2, months=months, final=final)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "사고 발생 시 24시간 이내 보고할 것",
        "최고 속도 시속 5km 이하",
        "Monthly maintenance of robots",
    ],
)
def test_other_conditions_are_no_reporting_duty(text):
    assert schedule.report_duties([text]) == []


def test_months_are_added_to_the_calendar_keeping_the_last_day():
    assert schedule.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert schedule.add_months(D(2026, 1, 31), 3) == D(2026, 4, 30)
    assert schedule.add_months(D(2026, 11, 15), 3) == D(2027, 2, 15)


def test_quarterly_reports_run_back_to_back_and_the_final_report_covers_the_last_stretch():
    planned = schedule.plan(
        term_start=START, term_end=END, rules=schedule.Rules(3, 30, 30), conditions=[]
    )
    periodic = [p for p in planned if p.kind == "periodic"]
    assert len(periodic) == 7
    assert (periodic[0].period_start, periodic[0].period_end, periodic[0].due_on) == (
        D(2026, 3, 2),
        D(2026, 6, 1),
        D(2026, 7, 1),
    )
    for before, after in itertools.pairwise(periodic):
        assert after.period_start == before.period_end + dt.timedelta(days=1)
    assert periodic[-1].period_end < END
    assert planned[-1] == schedule.Planned("final", START, END, D(2028, 3, 31), None)


def test_without_a_final_report_the_last_period_ends_with_the_term():
    planned = schedule.plan(
        term_start=D(2026, 1, 1),
        term_end=D(2026, 8, 15),
        rules=schedule.Rules(3, 15, None),
        conditions=[],
    )
    assert [(p.period_start, p.period_end) for p in planned] == [
        (D(2026, 1, 1), D(2026, 3, 31)),
        (D(2026, 4, 1), D(2026, 6, 30)),
        (D(2026, 7, 1), D(2026, 8, 15)),
    ]
    assert planned[-1].due_on == D(2026, 8, 30)


def test_a_stricter_interval_in_a_condition_replaces_the_tracks():
    planned = schedule.plan(
        term_start=D(2026, 1, 1),
        term_end=D(2026, 12, 31),
        rules=schedule.Rules(3, 30, 30),
        conditions=["시속 5km 이하", "매월 운행 실적을 보고할 것"],
    )
    periodic = [p for p in planned if p.kind == "periodic"]
    assert len(periodic) == 11 and {p.condition_number for p in periodic} == {2}
    assert periodic[0].period_end == D(2026, 1, 31)


def test_a_track_without_settings_schedules_only_what_the_conditions_ask():
    assert schedule.plan(term_start=START, term_end=END, rules=None, conditions=["시속 5km"]) == []
    planned = schedule.plan(
        term_start=START, term_end=END, rules=None, conditions=["결과보고서를 제출할 것"]
    )
    assert planned == [schedule.Planned("final", START, END, END + dt.timedelta(days=30), 1)]


# --- made by decisions ----------------------------------------------------------------------------


def test_approval_makes_the_schedule_from_the_track_settings(world):
    supervised(world)
    with at(T0):
        app = approved(world)
    reports = list(Report.objects.filter(application=app).order_by("number"))
    assert [r.kind for r in reports] == [ReportKind.PERIODIC] * 7 + [ReportKind.FINAL]
    assert [r.due_on for r in reports][:2] == [D(2026, 7, 1), D(2026, 10, 1)]
    assert reports[-1].due_on == D(2028, 3, 31)
    assert {r.status for r in reports} == {ReportStatus.DUE}
    # Made inside the approval's transaction, without an event of its own.
    assert not AuditEvent.objects.filter(application=app, action__startswith="report").exists()


def test_a_track_without_settings_gets_no_schedule_unless_a_condition_asks(world):
    with at(T0):
        plain = approved(world)
        asked = approved(world, conditions=["매월 운행 실적을 보고할 것"])
    assert not Report.objects.filter(application=plain).exists()
    assert Report.objects.filter(application=asked, condition_number=1).count() == 24


def test_approval_makes_the_conditions_register(world):
    with at(T0):
        app = approved(world)
    records = list(ConditionRecord.objects.filter(application=app))
    assert [(r.number, r.text, r.status) for r in records] == [
        (1, "최고 속도 시속 5km 이하로 운행할 것", "open"),
        (2, "사고 발생 시 24시간 이내 보고할 것", "open"),
    ]


def test_an_extension_moves_the_final_report_and_adds_the_quarters_of_the_added_time(world):
    supervised(world)
    with at(T0):
        app = active(world)
        request = services.extension_request_file(
            application=app, by=world.applicant, new_end=D(2029, 3, 1), reason="더 필요"
        )
        services.extension_request_decide(
            extension_request=request, by=world.decider, grant=True, reason="타당"
        )
    reports = list(Report.objects.filter(application=app).order_by("due_on"))
    periodic = [r for r in reports if r.kind == ReportKind.PERIODIC]
    assert len(periodic) == 11
    for before, after in itertools.pairwise(periodic):
        assert after.period_start == before.period_end + dt.timedelta(days=1)
    final = reports[-1]
    assert final.kind == ReportKind.FINAL
    assert (final.period_end, final.due_on) == (D(2029, 3, 1), D(2029, 3, 31))
    assert Report.objects.filter(application=app, kind=ReportKind.FINAL).count() == 1


def test_a_revocation_ends_the_schedule_at_the_revocation(world):
    supervised(world)
    with at(T0):
        app = active(world)
    with at(T0 + dt.timedelta(days=100)):
        notice_ready(world, app, "revoke")
        services.application_revoke(application=app, by=world.decider, grounds="조건 위반")
    reports = list(Report.objects.filter(application=app).order_by("due_on"))
    cancelled = [r for r in reports if r.status == ReportStatus.CANCELLED]
    still_due = [r for r in reports if r.status == ReportStatus.DUE]
    # The quarters not over by 10 June 2026 are covered by the final report.
    assert len(cancelled) == 6
    assert [r.kind for r in still_due] == ["periodic", "final"]
    final = still_due[-1]
    assert (final.period_end, final.due_on) == (D(2026, 6, 10), D(2026, 7, 10))
