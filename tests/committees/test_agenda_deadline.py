"""The 90-day agenda rule counts against real meetings: where a programme's committee meets in
the system, a case in deliberation that is on no meeting's agenda by its deadline is flagged
(once, by the sweep, as before); a recommendation alone no longer counts as put to the
committee. Programmes without a committee here keep the old rule."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from applications import deadlines
from applications.vocabulary import AuditAction
from tests.committees.board import build_board, deliberating, plan


def _flagged(app) -> bool:
    return app.events.filter(action=AuditAction.AGENDA_DEADLINE_PASSED).exists()


def test_a_case_on_no_agenda_by_its_deadline_is_flagged_once(world):
    build_board(world)
    waiting = deliberating(world, "대기 안건")
    assert waiting.due_at is not None
    after = waiting.due_at + dt.timedelta(hours=1)
    assert waiting.pk in [item.application_id for item in deadlines.plan(now=after)]
    deadlines.sweep(now=after)
    assert _flagged(waiting)
    deadlines.sweep(now=after + dt.timedelta(days=1))
    assert waiting.events.filter(action=AuditAction.AGENDA_DEADLINE_PASSED).count() == 1


def test_a_case_on_the_agenda_of_a_meeting_by_its_deadline_is_not_flagged(world):
    board = build_board(world)
    placed, too_late = deliberating(world, "제때 상정"), deliberating(world, "늦게 상정")
    plan(board, [placed], starts_at=timezone.now() + dt.timedelta(days=10))
    plan(board, [too_late], starts_at=too_late.due_at + dt.timedelta(days=5))
    deadlines.sweep(now=placed.due_at + dt.timedelta(hours=1))
    assert not _flagged(placed)
    assert _flagged(too_late)


def test_before_the_deadline_nothing_is_flagged(world):
    build_board(world)
    waiting = deliberating(world)
    deadlines.sweep(now=waiting.due_at - dt.timedelta(hours=1))
    assert not _flagged(waiting)


def test_without_a_committee_in_the_system_a_recommendation_puts_the_case_to_the_committee(world):
    waiting = deliberating(world)
    deadlines.sweep(now=waiting.due_at + dt.timedelta(hours=1))
    assert not _flagged(waiting)
