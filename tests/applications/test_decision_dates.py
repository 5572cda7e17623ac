"""A committee decision is never dated before the meeting it cites: where a meeting is given
(``meeting_at``, when it was held) the kernel refuses an earlier decision; a free-text
reference keeps working for programmes whose committee does not meet in the system."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from applications import services
from applications.audit import utc_text
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput
from tests.builders import drive, term


def test_an_approval_dated_before_the_meeting_it_cites_is_refused(world):
    app = drive(world, S.DELIBERATION)
    start, end = term(world)
    meeting_at = timezone.now() + dt.timedelta(hours=3)
    with pytest.raises(InvalidInput) as refused:
        services.application_approve(
            application=app,
            by=world.decider,
            committee_reference="제3차 심의위원회",
            term_start=start,
            term_end=end,
            meeting_at=meeting_at,
        )
    assert (
        "cannot be dated before the meeting it cites"
        in refused.value.errors["committee_reference"][0]
    )
    app.refresh_from_db()
    assert app.status == S.DELIBERATION and not app.decisions.exists()
    assert not app.events.filter(action="approve").exists()


def test_a_rejection_on_the_morning_of_an_afternoon_meeting_is_refused(world):
    app = drive(world, S.DELIBERATION)
    tomorrow = world.today + dt.timedelta(days=1)
    afternoon = dt.datetime.combine(tomorrow, dt.time(14, 0), tzinfo=world.program.tz)
    with (
        time_machine.travel(afternoon - dt.timedelta(hours=4), tick=False),
        pytest.raises(InvalidInput, match="cannot be dated before"),
    ):
        services.application_reject(
            application=app, by=world.decider, reasons="근거 부족", meeting_at=afternoon
        )
    with time_machine.travel(afternoon + dt.timedelta(hours=2), tick=False):
        decision = services.application_reject(
            application=app, by=world.decider, reasons="근거 부족", meeting_at=afternoon
        )
    assert decision.decided_at >= afternoon
    event = app.events.get(action="reject")
    assert event.payload["meeting_at"] == utc_text(afternoon)


def test_a_decision_after_the_meeting_and_a_free_text_reference_are_accepted(world):
    cited, free = drive(world, S.DELIBERATION), drive(world, S.DELIBERATION)
    start, end = term(world)
    services.application_approve(
        application=cited,
        by=world.decider,
        committee_reference="제3차 심의위원회",
        term_start=start,
        term_end=end,
        meeting_at=timezone.now() - dt.timedelta(days=1),
    )
    services.application_approve(
        application=free,
        by=world.decider,
        committee_reference="제3차 심의위원회 (서면 심의)",
        term_start=start,
        term_end=end,
    )
    cited.refresh_from_db()
    free.refresh_from_db()
    assert (cited.status, free.status) == (S.APPROVED, S.APPROVED)
    assert "meeting_at" not in free.events.get(action="approve").payload
