"""A small world (programme, tracks, ministries, personas) and cases driven to any status
through the services, as a person would get them there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from applications import services
from applications.models import Application, Ministry, Organization, Program, Track
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from applications.workflow import ConfirmationOutcome, TrackKind
from sanctions import services as sanctions
from tests.factories import (
    ConfirmationTrackFactory,
    MinistryFactory,
    OrganizationFactory,
    ProgramFactory,
    TrackFactory,
    make_user,
)


@dataclass
class World:
    lead: Ministry
    other_ministry: Ministry
    program: Program
    exemption: Track
    confirmation: Track
    organization: Organization
    other_organization: Organization
    applicant: User
    other_applicant: User
    officer: User
    other_officer: User
    foreign_officer: User
    consultee: User
    decider: User
    foreign_decider: User
    auditor: User

    def persona(self, name: str) -> User:
        return getattr(self, name)  # type: ignore[no-any-return]

    @property
    def today(self) -> dt.date:
        return self.program.local_date(timezone.now())


PERSONAS = (
    "applicant",
    "other_applicant",
    "officer",
    "other_officer",
    "foreign_officer",
    "consultee",
    "decider",
    "foreign_decider",
    "auditor",
)


def build_world() -> World:
    lead = MinistryFactory.create(
        code="MSIT", name="과학기술정보통신부", name_en="Ministry of Science and ICT"
    )
    other = MinistryFactory.create(
        code="MOLIT", name="국토교통부", name_en="Ministry of Land, Infrastructure and Transport"
    )
    program = ProgramFactory.create(code="ICT", lead_ministry=lead)
    exemption = TrackFactory.create(program=program)
    confirmation = ConfirmationTrackFactory.create(program=program)
    org = OrganizationFactory.create(name="모빌리티랩")
    other_org = OrganizationFactory.create(name="Other Co")
    return World(
        lead=lead,
        other_ministry=other,
        program=program,
        exemption=exemption,
        confirmation=confirmation,
        organization=org,
        other_organization=other_org,
        applicant=make_user(Role.APPLICANT, organization=org, username="applicant"),
        other_applicant=make_user(
            Role.APPLICANT, organization=other_org, username="other_applicant"
        ),
        officer=make_user(Role.CASE_OFFICER, ministry=lead, username="officer"),
        other_officer=make_user(Role.CASE_OFFICER, ministry=lead, username="other_officer"),
        foreign_officer=make_user(Role.CASE_OFFICER, ministry=other, username="foreign_officer"),
        consultee=make_user(Role.CONSULTEE, ministry=other, username="consultee"),
        decider=make_user(Role.DECISION_MAKER, ministry=lead, username="decider"),
        foreign_decider=make_user(Role.DECISION_MAKER, ministry=other, username="foreign_decider"),
        auditor=make_user(Role.AUDITOR, username="auditor"),
    )


COMPLETE_DRAFT: dict[str, Any] = {
    "title": "자율주행 배송 로봇",
    "summary": "아파트 단지 내 로봇 배송",
    "service_description": "보도를 이용하는 배송 로봇",
    "technology_description": "라이다 기반 인지",
    "requested_term_days": 730,
    "region": "서울 강남구",
    "scale": "로봇 20대",
    "max_users": 5000,
    "safety_plan": "원격 관제",
    "user_protection": "이용자 고지",
    "insurance_plan": "영업배상책임보험 1억원",
    "declaration_truthful": True,
    "declaration_consent": True,
}


def draft(world: World, *, track: Track | None = None, **fields: Any) -> Application:
    track = track or world.exemption
    values = {**COMPLETE_DRAFT, **fields}
    if track.kind == TrackKind.CONFIRMATION:
        values["requested_term_days"] = None
    app = services.application_create_draft(
        by=world.applicant,
        organization=world.organization,
        program=world.program,
        track=track,
        **values,
    )
    services.regulation_add(
        application=app,
        by=world.applicant,
        statute="도로교통법",
        article="제2조 제10호",
        reason="로봇의 보도 통행 금지",
        competent_ministry=world.other_ministry,
    )
    return app


def term(world: World, days: int = 730, offset: int = 0) -> tuple[dt.date, dt.date]:
    start = world.today + dt.timedelta(days=offset)
    return start, start + dt.timedelta(days=days)


def recommend(world: World, app: Application, **more: Any) -> None:
    """The officer recommends approving the case for two years, with one condition (``more``:
    other arguments of the service, e.g. ``reasons``)."""
    services.application_recommend(
        application=app,
        by=world.officer,
        outcome="approve",
        proposed_term_days=730,
        proposed_conditions=["시속 5km 이하"],
        **more,
    )


# Each status and the shortest path of actions that reaches it.
def drive(
    world: World, status: str, *, track: str = "exemption", term_days: int = 730
) -> Application:
    """A case in ``status``, reached through the services by the right personas."""
    if status == S.EXPIRED:
        # A waiver runs out only after its term: approved and started 30 days ago for 29 days
        # (a decision never approves a term already over), then expired today.
        with time_machine.travel(timezone.now() - dt.timedelta(days=30), tick=True):
            app = drive(world, S.ACTIVE, term_days=29)
        services.application_expire(application=app)
        return app
    on_confirmation_track = {
        S.DRAFT,
        S.SUBMITTED,
        S.SUPPLEMENT_REQUESTED,
        S.UNDER_REVIEW,
        S.WITHDRAWN,
    }
    confirmation = status == S.CONFIRMED or (
        track == "confirmation" and status in on_confirmation_track
    )
    app = draft(world, track=world.confirmation if confirmation else world.exemption)
    if status == S.DRAFT:
        return app
    services.application_submit(application=app, by=world.applicant)
    if status == S.SUBMITTED:
        return app
    if status == S.SUPPLEMENT_REQUESTED:
        services.application_request_supplement(
            application=app, by=world.officer, deficiencies=["시험성적서"]
        )
        return app
    if status == S.WITHDRAWN:
        services.application_withdraw(application=app, by=world.applicant)
        return app
    services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
    if status == S.UNDER_REVIEW:
        return app
    if status == S.CONFIRMED:
        services.application_answer_confirmation(
            application=app, by=world.officer, outcome=ConfirmationOutcome.NO_REGULATION
        )
        return app
    recommend(world, app)
    if status == S.DELIBERATION:
        return app
    if status == S.REJECTED:
        services.application_reject(application=app, by=world.decider, reasons="근거 부족")
        return app
    start, end = term(world, days=term_days)
    services.application_approve(
        application=app,
        by=world.decider,
        committee_reference="제1차 심의위원회",
        term_start=start,
        term_end=end,
        conditions=["시속 5km 이하"],
    )
    if status == S.APPROVED:
        return app
    services.insurance_proof_add(
        application=app,
        by=world.applicant,
        insurer="한국손해보험",
        policy_number="P-1",
        coverage_start=start,
        coverage_end=end,
        insured_amount=100_000_000,
    )
    services.application_activate(application=app, by=world.officer)
    if status == S.ACTIVE:
        return app
    if status == S.SUSPENDED:
        sanction(world, app, "suspend", "사고 조사")
        return app
    if status == S.REVOKED:
        sanction(world, app, "revoke", "조건 위반")
        return app
    request = services.law_amendment_request_file(
        application=app, by=world.applicant, reason="법령 정비 필요"
    )
    services.law_amendment_request_decide(
        law_amendment_request=request, by=world.decider, accept=True, reason="필요성 인정"
    )
    if status == S.CONTINUING:
        return app
    services.application_regularize(application=app, by=world.decider, reason="개정법 시행")
    assert status == S.REGULARIZED, status
    return app


def sanction(world: World, app: Application, measure: str, reason: str, **kwargs: Any) -> Any:
    """Suspend or revoke the way the law asks: the decision maker's prior notice, the company's
    opinion, then the measure (a suspension for 30 days, with one cure step). Returns the
    measure's decision."""
    notice = sanctions.notice_send(
        application=app,
        by=world.decider,
        measure=measure,
        grounds=f"{reason} (사전통지)",
        period_days=30 if measure == "suspend" else None,
    )
    sanctions.opinion_submit(notice=notice, by=world.applicant, text="의견: 시정 중입니다.")
    decision = sanctions.measure_take(
        notice=notice,
        by=world.decider,
        reason=reason,
        assessment_outcome="not_accepted",
        assessment="시정이 확인되지 않음",
        ends_on=app.program.local_date(timezone.now()) + dt.timedelta(days=30),
        cure_steps=["안전 점검 완료"],
        **kwargs,
    )
    app.refresh_from_db()
    return decision


def notice_ready(world: World, app: Application, measure: str) -> Any:
    """The due-process procedure done up to the measure: the decision maker's prior notice of
    ``measure`` and the company's opinion on it (the kernel's guard then lets it be taken)."""
    notice = sanctions.notice_send(
        application=app,
        by=world.decider,
        measure=measure,
        grounds="조건 위반 (사전통지)",
        period_days=30 if measure == "suspend" else None,
    )
    sanctions.opinion_submit(notice=notice, by=world.applicant, text="의견")
    return notice
