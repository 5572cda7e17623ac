"""Appends at the end of the transaction (``audit.appends_at_end``): the chain head is locked
only for the append; an event still exists exactly when its change does (same transaction,
dropped with a rolled-back savepoint), one event per action, and the chain never forks.

Run on both databases (SQLite here, PostgreSQL in the PostgreSQL pass)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from applications import services
from applications.audit import (
    DRAFT_EVENTS,
    GENESIS_HASH,
    appends_at_end,
    audit_flush,
    audit_record,
    audit_verify,
    canonical_around_seq,
    canonical_json,
    chain_head,
    event_body,
    utc_text,
)
from applications.models import AuditChainHead, AuditEvent
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


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    seq=st.integers(min_value=1, max_value=10**15),
    texts=st.lists(st.text(), min_size=4, max_size=4),
    to_status=st.sampled_from(["draft", "submitted", ""]) | st.text(),
    reference=st.none() | st.text(),
    payload=st.dictionaries(st.text(), _JSON, max_size=4),
)
def test_the_canonical_text_around_the_seq_is_the_canonical_text(
    seq: int, texts: list[str], to_status: str, reference: str | None, payload: dict[str, Any]
):
    """What the one-statement append hashes (the text before the seq, the number, the text
    after) is the hash rule's canonical JSON of the event, whatever its texts and payload."""
    action, actor, role, from_status = texts
    at = dt.datetime(2026, 12, 2, 16, 30, 5, 120, tzinfo=dt.UTC)
    event = AuditEvent(
        occurred_at=at,
        actor_name=actor,
        actor_role=role,
        action=action,
        from_status=from_status,
        to_status=to_status,
        payload=payload,
    )
    before, after = canonical_around_seq(event, reference)
    whole = canonical_json(
        event_body(
            seq=seq,
            occurred_at=utc_text(at),
            application=reference,
            actor=actor,
            actor_role=role,
            action=action,
            from_status=from_status,
            to_status=to_status,
            payload=payload,
        )
    )
    assert before + str(seq) + after == whole


@pytest.mark.postgres
def test_on_postgresql_one_event_is_appended_in_one_statement(world: World):
    """A block with one event moves the head and inserts the event in one statement (no
    ``SELECT … FOR UPDATE`` of the head first); the database's hash is the hash rule's,
    for texts the JSON escapes and for Korean and emoji alike; the head agrees after."""
    from django.db import connection

    app = draft(world)
    notes = ['따옴표 " 역슬래시 \\ 줄바꿈 \n 탭 \t', "🦀 \u2028 \x7f끝", "plain"]
    seen: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(" ".join(sql.split()))
        return execute(sql, params, many, context)

    for note in notes:
        seen.clear()
        with connection.execute_wrapper(watch), appends_at_end():
            _record(world, app, note)
        head_table = AuditChainHead._meta.db_table
        touching = [sql for sql in seen if head_table in sql]
        assert len(touching) == 1 and touching[0].startswith("WITH head AS ( UPDATE"), seen
        assert any("INSERT INTO" in sql for sql in touching), touching
    _sound()  # every stored hash recomputed by the hash rule in Python
    stored = list(AuditEvent.objects.order_by("-seq")[:3])
    assert [event.payload["note"] for event in reversed(stored)] == notes
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash, head.prev_hash) == (stored[0].seq, stored[0].hash, stored[1].hash)


@pytest.mark.postgres
def test_on_postgresql_the_first_append_ever_makes_the_head(db: None):
    """With no head yet the one statement appends nothing, and the append makes the head and
    links the event to the genesis hash the usual way."""
    assert not AuditEvent.objects.exists()
    AuditChainHead.objects.all().delete()  # an empty chain: the head a migration may have made
    with appends_at_end():
        audit_record(
            application=None, actor=None, actor_role=Role.SYSTEM, action=FLAG, payload={"n": 1}
        )
    (event,) = AuditEvent.objects.all()
    assert (event.seq, event.prev_hash) == (1, GENESIS_HASH)
    assert chain_head() == (1, event.hash)
    _sound()


@pytest.mark.postgres
def test_on_postgresql_a_text_too_long_for_its_column_is_refused_and_nothing_moves(world: World):
    """The one statement casts the event's texts to text, not to their columns' types (a cast
    would cut them short): a name too long for its column is refused as by any insert, and
    the head stays where it was."""
    from django.db import DataError

    app = draft(world)
    before = chain_head()
    with pytest.raises(DataError), appends_at_end():
        audit_record(
            application=app,
            actor=None,
            actor_role=Role.SYSTEM,
            action="x" * 65,  # the column holds 64
            from_status=app.status,
            to_status=app.status,
        )
    assert chain_head() == before
    _sound()
