"""The sweep's selection (issue 18, the second sweep ≤ 50 ms): the reminders sent recorded on
the case find exactly what the trail's events found, and ``select_due`` (one statement, SQL
compiled once per process and day) finds exactly what each rule's selector finds, at every
moment around the deadlines, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from applications import deadlines
from applications.models import Application, AuditEvent, Program
from applications.workflow import IN_FORCE
from applications.workflow import ApplicationStatus as S
from tests.applications.test_deadlines import (
    DAY,
    DAY0,
    MINUTE,
    TERM_END,
    a_case_of_every_rule,
    active,
    at,
    extended,
    seoul_midnight,
    sweep,
)
from tests.applications.test_deadlines_sets import _continuing

pytestmark = pytest.mark.django_db


# --- the old selectors, from the trail (as they were before the columns), as the oracle ---------


def _trail_says_reminded(action: str, days: int, *, end: str = "") -> Exists:
    """The case's trail has that stage's reminder; with ``end``, one sent for the case's
    current value of that field (its payload's copy of it)."""
    events = AuditEvent.objects.filter(
        application=OuterRef("pk"), action=action, payload__days_before=days
    )
    if end:
        events = events.annotate(end=KeyTextTransform(end, "payload")).filter(
            end=Cast(OuterRef(end), CharField())
        )
    return Exists(events)


def old_due_expiry_reminders(*, now: dt.datetime) -> QuerySet[Application]:
    def window(program: Program, today: dt.date) -> Q:
        condition = Q(pk__in=[])
        lower = today
        for days in sorted(deadlines.REMINDER_DAYS):
            upper = today + dt.timedelta(days=days)
            condition |= Q(term_end__gte=lower, term_end__lte=upper) & Q(
                ~_trail_says_reminded(deadlines.EXPIRY_REMINDER, days, end="term_end")
            )
            lower = upper + dt.timedelta(days=1)
        return condition

    return Application.objects.filter(status__in=IN_FORCE).filter(
        deadlines.per_programme(window, now)
    )


def old_due_continuation_reminders(*, now: dt.datetime) -> QuerySet[Application]:
    def window(program: Program, today: dt.date) -> Q:
        condition = Q(pk__in=[])
        lower = today
        for days in sorted(deadlines.REMINDER_DAYS):
            upper = today + dt.timedelta(days=days)
            condition |= Q(continuation_until__gte=lower, continuation_until__lte=upper) & Q(
                ~_trail_says_reminded(deadlines.CAP_REMINDER, days)
            )
            lower = upper + dt.timedelta(days=1)
        return condition

    return Application.objects.filter(status=S.CONTINUING, continuation_until__isnull=False).filter(
        deadlines.per_programme(window, now)
    )


def ids(queryset: QuerySet[Application]) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True))


def assert_reminders_as_before(now: dt.datetime) -> list[int]:
    """The new expiry and cap reminder selectors, the old ones and ``select_due`` agree at
    ``now``; returns the cases due for an expiry reminder."""
    new = ids(deadlines.due_expiry_reminders(now=now))
    assert new == ids(old_due_expiry_reminders(now=now))
    cap = ids(deadlines.due_continuation_reminders(now=now))
    assert cap == ids(old_due_continuation_reminders(now=now))
    rules = [deadlines.RULE_BY_NAME[deadlines.EXPIRY_REMINDER]]
    rules.append(deadlines.RULE_BY_NAME[deadlines.CAP_REMINDER])
    assert deadlines.select_due(rules, now=now) == [new, cap]
    return new


@pytest.fixture(autouse=True)
def _fresh_compiled_sql() -> Iterator[None]:
    deadlines._compiled.clear()
    yield
    deadlines._compiled.clear()


# --- expiry reminders: the column against the trail -----------------------------------------------


def test_expiry_reminders_just_due_just_not_due_reminded_and_not_as_the_trail_said(world):
    app, untouched = active(world), active(world)
    for days in (90, 30, 7):
        edge = seoul_midnight(TERM_END - dt.timedelta(days=days))
        # Just not due: ``app`` had the previous stage; ``untouched`` is due for it still.
        with at(edge - MINUTE):
            due_before = assert_reminders_as_before(edge - MINUTE)
        assert due_before == ([] if days == 90 else [untouched.pk])
        with at(edge + MINUTE):
            assert assert_reminders_as_before(edge + MINUTE) == sorted([app.pk, untouched.pk])
        # Only ``app`` is reminded: ``untouched`` stays due, as it did with the trail.
        with at(edge + MINUTE):
            deadlines.application_remind_expiry(application=app, now=edge + MINUTE)
            assert assert_reminders_as_before(edge + 2 * MINUTE) == [untouched.pk]
    stored = Application.objects.get(pk=app.pk)
    assert stored.expiry_reminders_sent == 1 | 2 | 4
    assert Application.objects.get(pk=untouched.pk).expiry_reminders_sent == 0


def test_a_late_sweep_marks_only_the_stage_it_sent(world):
    app = active(world)
    moment = seoul_midnight(TERM_END - dt.timedelta(days=20))
    assert sweep(moment).done[deadlines.EXPIRY_REMINDER] == 1
    assert Application.objects.get(pk=app.pk).expiry_reminders_sent == deadlines.reminder_bit(30)
    assert assert_reminders_as_before(moment + MINUTE) == []


def test_reminded_for_an_earlier_term_then_extended_is_found_as_the_trail_finds_it(world):
    """Reminded at 30 and 7 days (the sweep missed the 90-day mark), then extended by a year:
    the extension clears the reminders, and at each of the new term's marks the case is due
    (the trail has no reminder for the new end)."""
    app = active(world)
    for days in (30, 7):
        assert (
            sweep(seoul_midnight(TERM_END - dt.timedelta(days=days)) + MINUTE).done[
                deadlines.EXPIRY_REMINDER
            ]
            == 1
        )
    assert Application.objects.get(pk=app.pk).expiry_reminders_sent == 2 | 4
    new_end = TERM_END + 365 * DAY
    after_the_7_day_reminder = seoul_midnight(TERM_END - dt.timedelta(days=3))
    extended(world, app, new_end, when=after_the_7_day_reminder)
    stored = Application.objects.get(pk=app.pk)
    assert (stored.term_end, stored.expiry_reminders_sent) == (new_end, 0)
    # Just before each mark the case is not due (the previous stage was sent), just after it
    # is; each reminder is then sent, so the next mark starts clean.
    for days in (90, 30, 7):
        edge = seoul_midnight(new_end - dt.timedelta(days=days))
        with at(edge - MINUTE):
            assert assert_reminders_as_before(edge - MINUTE) == []
        with at(edge + MINUTE):
            assert assert_reminders_as_before(edge + MINUTE) == [app.pk]
        assert sweep(edge + MINUTE).done[deadlines.EXPIRY_REMINDER] == 1
    stored = Application.objects.get(pk=app.pk)
    assert stored.expiry_reminders_sent == 1 | 2 | 4


def test_continuation_cap_reminders_as_the_trail_said(world):
    app, other = _continuing(world), _continuing(world)
    cap = Application.objects.get(pk=app.pk).continuation_until
    assert cap is not None
    for days in (90, 30, 7):
        edge = seoul_midnight(cap - dt.timedelta(days=days))
        with at(edge + MINUTE):
            assert ids(deadlines.due_continuation_reminders(now=edge + MINUTE)) == sorted(
                [app.pk, other.pk]
            )
            assert_reminders_as_before(edge + MINUTE)
            deadlines.application_remind_continuation_cap(application=app, now=edge + MINUTE)
            assert ids(deadlines.due_continuation_reminders(now=edge + 2 * MINUTE)) == [other.pk]
            assert_reminders_as_before(edge + 2 * MINUTE)
    assert Application.objects.get(pk=app.pk).continuation_reminders_sent == 7


def test_the_set_based_reminders_mark_the_cases_as_the_one_case_service_does(world):
    apps = [active(world) for _ in range(3)]
    moment = seoul_midnight(TERM_END - dt.timedelta(days=30)) + MINUTE
    with at(moment):
        result = deadlines.sweep(now=moment, set_based=True)
    assert result.done[deadlines.EXPIRY_REMINDER] == 3
    sent = Application.objects.filter(pk__in=[a.pk for a in apps])
    assert set(sent.values_list("expiry_reminders_sent", flat=True)) == {2}
    assert assert_reminders_as_before(moment + MINUTE) == []


def test_the_migration_marks_the_reminders_the_trail_already_has(world):
    """The data migration's rule, run on cases whose columns were cleared: every stage with an
    event in the trail gets its bit, and nothing else."""
    migration = importlib.import_module(
        "applications.migrations.0015_expiry_reminders_on_the_case_and_partial_sweep_indexes"
    )
    reminded, never = active(world), _continuing(world)
    for days in (30, 7):
        sweep(seoul_midnight(TERM_END - dt.timedelta(days=days)) + MINUTE)
    assert Application.objects.get(pk=reminded.pk).expiry_reminders_sent == 2 | 4
    Application.objects.update(expiry_reminders_sent=0, continuation_reminders_sent=0)
    migration.mark_reminders_already_sent(django_apps, None)
    assert Application.objects.get(pk=reminded.pk).expiry_reminders_sent == 2 | 4
    assert Application.objects.get(pk=never.pk).expiry_reminders_sent == 0
    assert set(Application.objects.values_list("continuation_reminders_sent", flat=True)) == {0}


# --- select_due: one statement, compiled once, finds what every selector finds --------------------


def every_rule_agrees(now: dt.datetime) -> list[list[int]]:
    with at(now):
        found = deadlines.select_due(deadlines.RULES, now=now)
        assert found == [deadlines.due_ids(rule, now=now) for rule in deadlines.RULES]
    return found


def test_select_due_finds_what_each_selector_finds_around_every_deadline(world):
    cases = a_case_of_every_rule(world)
    supplement_due = Application.objects.get(pk=cases["supplement_lapse"].pk).supplement_due_at
    assert supplement_due is not None
    moments = [
        DAY0 + 100 * DAY,
        supplement_due - MINUTE,
        supplement_due + MINUTE,  # the same day: the compiled SQL with the new ``now``
        DAY0 + 100 * DAY - DAY,
        DAY0 + 30 * DAY,
    ]
    counts = [sum(map(len, every_rule_agrees(moment))) for moment in moments]
    assert counts[0] == len(cases)
    lapse = deadlines.RULES.index(deadlines.RULE_BY_NAME["supplement_lapse"])
    assert cases["supplement_lapse"].pk in every_rule_agrees(supplement_due + MINUTE)[lapse]
    assert cases["supplement_lapse"].pk not in every_rule_agrees(supplement_due - MINUTE)[lapse]
    # The rules whose SQL depends on the time only through ``now``, asked twice the same day,
    # are kept with their ``now`` parameters found.
    kept = {
        key[2]
        for key, entry in deadlines._compiled.items()
        if entry is not None and entry.now_at is not None
    }
    assert {"supplement_lapse", "deemed_confirmation", "expiry"} <= kept
    # After the sweep nothing is due, by either route.
    sweep(DAY0 + 100 * DAY)
    assert every_rule_agrees(DAY0 + 100 * DAY + MINUTE) == [[] for _rule in deadlines.RULES]


def test_compiled_sql_is_used_again_only_while_its_reads_give_the_same_values(world):
    """A selector that reads the database besides ``now`` (through ``sweep_read``) is compiled
    again when the read gives another value; one whose parameters depend on the time in
    another way than ``now`` itself is never kept."""
    first, second = active(world), active(world)
    chosen = {"pks": [first.pk]}

    def due_chosen(*, now: dt.datetime) -> QuerySet[Application]:
        pks = deadlines.sweep_read("test_chosen", lambda: list(chosen["pks"]))
        return Application.objects.filter(pk__in=pks, term_end__gte=now.date())

    def due_an_hour_ago(*, now: dt.datetime) -> QuerySet[Application]:
        return Application.objects.filter(pk=second.pk, created_at__lte=now - dt.timedelta(hours=1))

    def act(item: Application, now: dt.datetime, rule: str) -> None:
        raise AssertionError("only selected here")

    def describe(item: Application, now: dt.datetime) -> str:
        return ""

    reading = deadlines.Rule("test_chosen", due_chosen, act, describe, lambda pk: pk)
    hourly = deadlines.Rule("test_hour", due_an_hour_ago, act, describe, lambda pk: pk)
    created = Application.objects.get(pk=second.pk).created_at
    now = created + dt.timedelta(minutes=30)
    assert deadlines.select_due([reading, hourly], now=now) == [[first.pk], []]
    chosen["pks"] = [second.pk]
    later = created + dt.timedelta(minutes=61)
    assert deadlines.select_due([reading, hourly], now=later) == [[second.pk], [second.pk]]
    entries = {key[2]: entry for key, entry in deadlines._compiled.items()}
    assert entries["test_hour"] is None  # ``now`` minus an hour: compiled afresh every time
    kept = entries["test_chosen"]
    assert kept is not None and kept.reads == (("test_chosen", [second.pk]),)  # compiled again
    assert kept.now_at is None  # the read changed: a second compilation is still to come
    assert deadlines.select_due([reading], now=later + MINUTE) == [[second.pk]]
    kept = deadlines._compiled[next(k for k in deadlines._compiled if k[2] == "test_chosen")]
    assert kept is not None and kept.now_at == ()  # no ``now`` among its parameters
    chosen["pks"] = [first.pk]  # a compiled entry is not used once its read changes
    assert deadlines.select_due([reading], now=later + 2 * MINUTE) == [[first.pk]]


def test_a_programme_moved_to_another_time_zone_is_asked_with_its_new_dates(world):
    app = active(world)
    moment = dt.datetime(2028, 3, 1, 16, 0, tzinfo=dt.UTC)  # 01:00 on 2 March in Seoul
    assert every_rule_agrees(moment)[deadlines.RULES.index(deadlines.RULE_BY_NAME["expiry"])] == [
        app.pk
    ]
    world.program.time_zone = "America/Los_Angeles"  # still 1 March there
    world.program.save()
    assert every_rule_agrees(moment)[deadlines.RULES.index(deadlines.RULE_BY_NAME["expiry"])] == []


@pytest.mark.postgres
def test_the_sweep_puts_the_sessions_planner_settings_back(world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('enable_indexscan')")
        before = cursor.fetchone()
        with deadlines._without_jit():
            cursor.execute("SELECT current_setting('jit'), current_setting('enable_indexscan')")
            assert cursor.fetchone() == ("off", "off")
        cursor.execute("SELECT current_setting('jit'), current_setting('enable_indexscan')")
        assert cursor.fetchone() == before


def test_the_migration_keeps_only_the_reminders_of_each_extended_cases_current_end(world):
    """0018, run on cases as the code before it left them (an extended case's reminders of its
    earlier end still counted): the extended case keeps only what was sent for its new end;
    a case never extended keeps everything."""
    migration = importlib.import_module(
        "applications.migrations.0018_expiry_reminders_of_the_current_end"
    )
    case, kept = active(world), active(world)
    for days in (30, 7):
        sweep(seoul_midnight(TERM_END - dt.timedelta(days=days)) + MINUTE)
    new_end = TERM_END + 365 * DAY
    extended(world, case, new_end, when=seoul_midnight(TERM_END - dt.timedelta(days=3)))
    sweep(seoul_midnight(new_end - dt.timedelta(days=90)) + MINUTE)  # the new end's first
    assert Application.objects.get(pk=case.pk).expiry_reminders_sent == 1
    Application.objects.filter(pk=case.pk).update(expiry_reminders_sent=1 | 2 | 4)
    migration.keep_reminders_of_the_current_end(django_apps, None)
    assert Application.objects.get(pk=case.pk).expiry_reminders_sent == 1
    assert Application.objects.get(pk=kept.pk).expiry_reminders_sent == 2 | 4
