"""Item 10 of the second security review: decisions check their dates against the decision date
(the programme's local date when the decision is recorded). A waiver applies from its decision
on, never to a past that is over, and an extension must still be ahead when it is granted."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from applications import services
from applications.models import Application, AuditEvent, Decision
from applications.workflow import ApplicationStatus as S
from core.dates import human_date
from core.errors import InvalidInput
from tests.builders import drive


def approve(world, app, start, end):
    return services.application_approve(
        application=app,
        by=world.decider,
        committee_reference="제1차 심의위원회",
        term_start=start,
        term_end=end,
        conditions=["시속 5km 이하"],
    )


def nothing_written(app, events_before):
    fresh = Application.objects.get(pk=app.pk)
    return (
        fresh.status == S.DELIBERATION
        and AuditEvent.objects.count() == events_before
        and not Decision.objects.filter(application=app).exists()
    )


def test_a_term_that_ended_years_ago_is_refused_and_nothing_is_written(world):
    app = drive(world, S.DELIBERATION)
    before = AuditEvent.objects.count()
    start = world.today - dt.timedelta(days=3 * 365)
    with pytest.raises(InvalidInput) as refused:
        approve(world, app, start, start + dt.timedelta(days=700))
    assert "before the decision" in refused.value.errors["term_start"][0]
    assert nothing_written(app, before)


def test_a_term_starting_before_the_decision_is_refused(world):
    app = drive(world, S.DELIBERATION)
    before = AuditEvent.objects.count()
    yesterday = world.today - dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        approve(world, app, yesterday, yesterday + dt.timedelta(days=365))
    assert human_date(world.today) in refused.value.errors["term_start"][0]  # not ISO
    assert nothing_written(app, before)


def test_a_term_far_in_the_future_is_a_typing_mistake(world):
    app = drive(world, S.DELIBERATION)
    start = dt.date(9999, 1, 1)
    with pytest.raises(InvalidInput) as refused:
        approve(world, app, start, dt.date(9999, 12, 31))
    assert "within 365 days" in refused.value.errors["term_start"][0]


def test_a_term_starting_on_the_decision_date_is_approved(world):
    app = drive(world, S.DELIBERATION)
    decision = approve(world, app, world.today, world.today + dt.timedelta(days=730))
    assert decision.term_start == world.today


def test_the_decision_date_is_the_programmes_local_date(world):
    """23:30 UTC on 1 March is already 2 March in Seoul: a term starting on 1 March is past."""
    with time_machine.travel(dt.datetime(2027, 3, 1, 23, 30, tzinfo=dt.UTC), tick=False):
        app = drive(world, S.DELIBERATION)
        with pytest.raises(InvalidInput):
            approve(world, app, dt.date(2027, 3, 1), dt.date(2028, 3, 1))
        approve(world, app, dt.date(2027, 3, 2), dt.date(2028, 3, 1))


def test_an_extension_already_past_on_the_decision_date_is_refused(world):
    """The term ran out with the request pending (so it did not expire); granting an end date
    that has passed by the decision would extend nothing."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=60), tick=True):
        app = drive(world, S.ACTIVE, term_days=20)
        assert app.term_end is not None
        request = services.extension_request_file(
            application=app,
            by=world.applicant,
            new_end=app.term_end + dt.timedelta(days=10),
            reason="실증 데이터 추가 확보",
        )
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.extension_request_decide(extension_request=request, by=world.decider, grant=True)
    assert "already passed" in refused.value.errors["new_end"][0]
    assert AuditEvent.objects.count() == before
    assert Application.objects.get(pk=app.pk).term_end == app.term_end
