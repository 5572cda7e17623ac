"""Concurrent committee work on a real PostgreSQL: a case goes on one meeting's agenda even when
two secretaries add it to two meetings at once; two decision makers issuing a meeting's
decisions at once decide each case once. The audit chain stays sound."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from applications.models import Application, Decision
from applications.roles import Role
from committees import services
from committees.models import AgendaItem, Meeting, Result
from core.errors import InvalidInput
from tests.applications.test_concurrency import _race_on_locked_case, _sound_chain
from tests.committees.board import (
    approve_minutes,
    build_board,
    deliberating,
    hold,
    person,
    plan,
    record,
)
from tests.factories import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_secretaries_putting_one_case_on_two_meetings_at_once_one_wins(world):
    board = build_board(world)
    colleague = person(Role.COMMITTEE_SECRETARY, "secretary2", "박간사", ministry=world.lead)
    app = deliberating(world)
    first = plan(board)
    second = plan(board, starts_at=timezone.now() + dt.timedelta(days=7))

    def add(meeting: Meeting, by: Any):
        return lambda: services.agenda_add(
            meeting=Meeting.objects.get(pk=meeting.pk),
            application=Application.objects.get(pk=app.pk),
            by=by,
        )

    results = _race_on_locked_case(app, [add(first, board.secretary), add(second, colleague)])
    winners = [r for r in results if isinstance(r, AgendaItem)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], InvalidInput) and "already on the agenda" in losers[0].message
    assert AgendaItem.objects.filter(application=app).count() == 1
    _sound_chain()


def test_two_decision_makers_issuing_at_once_decide_each_case_once(world):
    board = build_board(world)
    other_decider = make_user(Role.DECISION_MAKER, ministry=world.lead, username="decider2")
    app = deliberating(world)
    meeting = hold(board, plan(board, [app]))
    record(board, meeting, app, Result.APPROVE)
    meeting = approve_minutes(board, meeting)

    def issue(by: Any):
        return lambda: services.meeting_issue_decisions(
            meeting=Meeting.objects.get(pk=meeting.pk), by=by
        )

    reports = _race_on_locked_case(app, [issue(world.decider), issue(other_decider)])
    assert not any(isinstance(r, Exception) for r in reports), reports
    issued = [i for r in reports for i in r.issued]
    failed = [reason for r in reports for _item, reason in r.failed]
    assert len(issued) == 1 and len(failed) == 1, reports
    assert "no longer waiting" in failed[0]
    assert Decision.objects.filter(application=app).count() == 1
    _sound_chain()
