"""Demo data for the public side: a granted waiver whose applicant claimed trade secrets (one
accepted, one refused by the officer), and the statistics computed once so the pages have
figures before the scheduler's first tick."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.models import User
from django.utils import timezone

from applications import services
from applications.models import Application, Program
from applications.workflow import RecommendationOutcome
from demo.supervision import file_policy, shift_into_the_past
from register.models import TradeSecretClaim
from register.rules import PublishedField
from register.services import (
    register_entry_refresh,
    statistics_refresh,
    trade_secret_claim_decide,
    trade_secret_claims_set,
)
from supervision import services as supervision

YEAR = 365


Draft = Callable[[dict[str, User], Program, str, str], Application]


def seed_register_cases(
    users: dict[str, User], programs: dict[str, Program], draft: Draft
) -> Application:
    """Through the services, as people would: claims before submission, the officer's decisions
    after acceptance, then the committee's approval and the start of the term. ``draft`` is the
    seed's own draft builder (a complete application with its attachments)."""
    ict = programs["ICT"]
    applicant, officer, decider = users["applicant"], users["officer"], users["decider"]
    app = draft(users, ict, "demonstration", "라이다 기반 무인 순찰 로봇")
    trade_secret_claims_set(
        application=app,
        by=applicant,
        claims={
            PublishedField.SCALE: "투입 로봇 대수는 양산 계획과 원가 구조를 드러내는 영업비밀입니다.",
            PublishedField.REGION: "실증 단지는 고객사와의 계약상 비공개 사항입니다.",
        },
    )
    services.application_submit(application=app, by=applicant)
    services.application_accept(application=app, by=officer, no_conflict_declared=True)
    for claim in TradeSecretClaim.objects.filter(application=app):
        if claim.field == PublishedField.SCALE:
            trade_secret_claim_decide(claim=claim, by=officer, accept=True)
        else:
            trade_secret_claim_decide(
                claim=claim,
                by=officer,
                accept=False,
                reason="실증 지역은 주민 안전과 직결되어 공개가 필요합니다 (이용자 보호).",
            )
    services.application_recommend(
        application=app,
        by=officer,
        outcome=RecommendationOutcome.APPROVE,
        proposed_term_days=2 * YEAR,
        proposed_conditions=["야간 순찰 시 최고 속도 시속 4km 이하", "관제 요원 상시 배치"],
        legal_basis="정보통신융합법 제38조의2",
        reasons="안전 조건 하에서 실증의 필요성이 인정됩니다.",
    )
    # A decision never approves a term that has already begun: approved today, then moved ten
    # days into its term (demo only, as the other samples' clocks are).
    start = ict.local_date(timezone.now())
    end = start + dt.timedelta(days=2 * YEAR - 1)
    services.application_approve(
        application=app,
        by=decider,
        committee_reference="제43차 신기술·서비스 심의위원회",
        term_start=start,
        term_end=end,
        conditions=[
            "야간 순찰 시 최고 속도 시속 4km 이하로 운행할 것",
            "관제 요원을 상시 배치할 것",
        ],
    )
    proof = file_policy(app, applicant, start, end)
    supervision.insurance_policy_review(proof=proof, by=officer, accept=True)
    services.application_activate(application=app, by=officer)
    shift_into_the_past(app, days=10)
    register_entry_refresh(application=app)
    return app


def seed_statistics() -> None:
    statistics_refresh()
