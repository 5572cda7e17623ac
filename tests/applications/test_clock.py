"""The statutory clock counts from submission, pauses while a supplement is requested, and
resumes on the answer, moving the deadline by the paused time."""

from __future__ import annotations

import datetime as dt

import time_machine

from applications import services
from applications.models import Application
from applications.workflow import ApplicationStatus as S
from tests.builders import drive

DAY0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 10:00 in Seoul


def test_a_supplement_request_pauses_the_clock_and_moves_the_deadline(world):
    app = drive(world, S.DRAFT)
    with time_machine.travel(DAY0, tick=False):
        services.application_submit(application=app, by=world.applicant)
    deadline = DAY0 + dt.timedelta(days=world.exemption.statutory_days)
    assert Application.objects.get(pk=app.pk).due_at == deadline

    with time_machine.travel(DAY0 + dt.timedelta(days=10), tick=False):
        services.application_request_supplement(
            application=app, by=world.officer, deficiencies=["시험성적서"]
        )
        assert Application.objects.get(pk=app.pk).days_remaining() == 80

    with time_machine.travel(DAY0 + dt.timedelta(days=20), tick=False):
        # Paused: ten more days went by, but none of them counted.
        assert Application.objects.get(pk=app.pk).days_remaining() == 80

    with time_machine.travel(DAY0 + dt.timedelta(days=25), tick=False):
        services.application_answer_supplement(application=app, by=world.applicant, message="첨부")
        fresh = Application.objects.get(pk=app.pk)
        assert fresh.due_at == deadline + dt.timedelta(days=15)
        assert fresh.clock_paused_seconds == 15 * 86400
        assert fresh.days_remaining() == 80

    with time_machine.travel(DAY0 + dt.timedelta(days=26), tick=False):
        assert Application.objects.get(pk=app.pk).days_remaining() == 79


def test_the_deadline_of_a_confirmation_track_is_its_review_days(world):
    app = drive(world, S.DRAFT, track="confirmation")
    with time_machine.travel(DAY0, tick=False):
        services.application_submit(application=app, by=world.applicant)
    assert Application.objects.get(pk=app.pk).due_at == DAY0 + dt.timedelta(days=30)


def test_days_remaining_is_negative_when_overdue_and_absent_once_decided(world):
    app = drive(world, S.DRAFT, track="confirmation")
    with time_machine.travel(DAY0, tick=False):
        services.application_submit(application=app, by=world.applicant)
        services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
    with time_machine.travel(DAY0 + dt.timedelta(days=31, hours=1), tick=False):
        assert Application.objects.get(pk=app.pk).days_remaining() == -2
        services.application_answer_confirmation(
            application=app, by=world.officer, outcome="no_regulation"
        )
        assert Application.objects.get(pk=app.pk).days_remaining() is None


def test_a_remand_resumes_the_clock_for_the_time_spent_in_deliberation(world):
    app = drive(world, S.DRAFT)
    with time_machine.travel(DAY0, tick=False):
        services.application_submit(application=app, by=world.applicant)
        services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
    with time_machine.travel(DAY0 + dt.timedelta(days=40), tick=False):
        services.application_recommend(
            application=app, by=world.officer, outcome="approve", proposed_term_days=365
        )
    with time_machine.travel(DAY0 + dt.timedelta(days=47), tick=False):
        services.application_remand(application=app, by=world.decider, reason="재검토")
    fresh = Application.objects.get(pk=app.pk)
    assert fresh.due_at == DAY0 + dt.timedelta(days=90 + 7)
    assert fresh.status == S.UNDER_REVIEW
