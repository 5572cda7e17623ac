"""The secretariat plans numbered meetings and builds their agendas from the programme's cases in
deliberation; a case is on one meeting's agenda at a time; the agenda freezes when the papers
are sent; stale forms are refused; a case that leaves deliberation is dropped with a note."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications import services as kernel
from applications.models import AuditEvent
from applications.workflow import ApplicationStatus as S
from committees import selectors, services
from committees.models import AgendaItem, MeetingStatus, Result, Venue
from committees.vocabulary import CommitteeAction
from core.errors import InvalidInput, NotPermitted, NotVisible, StaleVersion, WrongState
from tests.builders import drive
from tests.committees.board import (
    build_board,
    deliberating,
    hold,
    item_of,
    other_programme_member,
    plan,
    record,
    send,
)


@pytest.fixture
def board(world):
    return build_board(world)


def _order(meeting):
    return list(meeting.items.order_by("position").values_list("application__title", flat=True))


def test_meetings_are_numbered_per_committee_and_the_agenda_keeps_the_secretariats_order(board):
    first, second, third = (deliberating(board.world, t) for t in ("가", "나", "다"))
    meeting = plan(board, [first, second, third])
    later = plan(board, starts_at=timezone.now() + dt.timedelta(days=30))
    assert (meeting.number, later.number) == (1, 2)
    assert _order(meeting) == ["가", "나", "다"]

    meeting.refresh_from_db()
    services.agenda_move(item=item_of(meeting, third), by=board.secretary, direction="up")
    services.agenda_move(item=item_of(meeting, third), by=board.secretary, direction="up")
    assert _order(meeting) == ["다", "가", "나"]
    with pytest.raises(InvalidInput, match="cannot move further"):
        services.agenda_move(item=item_of(meeting, third), by=board.secretary, direction="up")

    services.agenda_remove(item=item_of(meeting, first), by=board.secretary)
    assert _order(meeting) == ["다", "나"]
    assert list(meeting.items.order_by("position").values_list("position", flat=True)) == [1, 2]
    assert [w.application for w in selectors.waiting_for_agenda(board.committee)] == [first]
    actions = list(first.events.values_list("action", flat=True))
    assert actions[-2:] == [CommitteeAction.AGENDA_ITEM_ADDED, CommitteeAction.AGENDA_ITEM_REMOVED]
    assert (
        AuditEvent.objects.filter(application=None, action=CommitteeAction.AGENDA_REORDERED).count()
        == 2
    )


def test_a_meeting_number_is_used_once_and_a_place_is_needed_in_person(board):
    plan(board)
    with pytest.raises(InvalidInput) as refused:
        services.meeting_plan(
            committee=board.committee,
            by=board.secretary,
            starts_at=None,
            venue=Venue.IN_PERSON,
            place=" ",
        )
    assert set(refused.value.errors) == {"starts_at", "place"}
    with pytest.raises(InvalidInput, match="exists already"):
        services.meeting_plan(
            committee=board.committee,
            by=board.secretary,
            starts_at=timezone.now(),
            venue=Venue.ONLINE,
            number=1,
        )
    online = services.meeting_plan(
        committee=board.committee, by=board.secretary, starts_at=timezone.now(), venue=Venue.ONLINE
    )
    assert (online.number, online.place) == (2, "")


def test_only_the_programmes_secretariat_plans_and_builds_agendas(board):
    world = board.world
    with pytest.raises(NotPermitted):
        services.meeting_plan(
            committee=board.committee, by=world.decider, starts_at=timezone.now(), venue="online"
        )
    with pytest.raises(NotVisible):
        services.meeting_plan(
            committee=board.committee, by=world.officer, starts_at=timezone.now(), venue="online"
        )
    meeting = plan(board)
    with pytest.raises(NotPermitted):
        services.agenda_add(meeting=meeting, application=deliberating(world), by=world.decider)
    with pytest.raises(NotPermitted):  # a member reads the meeting but does not build it
        services.agenda_add(meeting=meeting, application=deliberating(world), by=board.chair)
    with pytest.raises(NotVisible):
        services.agenda_add(
            meeting=meeting, application=deliberating(world), by=other_programme_member(world)
        )


def test_a_case_is_on_one_planned_meetings_agenda_at_a_time(board):
    app = deliberating(board.world)
    first = plan(board, [app])
    second = plan(board, starts_at=timezone.now() + dt.timedelta(days=30))
    with pytest.raises(InvalidInput, match=r"already on the agenda of meeting no\. 1"):
        services.agenda_add(meeting=second, application=app, by=board.secretary)
    assert AgendaItem.objects.filter(application=app).count() == 1
    services.agenda_remove(item=item_of(first, app), by=board.secretary)
    second.refresh_from_db()
    services.agenda_add(meeting=second, application=app, by=board.secretary)
    assert list(AgendaItem.objects.filter(application=app).values_list("meeting", flat=True)) == [
        second.pk
    ]


def test_only_cases_in_deliberation_of_the_committees_programme_go_on_the_agenda(board):
    meeting = plan(board)
    reviewing = drive(board.world, S.UNDER_REVIEW)
    with pytest.raises(InvalidInput, match="Only cases in deliberation"):
        services.agenda_add(meeting=meeting, application=reviewing, by=board.secretary)
    assert not meeting.items.exists()


def test_the_agenda_freezes_when_the_papers_are_sent(board):
    app, late = deliberating(board.world), deliberating(board.world, "늦은 안건")
    meeting = plan(board, [app])
    sent = send(board, meeting)
    assert sent.status == MeetingStatus.AGENDA_SENT and sent.agenda_paper is not None
    with pytest.raises(WrongState, match="only until the papers are sent"):
        services.agenda_add(meeting=sent, application=late, by=board.secretary)
    with pytest.raises(WrongState):
        services.agenda_remove(item=item_of(sent, app), by=board.secretary)
    assert app.events.filter(action=CommitteeAction.PUT_TO_COMMITTEE).count() == 1


def test_papers_need_an_agenda(board):
    meeting = plan(board)
    with pytest.raises(InvalidInput, match="at least one case"):
        send(board, meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.agenda_paper is None


def test_a_form_opened_before_someone_else_changed_the_meeting_is_refused(board):
    first, second = deliberating(board.world), deliberating(board.world, "둘째")
    meeting = plan(board, [first])
    seen = meeting.version
    services.agenda_add(meeting=meeting, application=second, by=board.secretary)
    with pytest.raises(StaleVersion):
        services.agenda_remove(
            item=item_of(meeting, first), by=board.secretary, expected_version=seen
        )
    assert meeting.items.count() == 2


def test_a_case_that_leaves_deliberation_is_dropped_from_the_agenda_with_a_note(
    board, django_capture_on_commit_callbacks
):
    world = board.world
    staying, leaving = deliberating(world, "남는 안건"), deliberating(world, "철회 안건")
    meeting = plan(board, [staying, leaving])
    with django_capture_on_commit_callbacks(execute=True):
        kernel.application_withdraw(application=leaving, by=world.applicant, reason="사업 변경")
    dropped = item_of(meeting, leaving)
    assert dropped.is_dropped and not dropped.current
    assert dropped.dropped_status == S.WITHDRAWN
    assert leaving.events.filter(
        action=CommitteeAction.AGENDA_ITEM_DROPPED, actor_role="system"
    ).exists()
    assert item_of(meeting, staying).current
    # the papers leave it out, and no result can be recorded for it
    hold(board, meeting)
    with pytest.raises(WrongState, match="no longer on the agenda"):
        record(board, meeting, leaving, Result.DEFER, voters=[])


def test_a_result_for_a_case_no_longer_in_deliberation_is_refused_even_before_it_is_dropped(board):
    world = board.world
    app = deliberating(world)
    meeting = hold(board, plan(board, [app]))
    kernel.application_remand(application=app, by=world.decider, reason="추가 검토")  # no callbacks
    with pytest.raises(WrongState, match="left deliberation"):
        record(board, meeting, app, Result.APPROVE)
