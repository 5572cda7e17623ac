"""Demo data for due process (``sanctions``): the track settings the procedure and the end of
the term read (FinISA's 18-month continuation cap, conversion of ICT and ICP demonstration
exemptions into temporary permits), a waiver under prior notice with the company's opinion in,
and the suspension and revocation of the sample cases through the procedure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from applications.models import Application, Program, Track
from sanctions import services as sanctions

# Conversion of a demonstration exemption into a temporary permit (ICT Act 2022, ICP Act 2021).
CONVERTIBLE = ("ICT", "ICP")


def seed_settings(programs: dict[str, Program]) -> None:
    """Track settings of the procedure and the term's end; converges on every run."""
    Track.objects.filter(program__code="FIN").update(continuation_cap_months=18)
    for code in CONVERTIBLE:
        program = programs.get(code)
        if program is None:
            continue
        permit = program.tracks.filter(code="temporary_permit").first()
        if permit is not None:
            program.tracks.filter(code="demonstration").update(conversion_track=permit)


def _today(app: Application) -> dt.date:
    return app.program.local_date(timezone.now())


def suspend(app: Application, *, decider: Any, applicant: Any, reason: str) -> None:
    """Prior notice, the company's opinion, then a 60-day suspension with its cure steps."""
    notice = sanctions.notice_send(
        application=app,
        by=decider,
        measure="suspend",
        grounds="원격 모니터링 장애로 이용자 3명의 생체 신호 경보가 30분간 전달되지 않았습니다.",
        period_days=60,
    )
    sanctions.opinion_submit(
        notice=notice,
        by=applicant,
        text="장애 원인은 통신사 구간 장애였으며, 이중화 회선을 설치하는 중입니다.",
    )
    sanctions.measure_take(
        notice=notice,
        by=decider,
        reason=reason,
        assessment_outcome="partly",
        assessment="통신 이중화 계획은 인정하나, 설치 완료 전까지 이용자 안전을 보장할 수 없습니다.",
        ends_on=_today(app) + dt.timedelta(days=60),
        cure_steps=[
            "통신 회선 이중화 설치 및 시험 성적서 제출",
            "경보 전달 실패 시 자동 전화 연락 절차 마련",
            "영향받은 이용자에 대한 사후 조치 결과 보고",
        ],
    )


def revoke(app: Application, *, decider: Any, applicant: Any, grounds: str) -> None:
    """Prior notice, the company's opinion with a hearing request, then the revocation."""
    notice = sanctions.notice_send(application=app, by=decider, measure="revoke", grounds=grounds)
    sanctions.opinion_submit(
        notice=notice,
        by=applicant,
        text="야간 운행은 시험 목적이었으며 재발 방지 조치를 했습니다.",
        hearing_requested=True,
    )
    sanctions.measure_take(
        notice=notice,
        by=decider,
        reason=grounds,
        assessment_outcome="not_accepted",
        assessment="같은 위반이 세 차례 반복되었고, 재발 방지 조치가 확인되지 않았습니다.",
    )


def under_notice(app: Application, *, decider: Any, applicant: Any) -> None:
    """A waiver under prior notice of suspension with the company's opinion in: the decision
    maker may now take the measure (or close the notice)."""
    notice = sanctions.notice_send(
        application=app,
        by=decider,
        measure="suspend",
        grounds="분기 보고서가 제출 기한을 넘겨 제출되지 않았고, 이용자 고지 증빙도 없습니다.",
        period_days=30,
    )
    sanctions.opinion_submit(
        notice=notice,
        by=applicant,
        text="담당자 퇴사로 보고가 늦었습니다. 이번 주 안에 보고서와 고지 증빙을 제출하겠습니다.",
    )
