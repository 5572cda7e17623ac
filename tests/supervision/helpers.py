"""Supervised waivers built through the services, for the supervision tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import time_machine

from applications import services
from applications.models import Application, InsuranceProof
from applications.workflow import ApplicationStatus as S
from supervision import services as supervision
from supervision.models import Incident, Report, SupervisionSettings, UserNotice
from tests.builders import World, draft

# 10:00 in Seoul on Monday 2 March 2026; the world's programme runs on Asia/Seoul.
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
START = dt.date(2026, 3, 2)
END = dt.date(2028, 3, 1)  # 730 days
MINUTE = dt.timedelta(minutes=1)
CONDITIONS = ["최고 속도 시속 5km 이하로 운행할 것", "사고 발생 시 24시간 이내 보고할 것"]
ITEMS = [
    ("운행 거리", "km", "주행 기록계", "매일"),
    ("보행자 근접 정지", "회", "관제 로그", "매일"),
]
COVER = {
    "insured_amount": 1_000_000_000,
    "coverage_per_person": 100_000_000,
    "coverage_per_accident": 300_000_000,
}


def at(moment: dt.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def seoul_midnight(day: dt.date) -> dt.datetime:
    """00:00 in Seoul at the start of ``day``, in UTC (15:00 the day before)."""
    return dt.datetime.combine(day, dt.time(0), dt.UTC) - dt.timedelta(hours=9)


def supervised(world: World, **overrides: Any) -> SupervisionSettings:
    """Supervision settings for the world's exemption track: quarterly reports due 30 days after
    each quarter, the final report 30 days after the term, serious incidents within 24 hours,
    and (unless overridden) a minimum cover of KRW 100m per person and 300m in aggregate."""
    values: dict[str, Any] = {
        "report_interval_months": 3,
        "report_due_days": 30,
        "final_report_days": 30,
        "serious_incident_hours": 24,
        "incident_hours": 72,
        "min_cover_per_person": 100_000_000,
        "min_cover_aggregate": 300_000_000,
        "user_notice_required": True,
        **overrides,
    }
    return SupervisionSettings.objects.create(track=world.exemption, **values)


def approved(
    world: World,
    *,
    start: dt.date = START,
    end: dt.date = END,
    conditions: Sequence[str] = CONDITIONS,
    items: Sequence[tuple[str, str, str, str]] = ITEMS,
    language: str = "ko",
) -> Application:
    """An exemption case with a test plan, approved with the given term and conditions."""
    app = draft(world, language=language)
    for name, unit, method, frequency in items:
        services.data_item_add(
            application=app,
            by=world.applicant,
            name=name,
            unit=unit,
            method=method,
            frequency=frequency,
        )
    services.application_submit(application=app, by=world.applicant)
    services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
    services.application_recommend(
        application=app,
        by=world.officer,
        outcome="approve",
        proposed_term_days=(end - start).days,
        proposed_conditions=list(conditions),
    )
    services.application_approve(
        application=app,
        by=world.decider,
        committee_reference="제1차 신기술·서비스 심의위원회",
        term_start=start,
        term_end=end,
        conditions=list(conditions),
    )
    app.refresh_from_db()
    return app


def policy(
    world: World,
    app: Application,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    number: str = "P-1",
    **cover: Any,
) -> InsuranceProof:
    return supervision.insurance_policy_file(
        application=app,
        by=world.applicant,
        insurer="한화손해보험",
        policy_number=number,
        coverage_start=start or app.term_start,
        coverage_end=end or app.term_end,
        **{**COVER, **cover},
    )


def active(world: World, **kwargs: Any) -> Application:
    """An approved case insured for its whole term and activated."""
    app = approved(world, **kwargs)
    policy(world, app)
    services.application_activate(application=app, by=world.officer)
    app.refresh_from_db()
    assert app.status == S.ACTIVE
    return app


def report_values(app: Application, value: str = "12") -> dict[int, str]:
    return {item.pk: value for item in app.data_items.all()}


def file_report(world: World, report: Any, **overrides: Any) -> Any:
    app = report.application
    values: dict[str, Any] = {
        "period_start": report.period_start,
        "period_end": report.period_end,
        "users_served": 120,
        "transactions": 480,
        "complaints": 0,
        "values": report_values(app),
        **overrides,
    }
    return supervision.report_file(report=report, by=world.applicant, **values)


def file_notice(world: World, app: Application, **overrides: Any) -> UserNotice:
    """The company's user-notice evidence: channels, the notice text and where it is shown."""
    values: dict[str, Any] = {
        "channels": "앱 가입 화면, 현장 안내문",
        "notice_text": "이 서비스는 실증특례로 운영됩니다.",
        "url": "https://example.test/notice",
        **overrides,
    }
    return supervision.user_notice_file(application=app, by=world.applicant, **values)


def report_incident(
    world: World, app: Application, *, moment: dt.datetime, by: Any = None, **overrides: Any
) -> Incident:
    """An incident the company reports at ``moment`` (serious unless overridden), detected two
    hours and happened three hours before."""
    values: dict[str, Any] = {
        "category": "safety",
        "severity": "serious",
        "occurred_at": moment - dt.timedelta(hours=3),
        "detected_at": moment - dt.timedelta(hours=2),
        "affected_users": 1,
        "description": "로봇이 보행자와 충돌",
        "actions_taken": "즉시 정지",
        **overrides,
    }
    with at(moment):
        return supervision.incident_report(application=app, by=by or world.applicant, **values)


def first_report(app: Application) -> Report:
    """The waiver's report due first."""
    report = Report.objects.filter(application=app).order_by("due_on").first()
    assert report is not None
    return report
