"""Appends at the end of the transaction (``audit.appends_at_end``): the chain head is locked
only for the append; an event still exists exactly when its change does (same transaction,
dropped with a rolled-back savepoint), one event per action, and the chain never forks.

Run on both databases (SQLite here, PostgreSQL in the PostgreSQL pass)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from applications import effects, services
from applications.audit import (
    DRAFT_EVENTS,
    appends_at_end,
    audit_flush,
    audit_verify,
    chain_head,
)
from applications.models import AuditEvent
from applications.roles import Role
from applications.vocabulary import AuditAction
from applications.workflow import ApplicationStatus as S
from tests.builders import World, draft, drive

FLAG = AuditAction.AGENDA_DEADLINE_PASSED


class Refused(Exception):
    pass


def _record(world: World, app: Any, note: str) -> AuditEvent:
    return services.event_record(app, world.officer, Role.CASE_OFFICER, FLAG, {"note": note})


def _sound() -> None:
    report = audit_verify()
    assert report.ok, report.problem


def test_the_events_of_the_block_are_appended_in_order_when_it_ends(world: World):
    app = drive(world, S.SUBMITTED)
    head = chain_head()
    with appends_at_end():
        first, second = _record(world, app, "one"), _record(world, app, "two")
        assert (first.pk, first.seq, second.pk) == (None, None, None)  # registered only
        assert chain_head() == head  # the head is not locked or moved yet
    assert (first.seq, second.seq) == (head[0] + 1, head[0] + 2)
    assert (first.prev_hash, second.prev_hash) == (head[1], first.hash)
    assert chain_head() == (second.seq, second.hash)
    stored = AuditEvent.objects.filter(seq__gt=head[0]).values_list("pk", "payload")
    assert list(stored) == [(first.pk, {"note": "one"}), (second.pk, {"note": "two"})]
    _sound()


def test_an_event_in_a_rolled_back_savepoint_is_dropped_with_it(world: World):
    app = drive(world, S.SUBMITTED)
    head = chain_head()
    with appends_at_end():
        kept = _record(world, app, "kept")
        with pytest.raises(Refused), transaction.atomic():
            _record(world, app, "rolled back")
            raise Refused
        after = _record(world, app, "after")
    notes = list(AuditEvent.objects.filter(seq__gt=head[0]).values_list("payload", flat=True))
    assert notes == [{"note": "kept"}, {"note": "after"}]
    assert (kept.seq, after.seq) == (head[0] + 1, head[0] + 2)  # no gap where it was
    _sound()


def test_an_exception_out_of_the_block_writes_nothing(world: World):
    app = drive(world, S.SUBMITTED)
    head, events = chain_head(), AuditEvent.objects.count()
    with pytest.raises(Refused), appends_at_end():
        _record(world, app, "lost with its change")
        raise Refused
    assert (chain_head(), AuditEvent.objects.count()) == (head, events)
    with appends_at_end():
        _record(world, app, "next")  # the connection is not left deferring
    assert AuditEvent.objects.count() == events + 1
    _sound()


def test_a_nested_block_is_appended_by_the_outer_one(world: World):
    app = drive(world, S.SUBMITTED)
    head = chain_head()
    with appends_at_end():
        with appends_at_end():
            inner = _record(world, app, "inner")
        assert inner.seq is None
        outer = _record(world, app, "outer")
    assert (inner.seq, outer.seq) == (head[0] + 1, head[0] + 2)
    _sound()


def test_an_early_flush_gives_the_events_so_far_their_place(world: World):
    app = drive(world, S.SUBMITTED)
    with appends_at_end():
        event = _record(world, app, "needed now")
        (flushed,) = audit_flush()
        assert flushed is event and event.pk is not None
        later = _record(world, app, "later")
    assert later.seq == event.seq + 1
    _sound()


def test_a_draft_made_and_submitted_in_one_block_lists_its_draft_events(world: World):
    head = chain_head()
    with appends_at_end():
        app = draft(world)  # its events are registered, not yet numbered
        services.application_submit(application=app, by=world.applicant)
    events = list(AuditEvent.objects.filter(application=app).order_by("seq"))
    drafts = [e.seq for e in events if e.to_status == S.DRAFT]
    (submission,) = [e for e in events if e.action == "submit"]
    assert drafts and min(drafts) > head[0]
    assert submission.payload[DRAFT_EVENTS] == drafts
    _sound()


@pytest.mark.django_db(transaction=True)
def test_an_event_recorded_after_the_commit_is_appended_at_once(world: World):
    """On-commit work (a letter issued in-process …) runs its own transactions: their events
    must not wait for a block that has already ended."""
    app = drive(world, S.SUBMITTED)
    events = AuditEvent.objects.count()

    def after_commit() -> None:
        with transaction.atomic():
            _record(world, app, "after the commit")

    with appends_at_end():
        _record(world, app, "in the block")
        transaction.on_commit(after_commit)
    notes = list(AuditEvent.objects.filter(application=app).values_list("payload", flat=True))
    assert notes[-2:] == [{"note": "in the block"}, {"note": "after the commit"}]
    assert AuditEvent.objects.count() == events + 2
    _sound()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_head_is_held_for_one_round_trip_before_the_commit(world: World):
    """Counted on the wire: from the head's lock to the commit, three round trips
    (the lock, the move and the rows together with their ids, the commit), for one event and
    for several, with and without ids taken beforehand; the chain verifies after."""
    from tests.roundtrips import proxied_connection

    app = drive(world, S.SUBMITTED)
    at_lock: list[int] = []

    with proxied_connection("default") as (connection, proxy):

        def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            if "auditchainhead" in sql and "FOR UPDATE" in sql:
                at_lock.append(proxy.round_trips)
            return execute(sql, params, many, context)

        app.refresh_from_db()
        for notes in (["eins"], ["zwei", "drei"], ["vier", "fünf", "sechs"]):
            at_lock.clear()
            at_commit: list[int] = []
            with connection.execute_wrapper(watch), appends_at_end():
                # The first of the commit's callbacks: the round trips up to the commit.
                transaction.on_commit(lambda: at_commit.append(proxy.round_trips))  # noqa: B023
                events = [_record(world, app, note) for note in notes]
                if len(notes) == 3:  # one of them with its id from the sequence first
                    events[1].pk = effects.events_with_ids([events[1]])[0].pk
            assert at_commit[0] - at_lock[0] == 3, notes
            stored = AuditEvent.objects.filter(pk__in=[e.pk for e in events])
            assert sorted(stored.values_list("payload__note", flat=True)) == sorted(notes)
            assert [e.seq for e in events] == sorted(e.seq for e in events)
    _sound()


@pytest.mark.postgres
def test_on_postgresql_the_head_moves_with_the_rows_in_one_round_trip(world: World):
    """The head's move and the events' insert go out together (psycopg's pipeline mode), so the
    head is held for one round trip fewer; the chain and the head agree after."""
    from django.db import connection
    from psycopg import pq

    app = draft(world)
    seen: list[tuple[str, bool]] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        piped = connection.connection.pgconn.pipeline_status != pq.PipelineStatus.OFF
        seen.append((sql.split()[0], piped))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch), appends_at_end():
        _record(world, app, "eins")
        _record(world, app, "zwei")
    writes = [(verb, piped) for verb, piped in seen if verb in ("UPDATE", "INSERT")]
    assert writes[-2:] == [("UPDATE", True), ("INSERT", True)], seen
    _sound()
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None and chain_head() == (last.seq, last.hash)
    assert [e.payload["note"] for e in AuditEvent.objects.order_by("-seq")[:2]] == ["zwei", "eins"]
