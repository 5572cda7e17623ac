"""Demo data for supervision: each Korean exemption track's supervision settings, and one
active waiver under supervision — its reporting schedule with one accepted report and one
overdue, a serious incident, an accepted insurance policy, user-notice evidence and the
conditions register — all reached through the services, so its audit trail is real."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from applications import services
from applications.models import Application, Decision, InsuranceProof, Program, Track
from applications.workflow import RecommendationOutcome, TrackKind
from supervision import services as supervision
from supervision.models import (
    IncidentCategory,
    Report,
    ReportStatus,
    Severity,
    SupervisionSettings,
)

# Demo values (DOMAIN §4–5 give the duties, not the figures): quarterly reports due 30 days
# after each quarter, the result report 30 days after the term (ICP: within 30 days), serious
# incidents within 24 hours (others 72), liability cover of at least KRW 100 million per person
# and KRW 300 million in aggregate where the track requires insurance.
SETTINGS: dict[str, Any] = {
    "report_interval_months": 3,
    "report_due_days": 30,
    "final_report_days": 30,
    "serious_incident_hours": 24,
    "incident_hours": 72,
    "user_notice_required": True,
}
MIN_COVER = {"min_cover_per_person": 100_000_000, "min_cover_aggregate": 300_000_000}

# What the demo companies' policies cover (above the minimums).
COVER = {
    "insured_amount": 1_000_000_000,
    "coverage_per_person": 100_000_000,
    "coverage_per_accident": 300_000_000,
}

DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def seed_settings() -> None:
    """Supervision settings for every exemption track of the Korean programmes (converges)."""
    for track in Track.objects.filter(kind=TrackKind.EXEMPTION):
        minimums = MIN_COVER if track.insurance_required else dict.fromkeys(MIN_COVER)
        SupervisionSettings.objects.update_or_create(track=track, defaults={**SETTINGS, **minimums})


def file_policy(app: Application, applicant: User, start: dt.date, end: dt.date) -> Any:
    """The company's liability policy covering the term, with its certificate."""
    return supervision.insurance_policy_file(
        application=app,
        by=applicant,
        insurer="한국손해보험",
        policy_number=f"LI-{start.year}-{app.pk:04d}",
        coverage_start=start,
        coverage_end=end,
        certificate=("보험증권.pdf", [DEMO_PDF]),
        **COVER,
    )


DATA_ITEMS = [
    ("순찰 거리", "km", "로봇 주행 기록계(odometer) 자동 집계", "매일"),
    ("보행자 근접 정지 횟수", "회", "관제 시스템 이벤트 로그", "매일"),
    ("원격 개입 시간", "분", "관제 요원 개입 기록", "매주"),
]
# The target the test plan sets for each item (issue 16a: reports show it beside the value).
TARGETS = {
    "순찰 거리": "월 1,200km",
    "보행자 근접 정지 횟수": "1,000km당 2회 이하",
    "원격 개입 시간": "주 30분 이하",
}


def shift_into_the_past(app: Application, *, days: int) -> None:
    """Demo only: move a waiver's term and everything dated by it ``days`` into the past, so
    that reports fall due and one is overdue. Never touches ``status``."""
    shift = dt.timedelta(days=days)
    Application.objects.filter(pk=app.pk).update(
        term_start=F("term_start") - shift,
        term_end=F("term_end") - shift,
        decided_at=F("decided_at") - shift,
    )
    Decision.objects.filter(application=app).update(
        term_start=F("term_start") - shift,
        term_end=F("term_end") - shift,
        decided_at=F("decided_at") - shift,
    )
    Report.objects.filter(application=app).update(
        period_start=F("period_start") - shift,
        period_end=F("period_end") - shift,
        due_on=F("due_on") - shift,
    )
    InsuranceProof.objects.filter(application=app).update(
        coverage_start=F("coverage_start") - shift, coverage_end=F("coverage_end") - shift
    )
    app.refresh_from_db()


def seed_supervised_case(
    users: dict[str, User],
    programs: dict[str, Program],
    draft: Callable[[dict[str, User], Program, str, str], Application],
) -> Application:
    """An ICT demonstration waiver 250 days into its two-year term."""
    ict = programs["ICT"]
    applicant, officer, decider = users["applicant"], users["officer"], users["decider"]
    now = timezone.now()
    today = ict.local_date(now)
    app = draft(users, ict, "demonstration", "자율주행 순찰 로봇 아파트 단지 운행")
    for name, unit, method, frequency in DATA_ITEMS:
        services.data_item_add(
            application=app,
            by=applicant,
            name=name,
            unit=unit,
            method=method,
            frequency=frequency,
            target=TARGETS[name],
        )
    services.application_submit(application=app, by=applicant)
    services.application_accept(application=app, by=officer, no_conflict_declared=True)
    services.application_recommend(
        application=app,
        by=officer,
        outcome=RecommendationOutcome.APPROVE,
        proposed_term_days=730,
        proposed_conditions=["최고 속도 시속 4km 이하로 운행할 것"],
        legal_basis="정보통신융합법 제38조의2",
        reasons="순찰 구역과 속도 제한 하에서 실증의 필요성이 인정됩니다.",
    )
    # A decision never approves a term that has already begun, so the waiver is approved today
    # and then moved 250 days into its term (demo only, as the other samples' clocks are).
    start = today
    end = start + dt.timedelta(days=729)
    services.application_approve(
        application=app,
        by=decider,
        committee_reference="제40차 신기술·서비스 심의위원회",
        term_start=start,
        term_end=end,
        conditions=[
            "최고 속도 시속 4km 이하로 운행할 것",
            "매 분기 운행 실적과 이용자 민원을 보고할 것",
            "사고 발생 시 24시간 이내 보고할 것",
        ],
    )
    proof = file_policy(app, applicant, start, end)
    supervision.insurance_policy_review(proof=proof, by=officer, accept=True)
    services.application_activate(application=app, by=officer)
    shift_into_the_past(app, days=250)
    start, end = start - dt.timedelta(days=250), end - dt.timedelta(days=250)
    first, second = list(app.supervision_reports.order_by("due_on"))[:2]
    items = list(app.data_items.all())
    supervision.report_file(
        report=first,
        by=applicant,
        period_start=first.period_start,
        period_end=first.period_end,
        users_served=1240,
        transactions=3820,
        complaints=2,
        complaints_summary="소음 민원 2건: 야간 순찰 경로를 조정했습니다.",
        incidents_summary="경미한 접촉 1건(부상 없음).",
        problems="우천 시 라이다 인식률 저하로 운행을 중단했습니다.",
        values={item.pk: value for item, value in zip(items, ["1,530", "214", "95"], strict=True)},
    )
    supervision.report_review(
        report=first, by=officer, accept=False, reasons="원격 개입 시간의 산정 근거를 보완하십시오."
    )
    supervision.report_file(
        report=first,
        by=applicant,
        period_start=first.period_start,
        period_end=first.period_end,
        users_served=1240,
        transactions=3820,
        complaints=2,
        complaints_summary="소음 민원 2건: 야간 순찰 경로를 조정했습니다.",
        incidents_summary="경미한 접촉 1건(부상 없음).",
        problems="우천 시 라이다 인식률 저하로 운행을 중단했습니다. 개입 시간은 관제 로그 기준입니다.",
        values={item.pk: value for item, value in zip(items, ["1,530", "214", "102"], strict=True)},
        attachments=[("1분기_운행기록.pdf", [DEMO_PDF])],
    )
    supervision.report_review(report=first, by=officer, accept=True)
    assert second.status == ReportStatus.DUE and second.due_on < today
    supervision.report_flag_overdue(report=second, now=now, rule="report_overdue: demo")
    incident = supervision.incident_report(
        application=app,
        by=applicant,
        category=IncidentCategory.SAFETY,
        severity=Severity.SERIOUS,
        occurred_at=now - dt.timedelta(hours=31),
        detected_at=now - dt.timedelta(hours=30),
        affected_users=1,
        description="순찰 로봇이 보행 보조기를 사용하는 주민과 충돌하여 경상을 입혔습니다.",
        actions_taken="해당 로봇을 즉시 정지하고 피해자를 병원으로 이송했습니다.",
        corrective_actions="근접 감지 거리를 1.5m에서 2.5m로 늘리는 소프트웨어를 배포합니다.",
    )
    supervision.incident_step(
        incident=incident,
        by=officer,
        step="ask",
        text="사고 당시 로봇의 속도 기록과 관제 요원의 개입 여부를 제출하십시오.",
    )
    supervision.user_notice_file(
        application=app,
        by=applicant,
        channels="앱 가입 화면, 단지 출입구 안내문, 로봇 외부 스티커",
        notice_text="이 서비스는 규제특례(실증특례)에 따라 2년간 시범 운영됩니다. 문의: 1588-0000",
        url="https://mobilitylab.example/sandbox-notice",
    )
    record = app.condition_records.get(number=1)
    supervision.condition_update(
        record=record,
        by=officer,
        status="met",
        evidence="1분기 보고서의 주행 기록(최고 시속 3.8km)으로 확인했습니다.",
    )
    return app


def seed_supervision(
    users: dict[str, User],
    programs: dict[str, Program],
    draft: Callable[[dict[str, User], Program, str, str], Application],
) -> list[Application]:
    """The supervision settings, then the supervised case. The other sample cases were
    approved before the programmes set up supervision, so they carry no schedule (a schedule is
    made at approval from the settings then in force)."""
    seed_settings()
    return [seed_supervised_case(users, programs, draft)]


__all__ = ["file_policy", "seed_settings", "seed_supervision"]
