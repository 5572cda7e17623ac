"""A meeting decides only with its quorum; members present and not recused vote, one vote each,
and a result needs their majority; a recused member's vote is refused and the recusal is
recorded; attendance is recorded once the meeting has started."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from committees import services
from committees.models import MeetingStatus, Recusal, Result, Seat, SeatRole
from committees.rules import majority_problem, quorum_required
from committees.vocabulary import CommitteeAction
from core.errors import InvalidInput, NotPermitted, WrongState
from tests.committees.board import (
    build_board,
    deliberating,
    hold,
    item_of,
    person,
    plan,
    record,
    send,
    votes_for,
)


@pytest.fixture
def board(world):
    return build_board(world)


def test_quorum_is_the_committees_number_or_a_majority_of_the_members_in_office():
    assert quorum_required(configured=None, in_office=5) == 3
    assert quorum_required(configured=None, in_office=4) == 3
    assert quorum_required(configured=2, in_office=9) == 2
    assert quorum_required(configured=None, in_office=0) == 0


def test_a_result_needs_more_than_half_of_those_who_may_vote():
    assert majority_problem(choices={1: "for", 2: "for", 3: "against"}, voters=3) is None
    assert "2 voted for it" in majority_problem(
        choices={1: "for", 2: "for", 3: "abstain"}, voters=4
    )
    assert majority_problem(choices={}, voters=0) is not None


def test_without_a_quorum_the_meeting_cannot_decide_but_can_defer(board):
    app = deliberating(board.world)
    meeting = hold(board, plan(board, [app]), present=[board.chair, board.member])
    assert (meeting.members_in_office, meeting.members_present, meeting.quorum_required) == (
        5,
        2,
        3,
    )
    assert meeting.quorum_met is False
    for result in (Result.APPROVE, Result.APPROVE_AMENDED, Result.REJECT):
        with pytest.raises(InvalidInput) as refused:
            record(board, meeting, app, result)
        assert "Without a quorum (2 present, 3 needed)" in " ".join(refused.value.errors["result"])
    assert item_of(meeting, app).result == ""
    deferred = record(board, meeting, app, Result.DEFER, voters=[])
    assert deferred.result == Result.DEFER


def test_with_a_quorum_the_meeting_decides(board):
    app = deliberating(board.world)
    meeting = hold(board, plan(board, [app]), present=[board.chair, board.member, board.expert])
    assert meeting.quorum_met is True
    item = record(board, meeting, app, Result.APPROVE)
    assert item.result == Result.APPROVE
    assert sorted(item.votes.values_list("seat__user__username", flat=True)) == [
        "chair",
        "expert",
        "member",
    ]
    event = app.events.get(action=CommitteeAction.COMMITTEE_RESULT_RECORDED)
    assert event.payload["result"] == "approve" and len(event.payload["votes"]) == 3


def test_a_configured_quorum_counts_against_the_members_in_office_that_day(world):
    board = build_board(world, quorum=4)
    Seat.objects.create(  # a member whose term ended before the meeting is not counted
        committee=board.committee,
        user=person(Role.COMMITTEE_MEMBER, "former", "전위원"),
        role=SeatRole.MEMBER,
        term_start=world.today - dt.timedelta(days=800),
        term_end=world.today - dt.timedelta(days=30),
    )
    app = deliberating(world)
    meeting = hold(board, plan(board, [app]), present=[board.chair, board.vice, board.member])
    assert (meeting.members_in_office, meeting.quorum_required, meeting.quorum_met) == (5, 4, False)


def test_attendance_is_recorded_once_the_meeting_started_and_only_until_a_result(board):
    app = deliberating(board.world)
    future = plan(board, [app], starts_at=timezone.now() + dt.timedelta(days=3))
    send(board, future)
    future.refresh_from_db()
    with pytest.raises(InvalidInput, match="has not started yet"):
        services.meeting_record_attendance(meeting=future, by=board.secretary, present=[])
    other = deliberating(board.world, "다른 안건")
    meeting = hold(board, plan(board, [other]))
    assert meeting.status == MeetingStatus.HELD
    record(board, meeting, other, Result.DEFER, voters=[])
    meeting.refresh_from_db()
    with pytest.raises(WrongState, match="Results are recorded already"):
        services.meeting_record_attendance(meeting=meeting, by=board.secretary, present=[])
    with time_machine.travel(future.starts_at + dt.timedelta(hours=2)):
        with pytest.raises(InvalidInput, match="members in office"):
            services.meeting_record_attendance(meeting=future, by=board.secretary, present=[999999])
        held = services.meeting_record_attendance(
            meeting=future, by=board.secretary, present=[board.seat(board.chair).pk]
        )
    assert held.status == MeetingStatus.HELD and held.members_present == 1


def test_a_member_declares_a_conflict_and_their_vote_on_that_item_is_refused(board):
    world = board.world
    conflicted, other = deliberating(world, "이해충돌 안건"), deliberating(world, "다른 안건")
    meeting = send(board, plan(board, [conflicted, other]))
    recusal = services.recusal_declare(
        item=item_of(meeting, conflicted), by=board.member, reason="신청 기업의 자문위원으로 활동"
    )
    assert recusal.seat.user == board.member
    event = conflicted.events.get(action=CommitteeAction.RECUSAL_DECLARED)
    assert (event.actor, event.actor_role) == (board.member, Role.COMMITTEE_MEMBER)
    meeting = hold(board, meeting)

    with pytest.raises(InvalidInput) as refused:
        record(board, meeting, conflicted, Result.APPROVE, voters=board.members())
    assert "declared a conflict of interest in this item: their vote is refused" in " ".join(
        refused.value.errors["votes"]
    )
    assert not item_of(meeting, conflicted).votes.exists()
    # Without the recused member: four may vote, three in favour is a majority.
    item = record(
        board, meeting, conflicted, Result.APPROVE, voters=[board.chair, board.vice, board.expert]
    )
    assert item.votes.count() == 3
    # The member still votes on the other item.
    assert (
        record(board, meeting, other, Result.APPROVE).votes.filter(seat__user=board.member).exists()
    )


def test_recusals_are_declared_by_members_once_per_item_before_its_result(board):
    world = board.world
    app = deliberating(world)
    meeting = send(board, plan(board, [app]))
    item = item_of(meeting, app)
    with pytest.raises(NotPermitted):
        services.recusal_declare(item=item, by=board.secretary, reason="x")
    with pytest.raises(InvalidInput) as empty:
        services.recusal_declare(item=item, by=board.vice, reason="  ")
    assert "reason" in empty.value.errors
    services.recusal_declare(item=item, by=board.vice, reason="친족 관계")
    with pytest.raises(InvalidInput, match="already declared"):
        services.recusal_declare(item=item, by=board.vice, reason="친족 관계")
    meeting = hold(board, meeting)
    record(board, meeting, app, Result.DEFER, voters=[])
    with pytest.raises(WrongState, match="recorded already"):
        services.recusal_declare(item=item, by=board.chair, reason="늦은 신고")
    assert Recusal.objects.filter(item=item).count() == 1


def test_votes_come_from_members_present_with_a_majority(board):
    app = deliberating(board.world)
    meeting = hold(board, plan(board, [app]), present=[board.chair, board.vice, board.member])
    item = item_of(meeting, app)
    absent = votes_for(board, board.chair, board.vice, board.expert)
    with pytest.raises(InvalidInput, match="was not present and cannot vote"):
        services.item_record_result(
            item=item, by=board.secretary, result=Result.REJECT, reasons="근거 부족", votes=absent
        )
    split = {
        **votes_for(board, board.chair),
        **votes_for(board, board.vice, board.member, choice="against"),
    }
    with pytest.raises(InvalidInput, match="needs a majority of the 3 members present"):
        services.item_record_result(
            item=item, by=board.secretary, result=Result.REJECT, reasons="근거 부족", votes=split
        )
    with pytest.raises(InvalidInput, match="Record the vote"):
        services.item_record_result(
            item=item, by=board.secretary, result=Result.REJECT, reasons="근거 부족", votes={}
        )


def test_a_committee_that_records_no_votes_takes_results_without_them(world):
    board = build_board(world, records_votes=False)
    app = deliberating(world)
    meeting = hold(board, plan(board, [app]))
    item = item_of(meeting, app)
    with pytest.raises(InvalidInput, match="does not record votes"):
        services.item_record_result(
            item=item,
            by=board.secretary,
            result=Result.REJECT,
            reasons="근거 부족",
            votes=votes_for(board, board.chair),
        )
    assert record(board, meeting, app, Result.REJECT).result == Result.REJECT


def test_results_check_the_term_the_conditions_and_the_reasons(board):
    app = deliberating(board.world)
    meeting = hold(board, plan(board, [app]))
    today = board.world.today
    with pytest.raises(InvalidInput) as too_long:
        record(
            board,
            meeting,
            app,
            Result.APPROVE,
            term_start=today,
            term_end=today + dt.timedelta(days=900),
        )
    assert "at most 730 days" in too_long.value.errors["term_end"][0]
    with pytest.raises(InvalidInput, match="differ from the recommendation"):
        record(board, meeting, app, Result.APPROVE, conditions=["다른 조건"])
    with pytest.raises(InvalidInput, match="These are the recommended conditions"):
        record(board, meeting, app, Result.APPROVE_AMENDED)
    with pytest.raises(InvalidInput, match="reasons for the rejection"):
        record(board, meeting, app, Result.REJECT, reasons=" ")
    amended = record(
        board, meeting, app, Result.APPROVE_AMENDED, conditions=["시속 5km 이하", "야간 운행 금지"]
    )
    assert amended.conditions == ["시속 5km 이하", "야간 운행 금지"]
    app.refresh_from_db()
    assert app.status == S.DELIBERATION  # a result is not yet a decision
