"""The chair approves the minutes; deferred items return to the next agenda; a decision maker
then issues the meeting's decisions in one step, each case in its own transaction through the
kernel's decision services, citing the meeting and never dated before it. One failing case does
not block the others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications import effects
from applications import services as kernel
from applications.audit import utc_text
from applications.models import AuditEvent, Decision
from applications.workflow import ApplicationStatus as S
from committees import selectors, services
from committees.models import AgendaItem, MeetingStatus, Result
from committees.vocabulary import CommitteeAction
from core.errors import InvalidInput, NotPermitted, WrongState
from documents.models import Letter
from tests.committees.board import (
    COMMITTEE_EN,
    approve_minutes,
    build_board,
    deliberating,
    hold,
    item_of,
    plan,
    record,
)


@pytest.fixture
def board(world):
    return build_board(world)


def _decided_meeting(board, results):
    """A held meeting whose items got ``results`` (title → result), minutes approved."""
    apps = {title: deliberating(board.world, title) for title in results}
    meeting = hold(board, plan(board, list(apps.values())))
    for title, result in results.items():
        record(board, meeting, apps[title], result, **({"voters": []} if result == "defer" else {}))
    return approve_minutes(board, meeting), apps


def test_the_minutes_wait_for_every_result_and_only_the_chair_approves_them(board):
    first, second = deliberating(board.world), deliberating(board.world, "둘째")
    meeting = hold(board, plan(board, [first, second]))
    record(board, meeting, first, Result.APPROVE)
    meeting.refresh_from_db()
    with pytest.raises(InvalidInput, match="needs a result before the minutes"):
        services.minutes_approve(meeting=meeting, by=board.chair)
    record(board, meeting, second, Result.DEFER, voters=[])
    meeting.refresh_from_db()
    for someone in (board.vice, board.member, board.secretary, board.world.decider):
        with pytest.raises(NotPermitted):
            services.minutes_approve(meeting=meeting, by=someone)
    approved = services.minutes_approve(meeting=meeting, by=board.chair)
    assert approved.status == MeetingStatus.MINUTES_APPROVED
    assert approved.minutes_approved_by == board.chair and approved.minutes_paper is not None
    event = AuditEvent.objects.get(action=CommitteeAction.MINUTES_APPROVED)
    assert event.application is None and event.payload["sha256"] == approved.minutes_paper.sha256
    with pytest.raises(WrongState):
        services.item_record_result(
            item=item_of(approved, first), by=board.secretary, result=Result.DEFER
        )


def test_the_vice_chair_approves_the_minutes_of_a_meeting_the_chair_missed(board):
    app = deliberating(board.world)
    meeting = hold(board, plan(board, [app]), present=[board.vice, board.member, board.expert])
    record(board, meeting, app, Result.DEFER, voters=[])
    meeting.refresh_from_db()
    assert (
        services.minutes_approve(meeting=meeting, by=board.vice).minutes_approved_by == board.vice
    )


def test_a_deferred_item_returns_to_the_next_planned_agenda(board):
    later = plan(board, starts_at=timezone.now() + dt.timedelta(days=30))
    meeting, apps = _decided_meeting(
        board, {"보류 안건": Result.DEFER, "승인 안건": Result.APPROVE}
    )
    deferred = apps["보류 안건"]
    old, new = item_of(meeting, deferred), item_of(later, deferred)
    assert (old.current, new.current, new.carried_from) == (False, True, old)
    actions = list(deferred.events.values_list("action", flat=True))
    assert actions[-2:] == [CommitteeAction.COMMITTEE_DEFERRED, CommitteeAction.AGENDA_ITEM_ADDED]
    assert (
        deferred.events.get(action=CommitteeAction.COMMITTEE_DEFERRED).payload["meeting"]
        == meeting.pk
    )


def test_without_a_planned_meeting_the_deferred_case_waits_first_and_the_next_meeting_takes_it(
    board,
):
    waiting_earlier = deliberating(board.world, "기다리던 안건")
    meeting, apps = _decided_meeting(board, {"보류 안건": Result.DEFER})
    deferred = apps["보류 안건"]
    waiting = selectors.waiting_for_agenda(board.committee)
    assert [w.application for w in waiting] == [deferred, waiting_earlier]
    assert waiting[0].deferred_at == meeting
    following = plan(board, starts_at=timezone.now() + dt.timedelta(days=14))
    assert [i.application for i in following.items.all()] == [deferred]
    assert item_of(following, deferred).carried_from == item_of(meeting, deferred)


def test_decisions_are_issued_from_the_minutes_each_citing_the_meeting(board):
    world = board.world
    meeting, apps = _decided_meeting(
        board,
        {"승인 안건": Result.APPROVE, "불승인 안건": Result.REJECT, "보류 안건": Result.DEFER},
    )
    report = services.meeting_issue_decisions(meeting=meeting, by=world.decider)
    assert report.failed == [] and len(report.issued) == 2
    approved, rejected, deferred = (apps[t] for t in ("승인 안건", "불승인 안건", "보류 안건"))
    for app in (approved, rejected, deferred):
        app.refresh_from_db()
    assert (approved.status, rejected.status, deferred.status) == (
        S.APPROVED,
        S.REJECTED,
        S.DELIBERATION,
    )
    local = meeting.local_date  # written as people write dates, not ISO
    day = f"{local.year}년 {local.month}월 {local.day}일"
    for app in (approved, rejected):
        decision = app.decisions.get()
        assert decision.committee_reference == f"제1차 신기술·서비스 심의위원회 ({day})"
        assert decision.decided_by == world.decider
        assert decision.decided_at >= meeting.starts_at
        assert item_of(meeting, app).decision == decision
        event = app.events.get(action__in=["approve", "reject"])
        assert event.payload["meeting_at"] == utc_text(meeting.starts_at)
        assert Letter.objects.filter(decision=decision).exists()
    assert approved.decisions.get().conditions == ["시속 5km 이하"]
    assert rejected.decisions.get().reasons == "안전성 검증 자료 부족"
    meeting.refresh_from_db()
    assert meeting.decisions_issued_at is not None
    issued = AuditEvent.objects.get(action=CommitteeAction.MEETING_DECISIONS_ISSUED)
    assert sorted(issued.payload["issued"]) == sorted([approved.reference, rejected.reference])


def test_the_reference_is_in_the_applicants_language(board):
    world = board.world
    app = deliberating(world, "English case")
    app.__class__.objects.filter(pk=app.pk).update(language="en")
    meeting = hold(board, plan(board, [app]))
    record(board, meeting, app, Result.APPROVE)
    meeting = approve_minutes(board, meeting)
    services.meeting_issue_decisions(meeting=meeting, by=world.decider)
    day = meeting.local_date.strftime("%-d %B %Y")  # as people write it, not ISO
    assert app.decisions.get().committee_reference == f"1st meeting of the {COMMITTEE_EN} ({day})"


def test_one_failing_case_does_not_block_the_others_and_each_is_its_own_transaction(board):
    """The middle case fails after the kernel wrote its transition, audit event and decision:
    all of that rolls back, while the cases before and after it are decided."""
    world = board.world
    meeting, apps = _decided_meeting(
        board, {"첫째": Result.APPROVE, "둘째": Result.APPROVE, "셋째": Result.REJECT}
    )
    failing = apps["둘째"]

    def explode(*, decision):
        if decision.application_id == failing.pk:
            raise RuntimeError("letter storage is down")

    effects.on_decision(explode)
    try:
        report = services.meeting_issue_decisions(meeting=meeting, by=world.decider)
    finally:
        effects._decision_hooks.remove(explode)

    assert [i.application for i in report.issued] == [apps["첫째"], apps["셋째"]]
    assert [(i.application, reason) for i, reason in report.failed] == [
        (failing, "It could not be issued (RuntimeError).")
    ]
    failing.refresh_from_db()
    assert failing.status == S.DELIBERATION
    assert not Decision.objects.filter(application=failing).exists()
    assert not failing.events.filter(action="approve").exists()
    item = item_of(meeting, failing)
    assert (item.decision, item.current, item.issue_error) == (
        None,
        True,
        "It could not be issued (RuntimeError).",
    )
    for title in ("첫째", "셋째"):
        apps[title].refresh_from_db()
        assert apps[title].status in (S.APPROVED, S.REJECTED)
    meeting.refresh_from_db()
    assert meeting.decisions_issued_at is None  # one is still open

    # Another run issues only what is left.
    again = services.meeting_issue_decisions(meeting=meeting, by=world.decider)
    assert [i.application for i in again.issued] == [failing] and again.failed == []
    assert Decision.objects.filter(application__in=apps.values()).count() == 3
    meeting.refresh_from_db()
    assert meeting.decisions_issued_at is not None


def test_a_case_withdrawn_after_the_meeting_fails_alone(board):
    world = board.world
    meeting, apps = _decided_meeting(board, {"철회": Result.APPROVE, "승인": Result.APPROVE})
    kernel.application_withdraw(application=apps["철회"], by=world.applicant)  # no callbacks run
    report = services.meeting_issue_decisions(meeting=meeting, by=world.decider)
    assert [i.application for i in report.issued] == [apps["승인"]]
    ((item, reason),) = report.failed
    assert item.application == apps["철회"] and "withdrawn" in reason.lower()


def test_the_issuer_is_a_decision_maker_after_the_minutes(board):
    world = board.world
    app = deliberating(world)
    meeting = hold(board, plan(board, [app]))
    record(board, meeting, app, Result.APPROVE)
    meeting.refresh_from_db()
    with pytest.raises(WrongState, match="once the minutes are approved"):
        services.meeting_issue_decisions(meeting=meeting, by=world.decider)
    meeting = approve_minutes(board, meeting)
    for someone in (board.secretary, board.chair):
        with pytest.raises(NotPermitted):
            services.meeting_issue_decisions(meeting=meeting, by=someone)
    assert not AgendaItem.objects.filter(decision__isnull=False).exists()


def test_where_the_committee_meets_here_a_free_text_decision_is_refused(board):
    world = board.world
    app = deliberating(world)
    for decide in (
        lambda: kernel.application_approve(
            application=app,
            by=world.decider,
            committee_reference="제9차 회의",
            term_start=world.today,
            term_end=world.today + dt.timedelta(days=30),
        ),
        lambda: kernel.application_reject(
            application=app, by=world.decider, reasons="근거 부족", committee_reference="제9차"
        ),
    ):
        with pytest.raises(InvalidInput) as refused:
            decide()
        assert "decides in its meetings here" in refused.value.errors["committee_reference"][0]
    # Citing a meeting that did not decide the case is refused too.
    meeting = hold(board, plan(board, [app]))
    with pytest.raises(InvalidInput, match="decides in its meetings here"):
        kernel.application_reject(
            application=app, by=world.decider, reasons="근거 부족", meeting_at=meeting.starts_at
        )
    app.refresh_from_db()
    assert app.status == S.DELIBERATION and not app.decisions.exists()
    # An inactive committee gives the programme its free-text references back.
    board.committee.is_active = False
    board.committee.save()
    kernel.application_reject(application=app, by=world.decider, reasons="근거 부족")
    app.refresh_from_db()
    assert app.status == S.REJECTED
