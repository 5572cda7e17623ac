"""The deadline sweep: every rule at its edge (one minute before and after), the rule that fired
written into the audit payload in words, idempotence, the dry run and the one-sweep lock.

Times are stored in UTC; deadlines that are calendar dates (term ends, reminders) are read in
the programme's zone, Asia/Seoul (UTC+9, no daylight saving time)."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from applications import deadlines, notifications, services, workflow
from applications.audit import audit_verify, chain_head
from applications.models import (
    Application,
    AuditEvent,
    Consultation,
    ConsultationStatus,
    Decision,
    DecisionKind,
    Opinion,
    SupplementRequest,
    Track,
)
from applications.workflow import ApplicationStatus as S
from applications.workflow import ConfirmationOutcome
from core.errors import InvalidInput, WrongState
from portal import presentation
from tests.builders import World, draft, drive

# 2026-03-01 20:00 UTC is already 2026-03-02 05:00 in Seoul: the rule texts name the Seoul date.
DAY0 = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run after-commit effects (emails) as a committed transaction would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def at(moment: dt.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def sweep(moment: dt.datetime) -> deadlines.SweepResult:
    with at(moment):
        return deadlines.sweep()


def system_events(app: Application, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(application=app, action=action).order_by("seq"))


def fresh(app: Application) -> Application:
    return Application.objects.get(pk=app.pk)


def submitted(world: World, *, track: str = "exemption", when: dt.datetime = DAY0) -> Application:
    app = draft(world, track=world.confirmation if track == "confirmation" else world.exemption)
    with at(when):
        services.application_submit(application=app, by=world.applicant)
    return fresh(app)


def active(world: World, *, when: dt.datetime = DAY0, **draft_fields: Any) -> Application:
    """An active waiver approved at ``when``: term 2026-03-02 … 2028-03-01 (Seoul dates)."""
    with at(when):
        app = drive(world, S.ACTIVE)
    if draft_fields:
        Application.objects.filter(pk=app.pk).update(**draft_fields)
    return fresh(app)


def extended(world: World, app: Application, new_end: dt.date, *, when: dt.datetime) -> None:
    """``app``'s term moved to ``new_end`` at ``when``: the applicant's request, granted."""
    with at(when):
        request = services.extension_request_file(
            application=app, by=world.applicant, new_end=new_end, reason="추가 실증"
        )
        services.extension_request_decide(
            extension_request=request, by=world.decider, grant=True, reason="타당"
        )


# --- deemed confirmation ---------------------------------------------------------------------


def test_an_unanswered_confirmation_is_deemed_answered_one_minute_after_the_deadline(world):
    app = submitted(world, track="confirmation")
    with at(DAY0 + 5 * DAY):
        services.application_request_supplement(
            application=app, by=world.officer, deficiencies=["서비스 구성도"]
        )
    with at(DAY0 + 11 * DAY):
        services.application_answer_supplement(application=app, by=world.applicant, message="첨부")
    deadline = DAY0 + 36 * DAY  # 30 days on the clock + 6 days paused
    assert fresh(app).due_at == deadline

    assert sweep(deadline - MINUTE).total == 0
    assert fresh(app).status == S.SUBMITTED

    result = sweep(deadline + MINUTE)
    assert result.done == {"deemed_confirmation": 1}
    app = fresh(app)
    assert app.status == S.CONFIRMED
    assert app.confirmation_outcome == ConfirmationOutcome.DEEMED_NO_REGULATION
    (event,) = system_events(app, "deem_confirmed")
    assert event.actor_name == "system" and event.actor_role == "system" and event.actor is None
    assert event.payload["rule"] == (
        "deemed_confirmation: 30 days elapsed since 2026-03-02, clock paused 6 days"
    )
    (decision,) = Decision.objects.filter(application=app)
    assert decision.kind == DecisionKind.DEEMED_CONFIRMATION and decision.decided_by is None


def test_a_paused_confirmation_clock_is_never_deemed_answered(world):
    app = submitted(world, track="confirmation")
    with at(DAY0 + 29 * DAY):
        services.application_request_supplement(
            application=app, by=world.officer, deficiencies=["서비스 구성도"]
        )
    # Long past the original deadline, but the clock stopped with a day left; only the
    # supplement deadline (30 days after the request) can act.
    result = sweep(DAY0 + 29 * DAY + 30 * DAY - MINUTE)
    assert result.total == 0
    assert fresh(app).status == S.SUPPLEMENT_REQUESTED


def test_a_confirmation_answered_in_time_is_left_alone(world):
    app = submitted(world, track="confirmation")
    with at(DAY0 + 29 * DAY):
        services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
        services.application_answer_confirmation(
            application=app, by=world.officer, outcome=ConfirmationOutcome.NO_REGULATION
        )
    assert sweep(DAY0 + 40 * DAY).total == 0
    assert fresh(app).confirmation_outcome == ConfirmationOutcome.NO_REGULATION
    assert not system_events(app, "deem_confirmed")


# --- supplement lapse ---------------------------------------------------------------------------


def test_an_unanswered_supplement_request_lapses_one_minute_after_its_deadline(world):
    app = submitted(world)
    with at(DAY0 + DAY):
        services.application_request_supplement(
            application=app, by=world.officer, deficiencies=["시험성적서"]
        )
    deadline = DAY0 + DAY + 30 * DAY
    assert fresh(app).supplement_due_at == deadline

    assert sweep(deadline - MINUTE).total == 0
    assert fresh(app).status == S.SUPPLEMENT_REQUESTED

    assert sweep(deadline + MINUTE).done == {"supplement_lapse": 1}
    app = fresh(app)
    assert app.status == S.WITHDRAWN
    (event,) = system_events(app, "lapse")
    # 2026-04-01 20:00 UTC is 2026-04-02 05:00 in Seoul.
    assert event.payload["rule"] == (
        "supplement_lapse: no answer by the response deadline 2026-04-02 05:00 KST "
        "(30 days after the request)"
    )
    assert SupplementRequest.objects.get(application=app).lapsed_at == deadline + MINUTE


# --- consultation lapse ---------------------------------------------------------------------------


def test_an_unanswered_consultation_is_recorded_as_no_opinion_after_its_deadline(world):
    app = submitted(world)
    with at(DAY0 + DAY):
        services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
        (consultation,) = services.consultation_request(
            application=app, by=world.officer, ministries=[world.other_ministry], question="의견?"
        )
    deadline = DAY0 + DAY + 30 * DAY

    assert sweep(deadline - MINUTE).total == 0
    assert Consultation.objects.get(pk=consultation.pk).status == ConsultationStatus.PENDING

    assert sweep(deadline + MINUTE).done == {"consultation_lapse": 1}
    item = Consultation.objects.get(pk=consultation.pk)
    assert (item.status, item.opinion) == (ConsultationStatus.LAPSED, Opinion.NO_OPINION_DEEMED)
    (event,) = system_events(app, "consultation_lapsed")
    assert event.actor_name == "system"
    assert event.payload["rule"] == (
        "consultation_lapse: MOLIT gave no opinion within 30 days of the request on 2026-03-03 "
        "(due 2026-04-02 05:00 KST); recorded as no opinion (deemed)"
    )
    assert fresh(app).status == S.UNDER_REVIEW


# --- committee agenda deadline -------------------------------------------------------------------


def test_a_case_past_its_agenda_deadline_is_flagged_once_and_shown_overdue(world):
    app = submitted(world)
    deadline = DAY0 + 90 * DAY

    assert sweep(deadline - MINUTE).total == 0
    assert not system_events(app, deadlines.AGENDA_FLAG)

    assert sweep(deadline + MINUTE).done == {deadlines.AGENDA_FLAG: 1}
    (event,) = system_events(app, deadlines.AGENDA_FLAG)
    assert event.actor_name == "system"
    assert event.payload["rule"] == (
        "agenda_deadline_passed: 90 days elapsed since 2026-03-02, clock paused 0 days, "
        "not yet put to the committee"
    )
    assert fresh(app).days_remaining(now=deadline + 2 * DAY) == -2

    assert sweep(deadline + 10 * DAY).total == 0
    assert len(system_events(app, deadlines.AGENDA_FLAG)) == 1
    assert fresh(app).status == S.SUBMITTED  # a flag, not a transition


def test_a_case_put_to_the_committee_in_time_is_not_flagged(world):
    app = submitted(world)
    with at(DAY0 + 80 * DAY):
        services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
        services.application_recommend(
            application=app, by=world.officer, outcome="approve", proposed_term_days=365
        )
    assert sweep(DAY0 + 95 * DAY).total == 0
    assert not system_events(app, deadlines.AGENDA_FLAG)


# --- expiry -------------------------------------------------------------------------------------

# The term 2026-03-02 … 2028-03-01 ends at midnight Seoul time: 2028-03-01 15:00 UTC.
TERM_END = dt.date(2028, 3, 1)
END_OF_TERM = dt.datetime(2028, 3, 1, 15, 0, tzinfo=dt.UTC)


def test_a_waiver_expires_one_minute_after_its_last_day_ends_in_seoul(world):
    app = active(world)
    assert app.term_end == TERM_END

    assert sweep(END_OF_TERM - MINUTE).done["expiry"] == 0
    assert fresh(app).status == S.ACTIVE

    assert sweep(END_OF_TERM + MINUTE).done["expiry"] == 1
    app = fresh(app)
    assert app.status == S.EXPIRED
    (event,) = system_events(app, "expire")
    assert event.occurred_at == END_OF_TERM + MINUTE  # stored in UTC
    assert event.payload["rule"] == (
        "expiry: the term ended on 2028-03-01 (Asia/Seoul) with no extension or law-amendment "
        "request pending"
    )
    (decision,) = Decision.objects.filter(application=app, kind=DecisionKind.EXPIRY)
    assert decision.decided_at == END_OF_TERM + MINUTE


def test_the_same_moment_is_still_the_last_day_in_a_utc_programme(world):
    world.program.time_zone = "UTC"
    world.program.save()
    app = active(world)
    assert app.term_end == dt.date(2028, 2, 29)  # 2026-03-01 20:00 UTC: the term starts 03-01
    utc_end = dt.datetime(2028, 3, 1, 0, 0, tzinfo=dt.UTC)
    assert sweep(utc_end - MINUTE).done["expiry"] == 0
    assert sweep(utc_end + MINUTE).done["expiry"] == 1
    assert "(UTC)" in system_events(app, "expire")[0].payload["rule"]


def test_a_pending_extension_request_keeps_the_waiver_in_force_until_decided(world):
    app = active(world)
    with at(END_OF_TERM - 10 * DAY):
        request = services.extension_request_file(
            application=app, by=world.applicant, new_end=TERM_END + 365 * DAY, reason="추가 실증"
        )
    assert sweep(END_OF_TERM + 5 * DAY).done["expiry"] == 0
    assert fresh(app).status == S.ACTIVE

    with at(END_OF_TERM + 6 * DAY):
        services.extension_request_decide(
            extension_request=request, by=world.decider, grant=False, reason="근거 부족"
        )
    assert sweep(END_OF_TERM + 6 * DAY + MINUTE).done["expiry"] == 1
    assert fresh(app).status == S.EXPIRED


def test_a_granted_extension_moves_the_expiry(world):
    app = active(world)
    new_end = TERM_END + 365 * DAY
    extended(world, app, new_end, when=END_OF_TERM - 10 * DAY)
    assert sweep(END_OF_TERM + MINUTE).done["expiry"] == 0
    new_end_moment = dt.datetime.combine(new_end, dt.time(15, 0), tzinfo=dt.UTC)
    assert sweep(new_end_moment - MINUTE).done["expiry"] == 0
    assert sweep(new_end_moment + MINUTE).done["expiry"] == 1


def test_a_pending_law_amendment_request_keeps_the_waiver_in_force(world):
    app = active(world)
    with at(END_OF_TERM - 90 * DAY):
        services.law_amendment_request_file(
            application=app, by=world.applicant, reason="법령 정비 필요"
        )
    assert sweep(END_OF_TERM + 30 * DAY).done["expiry"] == 0
    assert fresh(app).status == S.ACTIVE


# --- expiry reminders ------------------------------------------------------------------------------


def seoul_midnight(day: dt.date) -> dt.datetime:
    """00:00 in Seoul on ``day``, as UTC."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC) - dt.timedelta(hours=9)


def test_reminders_go_out_90_30_and_7_days_before_the_end_each_once(world, on_commit):
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    app = active(world, language="en")
    for days in (90, 30, 7):
        edge = seoul_midnight(TERM_END - dt.timedelta(days=days))
        mail.outbox.clear()
        with on_commit():
            assert sweep(edge - MINUTE).done[deadlines.EXPIRY_REMINDER] == 0
        assert mail.outbox == []
        with on_commit():
            assert sweep(edge + MINUTE).done[deadlines.EXPIRY_REMINDER] == 1
        (message,) = mail.outbox
        assert message.subject == f"Reminder: your waiver {app.reference} ends in {days} days"
        assert "2028" in message.body and '<html lang="en">' in message.alternatives[0][0]
        with on_commit():
            assert sweep(edge + 2 * MINUTE).total == 0  # each reminder once
        assert len(mail.outbox) == 1
    events = system_events(app, deadlines.EXPIRY_REMINDER)
    assert [e.payload["days_before"] for e in events] == [90, 30, 7]
    assert events[0].payload["rule"] == (
        "expiry_reminder: 90 days before the term ends on 2028-03-01 (the 90-day reminder)"
    )


def test_an_extended_waiver_is_reminded_again_before_its_new_end(world, on_commit):
    """Reminded 30 and 7 days before its end, then extended by a year (the track's one
    extension): the new end gets its own 90-, 30- and 7-day reminders, each once; they give the
    new date, and no longer suggest an extension the track does not allow."""
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    app = active(world, language="en")
    assert app.track.max_extensions == 1
    for days in (30, 7):
        mail.outbox.clear()
        with on_commit():
            assert (
                sweep(seoul_midnight(TERM_END - days * DAY) + MINUTE).done[
                    deadlines.EXPIRY_REMINDER
                ]
                == 1
            )
        (message,) = mail.outbox
        assert "request an extension" in message.body and "no extension left" not in message.body
    new_end = TERM_END + 365 * DAY
    extended(world, app, new_end, when=seoul_midnight(TERM_END - 3 * DAY))
    for days in (90, 30, 7):
        edge = seoul_midnight(new_end - dt.timedelta(days=days))
        mail.outbox.clear()
        with on_commit():
            assert sweep(edge - MINUTE).done[deadlines.EXPIRY_REMINDER] == 0
            assert sweep(edge + MINUTE).done[deadlines.EXPIRY_REMINDER] == 1
            assert sweep(edge + 2 * MINUTE).total == 0
        (message,) = mail.outbox
        assert message.subject == f"Reminder: your waiver {app.reference} ends in {days} days"
        assert "2029" in message.body and "2028" not in message.body
        assert "no extension left" in message.body
        assert "request an extension" not in message.body
    events = system_events(app, deadlines.EXPIRY_REMINDER)
    assert [(e.payload["days_before"], e.payload["term_end"]) for e in events] == [
        (30, TERM_END.isoformat()),
        (7, TERM_END.isoformat()),
        (90, new_end.isoformat()),
        (30, new_end.isoformat()),
        (7, new_end.isoformat()),
    ]


def test_a_reminder_that_leaves_after_an_extension_gives_the_end_it_counted_to(world):
    """The email goes out after commit, from the task queue: an extension granted before it
    left does not change the date it gives, which its subject's days were counted to."""
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    app = active(world, language="en")
    assert sweep(seoul_midnight(TERM_END - 30 * DAY) + MINUTE).done[deadlines.EXPIRY_REMINDER] == 1
    (event,) = system_events(app, deadlines.EXPIRY_REMINDER)  # its email not sent yet
    extended(world, app, TERM_END + 365 * DAY, when=seoul_midnight(TERM_END - 29 * DAY))
    assert fresh(app).term_end == TERM_END + 365 * DAY
    mail.outbox.clear()
    assert notifications.notify_event(event_id=event.pk) == 1
    (message,) = mail.outbox
    assert message.subject == f"Reminder: your waiver {app.reference} ends in 30 days"
    assert "1 March 2028" in message.body and "2029" not in message.body


def test_a_waiver_whose_track_allows_no_extension_is_not_told_to_ask_for_one(world, on_commit):
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    app = active(world, language="ko")
    Track.objects.filter(pk=app.track_id).update(max_extensions=0)
    with on_commit():
        sweep(seoul_midnight(TERM_END - 30 * DAY) + MINUTE)
    (message,) = mail.outbox
    assert "남은 기간 연장 기회가 없습니다" in message.body
    assert "기간 연장을 신청해 주십시오" not in message.body


def test_a_late_sweep_sends_only_the_reminder_that_is_due_now(world, on_commit):
    app = active(world, language="ko")
    with on_commit():
        assert sweep(seoul_midnight(TERM_END - 20 * DAY)).done[deadlines.EXPIRY_REMINDER] == 1
    (event,) = system_events(app, deadlines.EXPIRY_REMINDER)
    assert (event.payload["days_before"], event.payload["days_left"]) == (30, 20)
    assert sweep(seoul_midnight(TERM_END - 19 * DAY)).total == 0


def test_reminder_emails_use_the_applications_language(world, on_commit):
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    active(world, language="ko")
    with on_commit():
        sweep(seoul_midnight(TERM_END - 7 * DAY))
    (message,) = mail.outbox
    assert '<html lang="ko">' in message.alternatives[0][0]


@pytest.mark.parametrize("days_left,stage", [(91, None), (90, 90), (31, 90), (30, 30), (8, 30),
                                             (7, 7), (0, 7), (-1, None)])  # fmt: skip
def test_the_reminder_stage_is_the_smallest_threshold_reached(days_left, stage):
    assert deadlines.reminder_stage(days_left=days_left) == stage


# --- the whole sweep: idempotence, dry run, summary, lock --------------------------------------------


def a_case_of_every_rule(world: World, day0: dt.datetime = DAY0) -> dict[str, Application]:
    """One case due under each rule at ``day0`` + 100 days."""
    confirmation = submitted(world, track="confirmation", when=day0)
    lapse = submitted(world, when=day0)
    with at(day0 + 60 * DAY):
        services.application_request_supplement(
            application=lapse, by=world.officer, deficiencies=["시험성적서"]
        )
    agenda = submitted(world, when=day0)
    consulted = submitted(world, when=day0 + 60 * DAY)
    with at(day0 + 60 * DAY):
        services.application_accept(
            application=consulted, by=world.officer, no_conflict_declared=True
        )
        services.consultation_request(
            application=consulted, by=world.officer, ministries=[world.other_ministry], question="?"
        )
    with at(day0 - 800 * DAY):
        expiring = drive(world, S.ACTIVE)
    with at(day0 + 100 * DAY - 700 * DAY):
        reminded = drive(world, S.ACTIVE)
    return {
        "deemed_confirmation": confirmation,
        "supplement_lapse": lapse,
        deadlines.AGENDA_FLAG: agenda,
        "consultation_lapse": consulted,
        "expiry": expiring,
        deadlines.EXPIRY_REMINDER: reminded,
    }


def test_a_second_sweep_does_nothing_and_every_rule_acted_once(world, on_commit):
    cases = a_case_of_every_rule(world)
    when = DAY0 + 100 * DAY
    with on_commit():
        first = sweep(when)
    assert first.done == {name: 1 for name in cases}
    assert first.failed == []
    events, decisions, emails = (
        AuditEvent.objects.count(),
        Decision.objects.count(),
        len(mail.outbox),
    )
    with on_commit():
        second = sweep(when + MINUTE)
    assert second.total == 0 and second.failed == []
    assert (AuditEvent.objects.count(), Decision.objects.count(), len(mail.outbox)) == (
        events,
        decisions,
        emails,
    )


def test_the_dry_run_lists_each_due_item_with_its_rule_and_changes_nothing(world):
    cases = a_case_of_every_rule(world)
    events = AuditEvent.objects.count()
    out = io.StringIO()
    with at(DAY0 + 100 * DAY):
        call_command("run_deadlines", "--dry-run", stdout=out)
    text = out.getvalue()
    assert AuditEvent.objects.count() == events
    assert fresh(cases["expiry"]).status == S.ACTIVE
    for name, app in cases.items():
        assert f"would act: {app.reference} {name}:" in text
    assert "Dry run: 6 item(s) due; nothing changed." in text


def test_the_command_prints_a_summary_per_rule(world):
    a_case_of_every_rule(world)
    out = io.StringIO()
    with at(DAY0 + 100 * DAY):
        call_command("run_deadlines", stdout=out)
    text = out.getvalue()
    assert "  deemed_confirmation           1 done" in text
    assert "Deadline sweep: 6 action(s), 0 skipped, 0 failed" in text
    assert "\r[" not in text  # no progress bar when the output is not a terminal


def test_the_progress_bar_is_drawn_on_a_terminal(world):
    a_case_of_every_rule(world)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    with at(DAY0 + 100 * DAY):
        call_command("run_deadlines", stdout=out)
    assert f"\r[{'#' * 30}] 6/6" in out.getvalue()


def test_one_rule_can_be_run_alone(world):
    cases = a_case_of_every_rule(world)
    with at(DAY0 + 100 * DAY):
        call_command("run_deadlines", "--rule", "expiry", stdout=io.StringIO())
    assert fresh(cases["expiry"]).status == S.EXPIRED
    assert fresh(cases["deemed_confirmation"]).status == S.SUBMITTED


def test_a_failing_item_is_reported_and_the_others_still_run(world):
    cases = a_case_of_every_rule(world)
    rule = deadlines.RULE_BY_NAME["supplement_lapse"]

    def broken(app: Application, now: dt.datetime, why: str) -> None:
        raise RuntimeError("mail server on fire")

    broken_rules = [
        deadlines.Rule(rule.name, rule.due, broken, rule.describe, rule.case_of),
        deadlines.RULE_BY_NAME["expiry"],
    ]
    with at(DAY0 + 100 * DAY):
        result = deadlines.sweep(rules=broken_rules)
    assert result.failed == [
        ("supplement_lapse", cases["supplement_lapse"].pk, "RuntimeError: mail server on fire")
    ]
    assert result.done == {"expiry": 1}
    assert fresh(cases["supplement_lapse"]).status == S.SUPPLEMENT_REQUESTED


@pytest.fixture
def lock_held_elsewhere() -> Iterator[None]:
    """Another sweep (a thread with its own database connection) holds the sweep lock."""
    taken, release = threading.Event(), threading.Event()
    problems: list[BaseException] = []

    def hold() -> None:
        try:
            with deadlines.sweep_lock() as acquired:
                assert acquired
                taken.set()
                release.wait(10)
        except BaseException as error:  # reported to the test below
            problems.append(error)
            taken.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait(10)
    try:
        assert problems == []
        yield
    finally:
        release.set()
        thread.join(10)


def test_a_second_sweep_does_not_start_while_one_holds_the_lock(world, lock_held_elsewhere):
    cases = a_case_of_every_rule(world)
    out = io.StringIO()
    with at(DAY0 + 100 * DAY):
        call_command("run_deadlines", stdout=out)
    assert out.getvalue().strip() == "Another deadline sweep is running; nothing done."
    assert fresh(cases["expiry"]).status == S.ACTIVE


def test_the_lock_is_free_again_after_a_sweep(world):
    with deadlines.sweep_lock() as first:
        assert first
    with deadlines.sweep_lock() as second:
        assert second


# --- the scheduler ---------------------------------------------------------------------------------


def test_the_scheduler_sweeps_on_each_tick(world):
    cases = a_case_of_every_rule(world)
    out = io.StringIO()
    with at(DAY0 + 100 * DAY):
        call_command("run_scheduler", "--iterations", "2", "--interval", "0", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Deadline scheduler: a sweep every 0 s (Ctrl-C stops)."
    assert (
        "sweep: 6 action(s): agenda_deadline_passed 1, consultation_lapse 1, "
        "deemed_confirmation 1, expiry 1, expiry_reminder 1, supplement_lapse 1, 0 failed"
    ) in lines[1]
    # The same tick issues the two approval letters made long ago and still pending (a test
    # never commits, so their tasks never ran); the letters of this sweep's own decisions are
    # too new to count as stuck. The second tick finds nothing left.
    assert lines[2].endswith("letters: 2 issued, 0 still failing")
    assert "sweep: 0 action(s), 0 failed" in lines[3]
    assert lines[4] == "Deadline scheduler stopped."
    assert fresh(cases["expiry"]).status == S.EXPIRED


def test_the_scheduler_skips_its_tick_while_another_sweep_runs(world, lock_held_elsewhere):
    cases = a_case_of_every_rule(world)
    out = io.StringIO()
    with at(DAY0 + 100 * DAY):
        call_command("run_scheduler", "--iterations", "1", "--interval", "0", stdout=out)
    assert "another deadline sweep is running; skipped." in out.getvalue()
    assert fresh(cases["expiry"]).status == S.ACTIVE


def test_the_scheduler_interval_comes_from_the_environment_setting(world, settings):
    settings.SWEEP_INTERVAL = 42
    out = io.StringIO()
    with at(DAY0):
        call_command("run_scheduler", "--iterations", "1", stdout=out)
    assert "a sweep every 42 s" in out.getvalue()


# --- the applicant's dashboard shows the waiver's deadlines ------------------------------------------

AMEND_BY = dt.date(2028, 1, 1)  # 60 lead days before the term ends on 2028-03-01


def test_an_active_waiver_shows_the_law_amendment_deadline_then_the_term_end(world):
    app = active(world)
    step = presentation.next_step(app, now=DAY0)
    assert (step.deadline_label, step.deadline) == ("Request a law amendment by", AMEND_BY)
    assert step.url == reverse("application-law-amendment", args=[app.pk])
    assert step.later == [("Term ends", TERM_END)]

    # The last day to ask ends at midnight in Seoul; after it, the extension is what is left.
    last_minute = seoul_midnight(AMEND_BY + DAY) - MINUTE
    assert presentation.next_step(app, now=last_minute).deadline == AMEND_BY
    step = presentation.next_step(app, now=last_minute + 2 * MINUTE)
    assert (step.deadline_label, step.deadline) == ("Request an extension by", TERM_END)
    assert step.url == reverse("application-extension", args=[app.pk])


def test_a_pending_extension_request_is_what_the_dashboard_shows(world):
    app = active(world)
    with at(END_OF_TERM - 10 * DAY):
        services.extension_request_file(
            application=app, by=world.applicant, new_end=TERM_END + 365 * DAY, reason="추가 실증"
        )
    step = presentation.next_step(fresh(app), now=END_OF_TERM - 10 * DAY)
    assert step.text.startswith("Your extension request is waiting for a decision")
    assert (step.deadline_label, step.deadline) == ("Term ends", TERM_END)


def test_the_dashboard_names_the_law_amendment_deadline_once_it_is_near(world, client):
    app = active(world)
    with at(DAY0 + 30 * DAY):  # the deadline is 21 months away: listed on the card only
        client.force_login(world.applicant)
        page = client.get(reverse("apply-dashboard")).content.decode()
    assert "Next deadline" not in page
    assert "Request a law amendment by" in page and "Term ends" in page
    with at(seoul_midnight(AMEND_BY - 20 * DAY)):
        client.force_login(world.applicant)  # a new session: the first one expired meanwhile
        page = client.get(reverse("apply-dashboard")).content.decode()
    assert "Next deadline" in page
    panel = page.split("Next deadline", 1)[1].split("</div>", 1)[0]
    assert "Request a law amendment by" in panel and app.reference in panel


# --- the applicant's own deadlines: extension and law-amendment requests -----------------------------


def test_a_law_amendment_request_is_accepted_until_the_last_lead_day_ends_in_seoul(world):
    app = active(world)
    last_minute = seoul_midnight(AMEND_BY + DAY) - MINUTE
    with at(last_minute + 2 * MINUTE), pytest.raises(InvalidInput) as refused:
        services.law_amendment_request_file(application=app, by=world.applicant, reason="개정")
    assert "at least 60 days before the term ends" in str(refused.value.errors["reason"])
    with at(last_minute):
        services.law_amendment_request_file(application=app, by=world.applicant, reason="개정")
    assert fresh(app).law_amendment_requests.count() == 1


def test_an_extension_can_be_requested_until_the_term_ends_and_not_after(world):
    app = active(world)
    new_end = TERM_END + 365 * DAY
    with at(END_OF_TERM + MINUTE), pytest.raises(WrongState):
        services.extension_request_file(
            application=app, by=world.applicant, new_end=new_end, reason="추가 실증"
        )
    with at(END_OF_TERM - MINUTE):
        services.extension_request_file(
            application=app, by=world.applicant, new_end=new_end, reason="추가 실증"
        )
    assert fresh(app).extension_requests.count() == 1


def test_an_extension_may_not_take_the_whole_term_past_the_tracks_cap(world):
    track = world.exemption  # 730 days + 1 extension of at most 730 days: 1460 in all
    start = dt.date(2026, 3, 2)
    # A term approved before the track was tightened can exceed the cap even within one
    # extension's length: the cap still binds.
    problems = workflow.extension_problems(
        track=track,
        term_start=start,
        current_end=start + 800 * DAY,
        new_end=start + 1461 * DAY,
        used=0,
    )
    assert problems == {"new_end": "The whole term may not exceed 1460 days from its start."}
    assert (
        workflow.extension_problems(
            track=track,
            term_start=start,
            current_end=start + 800 * DAY,
            new_end=start + 1460 * DAY,
            used=0,
        )
        == {}
    )


# --- the two services that change no status refuse what is not due ----------------------------------


def test_the_agenda_flag_service_refuses_an_early_or_second_flag(world):
    app = submitted(world)
    deadline = DAY0 + 90 * DAY
    with pytest.raises(WrongState):
        deadlines.application_flag_agenda_overdue(application=app, now=deadline - MINUTE)
    deadlines.application_flag_agenda_overdue(application=app, now=deadline + MINUTE)
    with pytest.raises(WrongState):
        deadlines.application_flag_agenda_overdue(application=app, now=deadline + 2 * MINUTE)
    assert len(system_events(app, deadlines.AGENDA_FLAG)) == 1


def test_the_reminder_service_refuses_a_reminder_that_is_not_due(world):
    app = active(world)
    edge = seoul_midnight(TERM_END - 90 * DAY)
    with pytest.raises(WrongState):
        deadlines.application_remind_expiry(application=app, now=edge - MINUTE)
    event = deadlines.application_remind_expiry(application=app, now=edge + MINUTE)
    assert (event.actor_name, event.payload["days_before"]) == ("system", 90)
    with pytest.raises(WrongState):
        deadlines.application_remind_expiry(application=app, now=edge + 2 * MINUTE)


# --- batches: one transaction and one chain-head lock per batch, a savepoint per item ----------


class Crash(BaseException):
    """What a killed process looks like from inside: not an item's error, the sweep's end."""


def _events_of(app: Application) -> list[str]:
    return list(AuditEvent.objects.filter(application=app).values_list("action", flat=True))


def test_a_large_sweep_batches_its_items_and_a_small_one_commits_each_alone():
    assert deadlines.batch_size(5) == 1
    assert deadlines.batch_size(2_000) == deadlines.SWEEP_BATCH
    assert deadlines.batch_size(200_000) == deadlines.SWEEP_BATCH
    assert 1 < deadlines.batch_size(400) < deadlines.SWEEP_BATCH


def test_in_a_batch_a_failing_item_is_rolled_back_alone_with_its_event(world):
    cases = a_case_of_every_rule(world)
    lapse_rule = deadlines.RULE_BY_NAME["supplement_lapse"]

    def lapse_then_fail(app: Application, now: dt.datetime, why: str) -> None:
        services.application_lapse(application=app, now=now, rule=why)  # its event is recorded
        raise RuntimeError("mail server on fire")

    rules = [
        deadlines.RULE_BY_NAME["deemed_confirmation"],
        deadlines.Rule(
            lapse_rule.name, lapse_rule.due, lapse_then_fail, lapse_rule.describe, _itself
        ),
        deadlines.RULE_BY_NAME["expiry"],
    ]
    events_before = AuditEvent.objects.count()
    with at(DAY0 + 100 * DAY):
        result = deadlines.sweep(rules=rules, batch=3)  # the three items in one batch
    assert result.failed == [
        ("supplement_lapse", cases["supplement_lapse"].pk, "RuntimeError: mail server on fire")
    ]
    assert result.done == {"deemed_confirmation": 1, "expiry": 1}
    assert fresh(cases["supplement_lapse"]).status == S.SUPPLEMENT_REQUESTED
    assert "lapse" not in _events_of(cases["supplement_lapse"])
    assert fresh(cases["expiry"]).status == S.EXPIRED
    assert fresh(cases["deemed_confirmation"]).status != S.SUBMITTED
    assert AuditEvent.objects.count() - events_before == 2  # one event per action done
    report = audit_verify()
    assert report.ok, report.problem


def _itself(pk: int) -> int | None:
    return pk


def test_a_crash_mid_batch_loses_nothing_committed_and_leaves_nothing_half_written(world):
    def a_lapse(day: dt.datetime) -> Application:
        app = submitted(world, when=day)
        with at(day + DAY):
            services.application_request_supplement(
                application=app, by=world.officer, deficiencies=["시험성적서"]
            )
        return fresh(app)

    cases = [a_lapse(DAY0) for _ in range(5)]
    rule = deadlines.RULE_BY_NAME["supplement_lapse"]
    seen: list[int] = []

    def crash_at_the_fifth(app: Application, now: dt.datetime, why: str) -> None:
        seen.append(app.pk)
        rule.act(app, now, why)  # done, event recorded: only its batch's commit is missing
        if len(seen) == 5:
            raise Crash

    crashing = deadlines.Rule(rule.name, rule.due, crash_at_the_fifth, rule.describe, _itself)
    head_before = chain_head()
    with at(DAY0 + 100 * DAY), pytest.raises(Crash):
        deadlines.sweep(rules=[crashing], batch=3)

    statuses = [fresh(app).status for app in cases]
    # The first batch (three items) committed; the second (items four and five) not at all.
    assert statuses == [S.WITHDRAWN] * 3 + [S.SUPPLEMENT_REQUESTED] * 2
    assert [("lapse" in _events_of(app)) for app in cases] == [True] * 3 + [False] * 2
    assert chain_head()[0] == head_before[0] + 3
    report = audit_verify()
    assert report.ok, report.problem

    with at(DAY0 + 100 * DAY):
        again = deadlines.sweep(rules=[rule], batch=3)  # the next sweep redoes the rest
    assert again.done == {"supplement_lapse": 2} and again.failed == []
    assert [fresh(app).status for app in cases] == [S.WITHDRAWN] * 5
    assert chain_head()[0] == head_before[0] + 5
    assert audit_verify().ok
