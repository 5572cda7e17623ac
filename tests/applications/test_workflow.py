"""One test per transition rule: the happy path, every wrong source state, every persona that
may not, the audit event written, and nothing written when the action is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django_fsm import has_transition_perm

from applications import services
from applications.models import Application, AuditEvent, Decision
from applications.roles import Role
from applications.visibility import can_view_application
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput, NotPermitted, NotVisible, WrongState
from sanctions import services as sanctions
from tests.builders import PERSONAS, World, drive, term
from tests.factories import make_user


def _insure(world: World, app: Application) -> None:
    services.insurance_proof_add(
        application=app,
        by=world.applicant,
        insurer="한국손해보험",
        policy_number="P-9",
        coverage_start=app.term_start,
        coverage_end=app.term_end,
        insured_amount=100_000_000,
    )


def _noticed(measure: str) -> Callable[[World, Application], None]:
    """The due-process procedure done, as the kernel's guard asks: the decision maker's prior
    notice of ``measure`` and the company's opinion on it."""

    def prepare(world: World, app: Application) -> None:
        notice = sanctions.notice_send(
            application=app,
            by=world.decider,
            measure=measure,
            grounds="조건 위반",
            period_days=30 if measure == "suspend" else None,
        )
        sanctions.opinion_submit(notice=notice, by=world.applicant, text="의견")

    return prepare


@dataclass(frozen=True)
class Rule:
    name: str
    sources: tuple[str, ...]
    target: str
    allowed: tuple[str, ...]
    call: Callable[[World, Application, Any], Any]
    role: str
    track: str = "exemption"
    prepare: Callable[[World, Application], None] | None = None
    decision_kind: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def _approve(world: World, app: Application, by: Any) -> Any:
    start, end = term(world)
    return services.application_approve(
        application=app,
        by=by,
        committee_reference="제7차 심의위원회",
        term_start=start,
        term_end=end,
        conditions=["조건 1", " ", "조건 2"],
    )


RULES = [
    Rule(
        "submit",
        (S.DRAFT,),
        S.SUBMITTED,
        ("applicant",),
        lambda w, a, by: services.application_submit(application=a, by=by),
        "applicant",
    ),
    Rule(
        "request_supplement",
        (S.SUBMITTED, S.UNDER_REVIEW),
        S.SUPPLEMENT_REQUESTED,
        ("officer", "other_officer"),
        lambda w, a, by: services.application_request_supplement(
            application=a, by=by, deficiencies=["안전성 시험성적서"]
        ),
        "case_officer",
    ),
    Rule(
        "answer_supplement",
        (S.SUPPLEMENT_REQUESTED,),
        S.SUBMITTED,
        ("applicant",),
        lambda w, a, by: services.application_answer_supplement(
            application=a, by=by, message="시험성적서를 첨부합니다."
        ),
        "applicant",
    ),
    Rule(
        "accept",
        (S.SUBMITTED,),
        S.UNDER_REVIEW,
        ("officer", "other_officer"),
        lambda w, a, by: services.application_accept(
            application=a, by=by, no_conflict_declared=True
        ),
        "case_officer",
    ),
    Rule(
        "answer_confirmation",
        (S.UNDER_REVIEW,),
        S.CONFIRMED,
        ("officer",),
        lambda w, a, by: services.application_answer_confirmation(
            application=a, by=by, outcome="no_regulation"
        ),
        "case_officer",
        track="confirmation",
        decision_kind="confirmation",
    ),
    Rule(
        "recommend",
        (S.UNDER_REVIEW,),
        S.DELIBERATION,
        ("officer",),
        lambda w, a, by: services.application_recommend(
            application=a, by=by, outcome="approve", proposed_term_days=365
        ),
        "case_officer",
    ),
    Rule(
        "approve",
        (S.DELIBERATION,),
        S.APPROVED,
        ("decider",),
        _approve,
        "decision_maker",
        decision_kind="approval",
    ),
    Rule(
        "reject",
        (S.DELIBERATION,),
        S.REJECTED,
        ("decider",),
        lambda w, a, by: services.application_reject(application=a, by=by, reasons="자료 부족"),
        "decision_maker",
        decision_kind="rejection",
    ),
    Rule(
        "remand",
        (S.DELIBERATION,),
        S.UNDER_REVIEW,
        ("decider",),
        lambda w, a, by: services.application_remand(application=a, by=by, reason="재검토"),
        "decision_maker",
        decision_kind="remand",
    ),
    Rule(
        "request_reconsideration",
        (S.REJECTED,),
        S.DELIBERATION,
        ("applicant",),
        lambda w, a, by: services.application_request_reconsideration(
            application=a, by=by, reason="보완 자료 제출"
        ),
        "applicant",
    ),
    Rule(
        "activate",
        (S.APPROVED,),
        S.ACTIVE,
        ("officer", "other_officer"),
        lambda w, a, by: services.application_activate(application=a, by=by),
        "case_officer",
        prepare=_insure,
    ),
    Rule(
        "suspend",
        (S.ACTIVE, S.CONTINUING),
        S.SUSPENDED,
        ("decider",),
        lambda w, a, by: services.application_suspend(application=a, by=by, reason="사고 조사"),
        "decision_maker",
        prepare=_noticed("suspend"),
        decision_kind="suspension",
    ),
    Rule(
        "resume",
        (S.SUSPENDED,),
        S.ACTIVE,
        ("decider",),
        lambda w, a, by: services.application_resume(application=a, by=by, reason="조사 종결"),
        "decision_maker",
        decision_kind="resumption",
    ),
    Rule(
        "revoke",
        (S.ACTIVE, S.SUSPENDED, S.CONTINUING),
        S.REVOKED,
        ("decider",),
        lambda w, a, by: services.application_revoke(application=a, by=by, grounds="조건 위반"),
        "decision_maker",
        prepare=_noticed("revoke"),
        decision_kind="revocation",
    ),
    Rule(
        "regularize",
        (S.CONTINUING,),
        S.REGULARIZED,
        ("decider",),
        lambda w, a, by: services.application_regularize(
            application=a, by=by, reason="개정법 시행"
        ),
        "decision_maker",
        decision_kind="regularization",
    ),
    Rule(
        "withdraw",
        (S.DRAFT, S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW, S.DELIBERATION),
        S.WITHDRAWN,
        ("applicant",),
        lambda w, a, by: services.application_withdraw(application=a, by=by, reason="계획 변경"),
        "applicant",
    ),
]


def _snapshot(app: Application) -> tuple[str, int, int, int]:
    fresh = Application.objects.get(pk=app.pk)
    return (fresh.status, fresh.version, AuditEvent.objects.count(), Decision.objects.count())


@pytest.mark.parametrize(("rule", "source"), [(r, s) for r in RULES for s in r.sources], ids=str)
def test_happy_path_moves_the_case_and_writes_one_event(world, rule, source):
    app = drive(world, source, track=rule.track)
    if rule.prepare:
        rule.prepare(world, app)
    before = AuditEvent.objects.count()
    version = Application.objects.get(pk=app.pk).version

    rule.call(world, app, world.persona(rule.allowed[0]))

    fresh = Application.objects.get(pk=app.pk)
    assert fresh.status == rule.target
    assert fresh.version == version + 1
    events = list(AuditEvent.objects.filter(seq__gt=before))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        (rule.name, source, rule.target)
    ]
    assert events[0].actor_name == world.persona(rule.allowed[0]).username
    assert events[0].actor_role == rule.role
    assert events[0].application_id == app.pk
    if rule.decision_kind:
        assert fresh.decisions.last().kind == rule.decision_kind


@pytest.mark.parametrize(
    ("rule", "status"),
    [(r, s) for r in RULES for s in S.values if s not in r.sources],
    ids=str,
)
def test_every_wrong_source_state_is_a_conflict_and_writes_nothing(world, rule, status):
    app = drive(world, status, track=rule.track)
    before = _snapshot(app)
    user = world.persona(rule.allowed[0])
    # A draft is its organisation's alone: for staff it is not there at all (404 before 409).
    expected = WrongState if can_view_application(user, app) else NotVisible

    with pytest.raises(expected):
        rule.call(world, app, user)

    assert _snapshot(app) == before


@pytest.mark.parametrize(
    ("rule", "persona"),
    [(r, p) for r in RULES for p in PERSONAS if p not in r.allowed],
    ids=str,
)
def test_every_other_persona_is_refused_and_nothing_is_written(world, rule, persona):
    app = drive(world, rule.sources[0], track=rule.track)
    if rule.prepare:
        rule.prepare(world, app)
    user = world.persona(persona)
    before = _snapshot(app)
    expected = NotPermitted if can_view_application(user, app) else NotVisible

    with pytest.raises(expected):
        rule.call(world, app, user)

    assert _snapshot(app) == before
    assert not has_transition_perm(getattr(Application.objects.get(pk=app.pk), rule.name), user)


@pytest.mark.parametrize("rule", RULES, ids=str)
def test_the_fsm_permission_agrees_with_the_service(world, rule):
    app = Application.objects.get(pk=drive(world, rule.sources[0], track=rule.track).pk)
    for persona in PERSONAS:
        method = getattr(app, rule.name)
        assert has_transition_perm(method, world.persona(persona)) == (persona in rule.allowed), (
            persona
        )


def test_the_applicant_of_another_organisation_cannot_even_see_the_case(world):
    app = drive(world, S.DRAFT)
    with pytest.raises(NotVisible):
        services.application_submit(application=app, by=world.other_applicant)


def test_a_consulted_ministry_sees_the_case_but_cannot_act_on_it(world):
    app = drive(world, S.UNDER_REVIEW)
    services.consultation_request(
        application=app, by=world.officer, ministries=[world.other_ministry], question="의견?"
    )
    with pytest.raises(NotPermitted):
        services.application_recommend(
            application=app, by=world.consultee, outcome="approve", proposed_term_days=365
        )


def test_fast_confirmation_cases_cannot_be_recommended(world):
    app = drive(world, S.UNDER_REVIEW, track="confirmation")
    with pytest.raises(WrongState, match="track"):
        services.application_recommend(
            application=app, by=world.officer, outcome="approve", proposed_term_days=30
        )


def test_exemption_cases_cannot_get_a_confirmation_answer(world):
    app = drive(world, S.UNDER_REVIEW)
    with pytest.raises(WrongState, match="track"):
        services.application_answer_confirmation(
            application=app, by=world.officer, outcome="no_regulation"
        )


def test_the_recommender_may_not_decide_four_eyes(world):
    both = make_user(Role.CASE_OFFICER, ministry=world.lead, username="officer_and_decider")
    both.groups.add(Group.objects.get(name=Role.DECISION_MAKER))
    app = drive(world, S.SUBMITTED)
    services.application_accept(application=app, by=both, no_conflict_declared=True)
    services.application_recommend(
        application=app, by=both, outcome="approve", proposed_term_days=365
    )

    with pytest.raises(NotPermitted):
        _approve(world, app, both)
    assert Application.objects.get(pk=app.pk).status == S.DELIBERATION

    _approve(world, app, world.decider)
    assert Application.objects.get(pk=app.pk).status == S.APPROVED


def test_approval_records_the_decision_with_numbered_conditions(world):
    app = drive(world, S.DELIBERATION)
    decision = _approve(world, app, world.decider)
    assert decision.conditions == ["조건 1", "조건 2"]
    assert decision.exempted_provisions == ["도로교통법 제2조 제10호"]
    assert decision.committee_reference == "제7차 심의위원회"
    assert (decision.term_start, decision.term_end) == (app.term_start, app.term_end)


def test_reconsideration_is_refused_after_the_window(world):
    app = drive(world, S.REJECTED)
    with (
        time_machine.travel(app.decided_at + dt.timedelta(days=31)),
        pytest.raises(InvalidInput) as caught,
    ):
        services.application_request_reconsideration(
            application=app, by=world.applicant, reason="다시 봐 주세요"
        )
    assert "reconsideration window closed" in str(caught.value)
    assert Application.objects.get(pk=app.pk).status == S.REJECTED


def test_activation_needs_insurance_covering_the_whole_term(world):
    app = drive(world, S.APPROVED)
    services.insurance_proof_add(
        application=app,
        by=world.applicant,
        insurer="보험사",
        policy_number="P-2",
        coverage_start=app.term_start,
        coverage_end=app.term_end - dt.timedelta(days=1),
        insured_amount=1,
    )
    with pytest.raises(InvalidInput, match="insurance"):
        services.application_activate(application=app, by=world.officer)
    assert Application.objects.get(pk=app.pk).status == S.APPROVED


def test_once_under_review_only_the_assigned_officer_works_the_case(world):
    """At intake any officer of the lead ministry may act; after ``accept`` only the one who
    took the case may ask for a supplement, consult, answer or recommend."""
    app = drive(world, S.UNDER_REVIEW)
    assert Application.objects.get(pk=app.pk).assigned_officer == world.officer
    before = _snapshot(app)
    refused = [
        lambda: services.application_request_supplement(
            application=app, by=world.other_officer, deficiencies=["시험성적서"]
        ),
        lambda: services.consultation_request(
            application=app, by=world.other_officer, ministries=[world.other_ministry], question="?"
        ),
        lambda: services.application_recommend(
            application=app, by=world.other_officer, outcome="approve", proposed_term_days=365
        ),
    ]
    for attempt in refused:
        with pytest.raises(NotPermitted):
            attempt()
    assert _snapshot(app) == before

    services.application_request_supplement(
        application=app, by=world.officer, deficiencies=["시험성적서"]
    )
    assert Application.objects.get(pk=app.pk).status == S.SUPPLEMENT_REQUESTED


@pytest.mark.parametrize("rule", RULES, ids=str)
def test_no_person_means_no_permission_for_a_persons_action(world, rule):
    """``by=None`` is the scheduler; it may only take the deadline actions."""
    app = drive(world, rule.sources[0], track=rule.track)
    if rule.prepare:
        rule.prepare(world, app)
    before = _snapshot(app)
    with pytest.raises(NotPermitted):
        rule.call(world, app, None)
    assert _snapshot(app) == before
