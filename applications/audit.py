"""The tamper-evident audit chain (DESIGN §4).

``hash = SHA-256(prev_hash + canonical JSON of the event)``; one chain across all events.
Appends lock the chain head, so concurrent writers queue instead of forking the chain, and
they happen inside the caller's transaction, so an event exists exactly when its change does.
Inside ``appends_at_end`` (the kernel's services) they happen as the transaction's last step,
so the head is held only for the append and the commit and concurrent transitions overlap.
A submission's reference number is taken there too, once the head is locked
(``audit_record``'s ``reference_at_head``): the programme's counter row, which keeps numbers
gap-free until the commit, is then only ever locked by the head's holder.

The hash rule uses only what the API exports (docs/api.md, "The hash rule"), so anyone can
recompute the chain from a CSV or NDJSON export (``api/verifier.py``):

    body = {"seq", "occurred_at", "application", "actor", "actor_role", "action",
            "from_status", "to_status", "payload"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    hash = sha256((prev_hash + canonical).encode("utf-8")).hexdigest()

``occurred_at`` is the exported text (UTC, ``Z``); ``application`` is the case reference, or
null for events without a case and for events recorded while the case was still a draft
(``to_status`` "draft": a draft has no reference yet). So that those events stay bound to their
case all the same, the event that takes a case out of draft with a reference (its submission)
lists their seq numbers in ``payload["draft_events"]``, and verification checks that the events
under that reference with ``to_status`` "draft" are exactly those. Chains written with the first
rule (the case's internal id, ``+00:00`` times) are moved to this one by ``chain_migrate``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import os
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone

from applications.models import Application, AuditChainHead, AuditEvent
from applications.roles import Role
from applications.vocabulary import AuditAction
from core.prepared import sent_together

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"
DRAFT = "draft"
DRAFT_EVENTS = "draft_events"
HASH_RULE = "sha256(prev_hash + canonical JSON of the exported fields), v2"


def utc_text(moment: dt.datetime) -> str:
    """The one text form of a moment: UTC with ``Z``; microseconds only when there are any."""
    text = moment.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _plain(value: Any) -> Any:
    """Payloads are stored as JSON: moments as UTC ``Z`` text, dates as ISO strings, decimals as
    strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        raise TypeError("Audit payloads carry no floats: their text form is not canonical.")
    return value


def hashed_reference(reference: str | None, to_status: str) -> str | None:
    """What the hash covers as the event's case: its reference, none while it was a draft."""
    return None if to_status == DRAFT else (reference or None)


def event_body(
    *,
    seq: int,
    occurred_at: str,
    application: str | None,
    actor: str,
    actor_role: str,
    action: str,
    from_status: str,
    to_status: str,
    payload: Any,
) -> dict[str, Any]:
    """The hashed fields of one event, named and written as the API exports them."""
    return {
        "seq": seq,
        "occurred_at": occurred_at,
        "application": hashed_reference(application, to_status),
        "actor": actor,
        "actor_role": actor_role,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "payload": payload,
    }


def canonical_json(body: dict[str, Any]) -> str:
    """Keys sorted, no spaces, non-ASCII written as is (UTF-8)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    """The hash of a stored (or about to be stored) event."""
    case = event.application if event.application_id is not None else None
    return _hash_with_reference(prev_hash, event, case.reference if case is not None else None)


def _hash_with_reference(prev_hash: str, event: AuditEvent, reference: str | None) -> str:
    """The hash of ``event`` under ``reference`` (its case's reference when it is appended)."""
    return chain_hash(
        prev_hash,
        event_body(
            seq=event.seq,
            occurred_at=utc_text(event.occurred_at),
            application=reference,
            actor=event.actor_name,
            actor_role=event.actor_role,
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            payload=event.payload,
        ),
    )


def _reference_now(application: Application | None) -> str | None:
    """The case's reference as stored (a caller's copy may predate the submission)."""
    if application is None:
        return None
    if application.reference is None and application.pk is not None:
        return (
            Application.objects.filter(pk=application.pk)
            .values_list("reference", flat=True)
            .first()
        )
    return application.reference


@dataclass
class _Pending:
    """An event recorded in a deferred transaction, appended to the chain when it ends."""

    event: AuditEvent
    reference: str | None
    seal_drafts: bool  # a submission: lists its case's draft-time events (module docstring)
    recorded: Callable[[AuditEvent], None] | None
    marker: Callable[[], None]  # an on-commit no-op: gone when its savepoint was rolled back
    recorded_many: Callable[[list[AuditEvent]], None] | None = None  # ``recorded`` for many
    # The case's reference, asked for under the chain head (``audit_record``'s
    # ``reference_at_head``); ``reference`` is None until then.
    reference_at_head: Callable[[], str] | None = None


_PENDING = "_audit_pending_events"


def _pending_list() -> list[_Pending] | None:
    pending: list[_Pending] | None = getattr(transaction.get_connection(), _PENDING, None)
    return pending


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = AuditChainHead.objects.get_or_create(pk=1, defaults={"hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _link(event: AuditEvent, reference: str | None, seq: int, prev_hash: str) -> None:
    """Give ``event`` its place in the chain: seq, prev_hash and hash."""
    event.seq, event.prev_hash = seq, prev_hash
    event.hash = _hash_with_reference(prev_hash, event, reference)


def audit_record(
    *,
    application: Application | None,
    actor: Any | None,
    actor_role: str,
    action: str,
    from_status: str = "",
    to_status: str = "",
    payload: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    recorded: Callable[[AuditEvent], None] | None = None,
    recorded_many: Callable[[list[AuditEvent]], None] | None = None,
    reference_at_head: Callable[[], str] | None = None,
) -> AuditEvent:
    """Append one event to the chain; must run inside the transaction of the change it records.

    Inside ``appends_at_end`` the event is only registered: it gets its seq, hash and row when
    that block ends (``audit_flush``), so the chain head is locked for the last moment of the
    transaction only. ``recorded(event)`` runs in the same transaction (on PostgreSQL before the
    event is inserted and before the block takes the chain head: see ``audit_flush``); when the block
    appends several events registered with the same ``recorded`` and a ``recorded_many``, that
    is called once with them, in chain order, instead.

    ``reference_at_head()`` (inside ``appends_at_end`` only) gives the case its reference (a
    submission's number, from a row every submission of the programme locks) and returns it:
    it is called once the chain head is locked, just before the event is linked, so that row is
    only ever locked by the head's holder and nobody waits for it. The block's ``recorded``
    then run after the append on PostgreSQL too, when the case has its reference."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change.")
    # A draft's event hashes no reference (``hashed_reference``): no need to read it.
    reference = (
        None if to_status == DRAFT or reference_at_head is not None else _reference_now(application)
    )
    payload = _plain(payload or {})
    seal_drafts = bool(
        application is not None
        and (reference or reference_at_head is not None)
        and from_status == DRAFT != to_status
    )
    if seal_drafts:
        # The case row is locked by the caller: no other transaction adds draft events to it.
        payload[DRAFT_EVENTS] = list(
            AuditEvent.objects.filter(application=application, to_status=DRAFT)
            .order_by("seq")
            .values_list("seq", flat=True)
        )
    event = AuditEvent(
        application=application,
        occurred_at=(at or timezone.now()).astimezone(dt.UTC),
        actor=actor,
        actor_name=actor.get_username() if actor is not None else SYSTEM_ACTOR,
        actor_role=Role.SYSTEM if actor is None else actor_role,
        action=action,
        from_status=from_status,
        to_status=to_status,
        payload=payload,
    )
    pending = _pending_list()
    if pending is not None:

        def marker() -> None:
            return None

        transaction.on_commit(marker)
        pending.append(
            _Pending(
                event, reference, seal_drafts, recorded, marker, recorded_many, reference_at_head
            )
        )
        return event
    if reference_at_head is not None:
        # Its subscribers' order and the caller's copy are those of ``audit_flush``.
        raise RuntimeError("An event that takes its reference under the head needs appends_at_end.")
    head = _lock_head()
    _link(event, reference, head.seq + 1, head.hash)
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    if recorded is not None:
        recorded(event)
    return event


def audit_flush() -> list[AuditEvent]:
    """Append the events registered so far in this ``appends_at_end`` transaction: lock the
    head once, link them in order, insert them in one statement, move the head. Events whose
    savepoint was rolled back since they were registered are dropped with it. Call it early
    only when something needs an event's seq, id or hash before the block ends.

    The head is held from here to the commit, and every audited transaction needs it. So on
    PostgreSQL the events' ``recorded`` effects (the staff notifications) run before the head
    is locked, with the events not yet inserted: the effects that keep an event's id take it
    from the table's sequence first (``effects.events_with_ids``), and the foreign keys to the
    events are checked at the commit. SQLite has one writer at a time anyway: there the rows
    are inserted first and the effects run after; and so on PostgreSQL when an event takes its
    case's reference under the head (a submission: ``audit_record``'s ``reference_at_head``),
    so that the effects see the case as it is committed. No in-transaction effect wants a
    submission (``notifications.rules.watches``): the head is not held any longer for them."""
    pending = _pending_list()
    if not pending:
        return []
    connection = transaction.get_connection()
    alive = {id(func) for _sids, func, _robust in connection.run_on_commit}
    entries = [entry for entry in pending if id(entry.marker) in alive]
    pending.clear()
    if not entries:
        return []
    events = [entry.event for entry in entries]
    at_head = any(entry.reference_at_head is not None for entry in entries)
    if connection.vendor == "postgresql" and not at_head:
        _tell_recorded(entries)
        _append(entries)
    else:
        _append(entries)
        _tell_recorded(entries)
    return events


def _append(entries: list[_Pending]) -> None:
    """Lock the head, link ``entries`` in order (an entry that takes its case's reference under
    the head takes it here, in chain order), insert them, move the head."""
    connection = transaction.get_connection()
    head = _lock_head()
    seq, prev_hash = head.seq, head.hash
    drafts: dict[int, list[int]] = {}  # draft-time events of this batch, by case
    for entry in entries:
        event = entry.event
        if entry.seal_drafts:
            listed = event.payload.setdefault(DRAFT_EVENTS, [])
            listed.extend(drafts.pop(event.application_id or 0, []))
        elif event.application_id is not None and event.to_status == DRAFT:
            drafts.setdefault(event.application_id, []).append(seq + 1)
        seq += 1
        if entry.reference_at_head is not None:
            entry.reference = entry.reference_at_head()
        _link(event, entry.reference, seq, prev_hash)
        prev_hash = event.hash
    events = [entry.event for entry in entries]
    head.seq, head.hash = seq, prev_hash
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    move = (f"UPDATE {table} SET seq = %s, hash = %s WHERE id = %s", [seq, prev_hash, head.pk])
    if connection.vendor == "postgresql":
        _move_and_insert_together(connection, move, events)
        return
    with connection.cursor() as cursor:
        cursor.execute(*move)
    if connection.features.can_return_rows_from_bulk_insert:
        AuditEvent.objects.bulk_create(events, batch_size=INSERT_BATCH)
    else:
        for event in events:
            event.save(force_insert=True)


INSERT_BATCH = 500  # events a statement inserts


def _move_and_insert_together(
    connection: Any, move: tuple[str, list[Any]], events: list[AuditEvent]
) -> None:
    """The head's move and the events' rows sent together (``core.prepared.sent_together``):
    one round trip while the head is held, the rows' ids taken from the answers. Nothing reads
    the move's answer; an error in any statement is raised when they come back, inside this
    transaction."""
    inserts = _inserts(events, connection)
    _moved, *ids = sent_together(connection, [move, *[(sql, params) for sql, params, _ in inserts]])
    for (_sql, _params, rows), returned in zip(inserts, ids, strict=True):
        for event, (pk,) in zip(rows, returned or [], strict=True):
            event.pk = pk
            event._state.adding, event._state.db = False, connection.alias


def _inserts(events: list[AuditEvent], connection: Any) -> list[tuple[str, Any, list[AuditEvent]]]:
    """The ``INSERT … RETURNING id`` statements of ``events``, as ``bulk_create`` writes them:
    those that took their id from the sequence already (``effects.events_with_ids``) with it,
    the others without, up to ``INSERT_BATCH`` a statement; each statement with the events it
    returns the ids of, in order."""
    meta = AuditEvent._meta
    statements = []
    for with_id in (True, False):
        rows = [event for event in events if (event.pk is not None) == with_id]
        fields = [f for f in meta.concrete_fields if with_id or f is not meta.pk]
        for start in range(0, len(rows), INSERT_BATCH):
            batch: list[Any] = rows[start : start + INSERT_BATCH]
            query = InsertQuery(AuditEvent)
            query.insert_values(fields, batch)
            compiler = query.get_compiler(connection=connection)
            compiler.returning_fields = [meta.pk]
            ((sql, params),) = compiler.as_sql()
            statements.append((sql, params, batch))
    return statements


def _tell_recorded(entries: list[_Pending]) -> None:
    """Each event's ``recorded`` in chain order; a run of events sharing it and a batch form
    (``recorded_many``) in one call."""
    for (recorded, many), run in itertools.groupby(
        entries, key=lambda entry: (entry.recorded, entry.recorded_many)
    ):
        events = [entry.event for entry in run]
        if recorded is None:
            continue
        if many is not None and len(events) > 1:
            many(events)
        else:
            for event in events:
                recorded(event)


@contextlib.contextmanager
def appends_at_end() -> Iterator[None]:
    """``transaction.atomic()`` whose audit events are appended to the chain as its last step.

    The chain head is the one row every audited write needs; taken in the middle of a
    transaction it is held until the commit and concurrent writers queue behind one another.
    Here it is taken after the block's own work (the case row lock still orders writes to one
    case). Nested inside another one, the outer block appends for both. An event still exists
    exactly when its change does: it is inserted in the same transaction, and dropped with a
    savepoint that rolls back."""
    connection = transaction.get_connection()
    if getattr(connection, _PENDING, None) is not None:
        with transaction.atomic():
            yield
        return
    setattr(connection, _PENDING, [])
    try:
        with transaction.atomic():
            try:
                yield
                audit_flush()
            finally:
                # Before the commit: its on-commit callbacks (a letter issued in-process …)
                # write transactions of their own, which append at once.
                setattr(connection, _PENDING, None)
    finally:
        setattr(connection, _PENDING, None)


# --- verification ---------------------------------------------------------------------------


Progress = Callable[[int, int], None]
"""Called now and then during a walk with (events walked, events to walk)."""


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    head_hash: str
    first_broken_seq: int | None = None
    problem: str = ""
    from_seq: int = 0
    head_seq: int = 0


_WALK_COLUMNS = (
    "seq",
    "occurred_at",
    "application__reference",
    "actor_name",
    "actor_role",
    "action",
    "from_status",
    "to_status",
    "payload",
    "prev_hash",
    "hash",
)


def _walk(after_seq: int, upto_seq: int, batch: int = 2000) -> Iterator[tuple[Any, ...]]:
    """Events ``after_seq < seq <= upto_seq`` in order, in keyset batches (constant memory)."""
    rows = AuditEvent.objects.order_by("seq").values_list(*_WALK_COLUMNS)
    last = after_seq
    while True:
        chunk = list(rows.filter(seq__gt=last, seq__lte=upto_seq)[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][0]


def row_hash(prev_hash: str, row: tuple[Any, ...]) -> str:
    """The hash of a walked row (``_WALK_COLUMNS`` order)."""
    seq, at, reference, actor, role, action, from_status, to_status, payload = row[:9]
    return chain_hash(
        prev_hash,
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
        ),
    )


# --- verification on PostgreSQL: the database hashes ------------------------------------------

VERIFY_CHUNK = 100_000
"""Seq numbers per query of the PostgreSQL walk (each query reads one keyset range)."""

# ``utc_text`` in SQL: UTC, ``T``, ``Z``; six digits of microseconds only when there are any.
# PostgreSQL's own ISO text of the timestamp (it drops trailing zeros of the fraction, and the
# fraction when it is zero) padded back (``to_char`` costs as much). psycopg needs DateStyle
# ISO anyway.
_SQL_MOMENT = (
    "rpad(translate((e.occurred_at AT TIME ZONE 'UTC')::text, ' ', 'T'), "
    "CASE WHEN length((e.occurred_at AT TIME ZONE 'UTC')::text) = 19 THEN 19 ELSE 26 END, '0') || 'Z'"
)

# ``canonical_json(payload)`` in SQL, for the payloads whose text PostgreSQL writes exactly as
# Python does: an object whose values are strings, booleans, nulls, integers or lists of
# integers (keys in code-point order = UTF-8 byte order, "C" collation; strings escaped by
# ``to_json`` as Python's json escapes them with ``ensure_ascii=False``; integers as digits).
# Anything else (nested objects, numbers with a fraction, lists of other things) is NULL here,
# and that row is hashed in Python (``row_hash``).
_SQL_CANONICAL_PAYLOAD = r"""
CASE
  WHEN jsonb_typeof(e.payload) <> 'object' THEN NULL
  WHEN e.payload = '{}'::jsonb THEN '{}'
  ELSE (
    SELECT CASE WHEN bool_and(CASE jsonb_typeof(v)
                                WHEN 'string' THEN true
                                WHEN 'boolean' THEN true
                                WHEN 'null' THEN true
                                WHEN 'number' THEN strpos(v::text, '.') = 0
                                WHEN 'array' THEN v::text ~ '^\[[-0-9, ]*\]$'
                                ELSE false END)
           THEN '{' || string_agg(
                  to_json(k)::text || ':' ||
                  CASE WHEN jsonb_typeof(v) = 'array' THEN replace(v::text, ', ', ',')
                       ELSE v::text END,
                  ',' ORDER BY k COLLATE "C") || '}'
           END
    FROM jsonb_each(e.payload) AS p(k, v))
END"""

# ``canonical_json(event_body(...))`` in SQL: the keys in sorted order, no spaces.
_SQL_CANONICAL_BODY = (
    """'{"action":' || to_json(e.action)::text"""
    """ || ',"actor":' || to_json(e.actor_name)::text"""
    """ || ',"actor_role":' || to_json(e.actor_role)::text"""
    """ || ',"application":' || CASE WHEN e.to_status = 'draft' OR coalesce(a.reference, '') = ''"""
    """ THEN 'null' ELSE to_json(a.reference)::text END"""
    """ || ',"from_status":' || to_json(e.from_status)::text"""
    """ || ',"occurred_at":"' || """
    + _SQL_MOMENT
    + """ || '","payload":' || """
    + _SQL_CANONICAL_PAYLOAD
    + """ || ',"seq":' || e.seq"""
    """ || ',"to_status":' || to_json(e.to_status)::text || '}'"""
)

# Each event of a keyset range with the stored seq and hash of the one before it and its hash
# recomputed by the database (NULL when its payload is left to Python); only the events the
# walk must look at come back: a gap, a broken link, a hash that differs or was not computed,
# and the events that bind draft-time events (case events to or from "draft").
_SQL_WALK = f"""
WITH w AS (
  SELECT e.seq, e.occurred_at, a.reference, e.actor_name, e.actor_role, e.action,
         e.from_status, e.to_status, e.payload, e.prev_hash, e.hash,
         coalesce(lag(e.seq) OVER (ORDER BY e.seq), %(last_seq)s) AS before_seq,
         coalesce(lag(e.hash) OVER (ORDER BY e.seq), %(last_hash)s) AS before_hash,
         encode(sha256(convert_to(e.prev_hash || {_SQL_CANONICAL_BODY}, 'UTF8')), 'hex')
           AS digest
  FROM {AuditEvent._meta.db_table} e
  LEFT JOIN {Application._meta.db_table} a ON a.id = e.application_id
  WHERE e.seq > %(low)s AND e.seq <= %(high)s
)
SELECT seq, occurred_at, reference, actor_name, actor_role, action, from_status, to_status,
       payload::text, prev_hash, hash, before_seq, before_hash, digest = hash
FROM w
WHERE before_seq <> seq - 1 OR before_hash <> prev_hash OR digest IS DISTINCT FROM hash
   OR (coalesce(reference, '') <> '' AND (to_status = 'draft' OR from_status = 'draft'))
ORDER BY seq
"""

_SQL_LAST = (
    f"SELECT seq, hash FROM {AuditEvent._meta.db_table} "
    "WHERE seq > %s AND seq <= %s ORDER BY seq DESC LIMIT 1"
)

Step = tuple[int, str, tuple[Any, ...] | None, bool | None]
"""(seq, hash) of the last sound event before ``row``; the row (``_WALK_COLUMNS`` order) or None
at the end; whether its hash is right (None: not computed yet)."""


def _walk_postgresql(
    after_seq: int, upto_seq: int, after_hash: str, progress: Progress | None = None
) -> Iterator[Step]:
    """The events the walk must look at, ``after_seq < seq <= upto_seq``, one keyset range of
    ``VERIFY_CHUNK`` seq numbers per query (constant memory, no long transaction); every event
    between two of them is known sound (contiguous, linked, hash recomputed and equal, nothing
    to do with drafts). Ends with ``(last seq, its hash, None, None)``.

    No longer the walk's route (``_walk_streamed`` is faster: the database's per-row cost of
    sorting payload keys was the bound); kept as ``bench_verify``'s same-run baseline, its SQL
    tested byte for byte against Python's canonical text."""
    connection = connections["default"]
    with connection.cursor() as cursor:
        # JIT compiling the hash expression costs a second per query and wins nothing back.
        cursor.execute("SELECT current_setting('jit')")
        jit = cursor.fetchone()[0]
        cursor.execute("SET jit = off")
        try:
            yield from _walk_ranges(cursor, after_seq, upto_seq, after_hash, progress)
        finally:
            cursor.execute("SELECT set_config('jit', %s, false)", [jit])


def _walk_ranges(
    cursor: Any, after_seq: int, upto_seq: int, after_hash: str, progress: Progress | None
) -> Iterator[Step]:
    last_seq, last_hash, low = after_seq, after_hash, after_seq
    while low < upto_seq:
        high = min(low + VERIFY_CHUNK, upto_seq)
        cursor.execute(
            _SQL_WALK, {"low": low, "high": high, "last_seq": last_seq, "last_hash": last_hash}
        )
        for found in cursor.fetchall():
            row = (*found[:8], json.loads(found[8]), found[9], found[10])
            yield found[11], found[12], row, found[13]
        cursor.execute(_SQL_LAST, [low, high])
        end = cursor.fetchone()
        if end is not None:
            last_seq, last_hash = int(end[0]), str(end[1])
        low = high
        if progress is not None:
            progress(high - after_seq, upto_seq - after_seq)
    yield last_seq, last_hash, None, None


# --- verification on PostgreSQL: streamed, hashed here, on two processes ---------------------

VERIFY_PAYLOAD_CACHE = 4096
"""Payload texts whose canonical text the streamed walk keeps (0: none)."""

VERIFY_SPLIT_MIN = 200_000
"""From this many events on, and when ``VERIFY_SPLIT`` allows, the streamed walk verifies the
second half of the range in a second process (with its own connection) while this one verifies
the first."""

VERIFY_SPLIT = False
"""Off in web and worker processes: forking a process that runs other threads can leave the
child waiting on a lock one of them held. ``verify_audit_chain`` (a process of its own) turns
it on with ``split_verification_suits_this_machine()``."""


def split_verification_suits_this_machine() -> bool:
    """Hashing in Python is the walk's limit, not the database writing the rows: on a quiet
    2-core machine two walking processes verified 1M events at 1.7 times the rate of one
    (docs/performance.md). On one core a second process only adds switching."""
    return (os.cpu_count() or 1) >= 2


# Each event of one keyset range as a COPY text line of its stored columns: the payload's text,
# seq, prev_hash, hash, action, actor, actor_role, reference ("" for none), from_status,
# to_status and the moment as PostgreSQL's ISO text in UTC (fraction without trailing zeros).
# Writing the canonical text here is cheaper than having the database write any of it.
_SQL_STREAM_ROWS = f"""
  SELECT e.payload::text, e.seq, e.prev_hash, e.hash, e.action, e.actor_name, e.actor_role,
         coalesce(a.reference, ''), e.from_status, e.to_status,
         (e.occurred_at AT TIME ZONE 'UTC')::text
  FROM {AuditEvent._meta.db_table} e
  LEFT JOIN {Application._meta.db_table} a ON a.id = e.application_id
  WHERE e.seq > %(low)s AND e.seq <= %(high)s
  ORDER BY e.seq"""
_SQL_STREAM = f"COPY ({_SQL_STREAM_ROWS}\n) TO STDOUT"

# The plan each range's COPY must get: rows in seq order straight off the index, each case's
# reference looked up beside them (a nested loop, memoized by case), so the first row comes
# at once and the rows come as fast as the walk takes them. Left to itself the planner prefers
# a parallel hash join and a sort of the whole range, spilled to disk: about twice the
# server's CPU (most of it in its workers) and a third of a second before each range's first
# row, while the walk waits (docs/performance.md, "Chain verification, fourth round", which
# also measures where this plan costs more: a trail whose cases never repeat within a range).
# JIT compiling costs a second per query and wins nothing back.
_STREAM_PLAN = {
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
    "enable_hashjoin": "off",
    "enable_mergejoin": "off",
    "enable_sort": "off",
    "enable_nestloop": "on",
}
_SQL_SET_STREAM_PLAN = "SELECT " + ", ".join(
    f"set_config('{name}', %({name})s, false)" for name in _STREAM_PLAN
)


@contextlib.contextmanager
def _stream_plan(cursor: Any) -> Iterator[None]:
    """``_STREAM_PLAN`` on this connection while the walk runs, its settings put back after."""
    cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in _STREAM_PLAN))
    before = dict(zip(_STREAM_PLAN, cursor.fetchone(), strict=True))
    cursor.execute(_SQL_SET_STREAM_PLAN, _STREAM_PLAN)
    try:
        yield
    finally:
        cursor.execute(_SQL_SET_STREAM_PLAN, before)


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_CANONICAL = _ENCODER.encode
# ``canonical_json`` of one string (what ``_CANONICAL`` writes for a string, C-implemented).
_JSON_TEXT: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]
# What ``json.loads`` and ``_CANONICAL`` call inside, built once: ``JSONEncoder.encode`` builds
# this same C encoder on every call (with a circular-reference guard, which changes nothing for
# a value just parsed), ``json.loads`` matches whitespace around the C scanner.
_SCAN = json.scanner.make_scanner(json.decoder.JSONDecoder())  # type: ignore[attr-defined]
_C_ENCODER = json.encoder.c_make_encoder  # type: ignore[attr-defined]
_CANONICAL_CHUNKS = (
    _C_ENCODER(None, _ENCODER.default, _JSON_TEXT, None, ":", ",", True, False, True)
    if _C_ENCODER is not None
    else None
)


def _payload_canonical(text: str) -> str:
    """``_CANONICAL(json.loads(text))`` (the payload's canonical text), at half the cost."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        end = -1
    if end != len(text):
        value = json.loads(text)  # not one bare JSON value: as json.loads has it (or raises)
    if _CANONICAL_CHUNKS is None:
        return _CANONICAL(value)
    return "".join(_CANONICAL_CHUNKS(value, 0))


# The hashed text of one event in UTF-8, every string already JSON text (quotes included).
_CANONICAL_BYTES = (
    b'%s{"action":%s,"actor":%s,"actor_role":%s,"application":%s,"from_status":%s,'
    b'"occurred_at":"%sT%s%sZ","payload":%s,"seq":%s,"to_status":%s}'
)
# PostgreSQL's text of a moment drops the fraction's trailing zeros (and a zero fraction);
# ``utc_text`` writes six digits or none: the zeros to put back, by the text's length.
_FRACTION_PAD = tuple(b"0" * (26 - n) if 20 <= n <= 26 else b"" for n in range(64))
_COPY_ESCAPE = re.compile(r"\\(.)")
_COPY_UNESCAPED = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
VERIFY_TEXT_CACHE = 4096
"""Column texts (action, actor, role, statuses; references) whose JSON text the streamed walk
keeps, each kind bounded by this."""
_COPY_BLOCK = 2000
"""COPY rows the streamed walk takes at a time (one bytes object, split into lines)."""


def _copy_text(field: bytes) -> str:
    """The value of one field of a COPY text line (its escapes undone)."""
    text = field.decode()
    if "\\" not in text:
        return text
    return _COPY_ESCAPE.sub(lambda m: _COPY_UNESCAPED.get(m.group(1), m.group(1)), text)


def _copy_blocks(pgconn: Any, sql: str) -> Generator[bytes, None, None]:
    """The rows ``COPY … TO STDOUT`` writes, ``_COPY_BLOCK`` lines at a time (each ending with
    a newline), read straight from libpq: psycopg's ``Copy`` iterator costs a generator round
    trip per row, and rows held as the memoryviews libpq hands out cost far more than copying
    them into one buffer at once. Waits for the socket in ``select`` (the GIL released); an
    error is raised as psycopg raises it; stopping early drains the rest so that the
    connection is left idle."""
    import select

    from psycopg import errors
    from psycopg.pq import ExecStatus

    def wait(write: bool = False) -> None:
        fd = pgconn.socket
        select.select([] if write else [fd], [fd] if write else [], [])

    def result() -> Any:
        while pgconn.is_busy():
            wait()
            pgconn.consume_input()
        return pgconn.get_result()

    def finish() -> None:  # the results after the COPY's data, up to the end of the query
        failure = None
        while (res := result()) is not None:
            if res.status not in (ExecStatus.COMMAND_OK, ExecStatus.COPY_OUT) and failure is None:
                failure = errors.error_from_result(res)
        if failure is not None:
            raise failure

    pgconn.send_query(sql.encode())
    while pgconn.flush():
        wait(write=True)
    started = result()
    if started is None or started.status != ExecStatus.COPY_OUT:
        finish()
        if started is not None:
            raise errors.error_from_result(started)
        raise errors.InternalError("COPY did not start")
    buffer, rows, done = bytearray(), 0, False
    get = pgconn.get_copy_data
    try:
        while True:
            size, data = get(1)
            if size > 0:
                buffer += data
                rows += 1
                if rows == _COPY_BLOCK:
                    block = bytes(buffer)
                    buffer.clear()
                    rows = 0
                    yield block
            elif size == 0:
                wait()
                pgconn.consume_input()
            else:
                break
        done = True
        finish()
    finally:
        if not done:  # left early: read the rest, so that the connection can be used again
            with contextlib.suppress(Exception):
                while get(0)[0] >= 0:
                    pass
                finish()
    if buffer:
        yield bytes(buffer)


def _runs(lines: list[bytes]) -> list[tuple[int, list[bytes]]]:
    """COPY lines in seq order (the seq their second field) as runs of consecutive seq
    numbers, each with its first seq: one run unless numbers are missing among them. Seq
    numbers are unique and ascending, so the first and the last tell (the walk then checks no
    seq of its own)."""

    def seq_of(line: bytes) -> int:
        return int(line.split(b"\t", 2)[1])

    first = seq_of(lines[0])
    if seq_of(lines[-1]) - first == len(lines) - 1:
        return [(first, lines)]
    seqs = [seq_of(line) for line in lines]
    starts = [0, *(i for i in range(1, len(seqs)) if seqs[i] != seqs[i - 1] + 1), len(seqs)]
    return [(seqs[a], lines[a:b]) for a, b in itertools.pairwise(starts)]


Mark = tuple[int, int, str | None]
"""An event the streamed walk does not vouch for, with the last event before it as (seq,
hash); seq 0 marks the end of a span, with its last event."""


def _hash_span(
    cursor: Any,
    low: int,
    high: int,
    last_seq: int,
    last_hash: str | None,
    progress: Progress | None = None,
    done: int = 0,
    total: int = 0,
) -> Iterator[Mark]:
    """Events ``low < seq <= high`` streamed by ``COPY`` one ``VERIFY_CHUNK`` range at a time
    and hashed here. Marks every event that is not the sound successor of the one before it
    (a gap, a broken link, a hash that differs) and every event that binds draft-time events;
    ends with ``(0, last seq, its hash)``. ``last_hash`` None: the span's first event is
    marked (its link is checked by whoever knows the event before it).

    The text is built in bytes, as COPY wrote it, with no decoding: each string column's JSON
    text (``encode_basestring`` of its value, COPY's escapes undone: exact whatever it holds)
    and each payload's canonical text are kept by the COPY text they came from, in bounded
    caches (a trail repeats its actions, actors, roles, statuses, references and payloads)."""
    sha, canonical_text, text_of = hashlib.sha256, _payload_canonical, _JSON_TEXT
    template, pad, draft = _CANONICAL_BYTES, _FRACTION_PAD, DRAFT.encode()
    pgconn = cursor.connection.pgconn
    # Bounded, emptied when full: the same COPY text always gives the same canonical text.
    payloads: dict[bytes, bytes] = {}
    texts: dict[bytes, bytes] = {}
    references: dict[bytes, bytes] = {b"": b"null"}
    canonical, text, reference_text = payloads.get, texts.get, references.get
    payload_size, text_size = VERIFY_PAYLOAD_CACHE, VERIFY_TEXT_CACHE

    def payload_of(payload: bytes) -> bytes:
        value = canonical_text(_copy_text(payload)).encode()
        if len(payloads) >= payload_size:
            payloads.clear()
        if payload_size:
            payloads[payload] = value
        return value

    def text_for(field: bytes) -> bytes:
        value = text_of(_copy_text(field)).encode()
        if len(texts) >= text_size:
            texts.clear()
        texts[field] = value
        return value

    def reference_for(field: bytes) -> bytes:
        value = text_of(_copy_text(field)).encode()
        if len(references) >= text_size:
            references.clear()
            references[b""] = b"null"
        references[field] = value
        return value

    last = last_hash.encode() if last_hash is not None else None
    while low < high:
        top = min(low + VERIFY_CHUNK, high)
        found: list[Mark] = []  # handed on once the range's COPY is over
        for block in _copy_blocks(pgconn, _SQL_STREAM % {"low": int(low), "high": int(top)}):
            for first, run in _runs(block[:-1].split(b"\n")):
                if first != last_seq + 1:  # a gap before it: marked unhashed, as any gap
                    found.append((first, last_seq, last.decode() if last is not None else None))
                    last_seq, last = first, run[0].split(b"\t", 4)[3]
                    run = run[1:]
                # Consecutive seq numbers: each event's predecessor is the line before.
                for line in run:
                    (
                        payload,
                        number,
                        prev,
                        stored,
                        action,
                        actor,
                        role,
                        reference,
                        from_status,
                        to_status,
                        moment,
                    ) = line.split(b"\t")
                    if (
                        prev == last
                        # the hashed application is null for these: no case, or a draft's event
                        and not (reference and (to_status == draft or from_status == draft))
                        and sha(
                            template
                            % (
                                prev,
                                text(action) or text_for(action),
                                text(actor) or text_for(actor),
                                text(role) or text_for(role),
                                reference_text(reference) or reference_for(reference),
                                text(from_status) or text_for(from_status),
                                moment[:10],
                                moment[11:],
                                pad[len(moment)],
                                canonical(payload) or payload_of(payload),
                                number,
                                text(to_status) or text_for(to_status),
                            )
                        )
                        .hexdigest()
                        .encode()
                        == stored
                    ):
                        last = stored
                        continue
                    seq = int(number)
                    found.append((seq, seq - 1, last.decode() if last is not None else None))
                    last = stored
                last_seq += len(run)
        yield from found
        low = top
        if progress is not None:
            progress(done + low, total)
    yield 0, last_seq, last.decode() if last is not None else None


def _span_worker(conninfo: str, low: int, high: int, sender: Any) -> None:
    """The second process of a split walk: its own connection, its marks sent in batches."""
    import psycopg

    try:
        with psycopg.connect(conninfo, autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute("SET DateStyle = ISO")
            cursor.execute(_SQL_SET_STREAM_PLAN, _STREAM_PLAN)
            batch: list[Mark] = []
            for mark in _hash_span(cursor, low, high, low, None):
                batch.append(mark)
                if len(batch) == 1000 or mark[0] == 0:
                    sender.send(batch)
                    batch = []
    except BaseException as error:  # reported to the walk, which raises it
        sender.send(repr(error))
    finally:
        sender.close()


def _worker_marks(receiver: Any) -> Iterator[Mark]:
    while True:
        batch = receiver.recv()
        if isinstance(batch, str):
            raise RuntimeError(f"the second process of the chain walk failed: {batch}")
        yield from batch
        if batch and batch[-1][0] == 0:
            return


def _conninfo() -> str:
    from psycopg.conninfo import make_conninfo

    settings = connections["default"].settings_dict
    given = {
        "dbname": settings["NAME"],
        "user": settings.get("USER"),
        "password": settings.get("PASSWORD"),
        "host": settings.get("HOST"),
        "port": settings.get("PORT"),
    }
    return make_conninfo(**{key: str(value) for key, value in given.items() if value})


def _steps(marks: Iterator[Mark], end: list[tuple[int, str]]) -> Iterator[Step]:
    """The marked events as walk steps, their rows read in batches; the span's end is left in
    ``end``. A mark without the hash before it follows the end already in ``end``."""
    batch: list[Mark] = []

    def flush() -> Iterator[Step]:
        rows = AuditEvent.objects.filter(seq__in=[m[0] for m in batch]).order_by("seq")
        by_seq = {row[0]: row for row in rows.values_list(*_WALK_COLUMNS)}
        for seq, before_seq, before_hash in batch:
            if before_hash is None:
                before_seq, before_hash = end[-1]
            yield before_seq, before_hash, by_seq[seq], None
        batch.clear()

    for mark in marks:
        if mark[0] == 0:
            yield from flush()
            seq, last_hash = mark[1], mark[2]
            end.append(end[-1] if last_hash is None else (seq, last_hash))
            return
        batch.append(mark)
        if len(batch) == 500:
            yield from flush()


def _walk_streamed(
    after_seq: int, upto_seq: int, after_hash: str, progress: Progress | None = None
) -> Iterator[Step]:
    """Like ``_walk_postgresql`` (the same steps), but the database only streams each event's
    stored columns (``COPY``); its canonical text and its hash are computed here
    (``_hash_span``). From ``VERIFY_SPLIT_MIN`` events on, the upper half of the
    range is walked at the same time by a second process on its own connection, and its first
    event is linked to the lower half's last here."""
    import multiprocessing

    total = upto_seq - after_seq
    split = VERIFY_SPLIT and total >= VERIFY_SPLIT_MIN
    middle = after_seq + total // 2 if split else upto_seq
    worker, receiver = None, None
    if middle < upto_seq:
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        worker = context.Process(
            target=_span_worker, args=(_conninfo(), middle, upto_seq, sender), daemon=True
        )
        worker.start()
        sender.close()
    connection = connections["default"]
    end: list[tuple[int, str]] = [(after_seq, after_hash)]
    try:
        with connection.cursor() as cursor, _stream_plan(cursor):
            marks = _hash_span(
                cursor, after_seq, middle, after_seq, after_hash, progress, -after_seq, total
            )
            yield from _steps(marks, end)
        if receiver is not None:
            yield from _steps(_worker_marks(receiver), end)
            if progress is not None:
                progress(total, total)
    finally:
        if worker is not None:
            worker.terminate()
            worker.join()
    yield end[-1][0], end[-1][1], None, None


def chain_head() -> tuple[int, str]:
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return (int(head[0]), str(head[1])) if head is not None else (0, GENESIS_HASH)


def sealed_draft_events(payload: Any) -> list[int] | None:
    """The draft-time events a submission lists, or None when it lists none (or garbage)."""
    listed = payload.get(DRAFT_EVENTS) if isinstance(payload, dict) else None
    if not isinstance(listed, list) or not all(type(item) is int for item in listed):
        return None
    return listed


def _walk_python(after_seq: int, upto_seq: int, progress: Progress | None = None) -> Iterator[Step]:
    """Every event of the walk, hashed in Python (``row_hash``)."""
    total = upto_seq - after_seq
    for row in _walk(after_seq, upto_seq):
        yield 0, "", row, None
        if progress is not None and row[0] % 10_000 == 0:
            progress(row[0] - after_seq, total)
    if progress is not None:
        progress(total, total)


def audit_verify(
    *, anchor: tuple[int, str] | None = None, progress: Progress | None = None
) -> ChainReport:
    """Walk the chain in constant memory and name the first event that does not fit.

    From the genesis by default; from ``anchor`` = (seq, hash) — a signed checkpoint — the
    event at ``seq`` must still carry ``hash`` and only the events after it are walked. The
    walk goes up to the chain head as it stood when the walk began (appends meanwhile are left
    for the next walk). On PostgreSQL the database streams the rows and they are hashed
    in a tight loop (``_walk_streamed``; two processes on big ranges where the cores allow);
    only the events it cannot vouch for, and those that bind draft-time events, come back as
    rows; elsewhere every event is walked here. ``progress`` is
    called now and then with (events walked, events to walk)."""
    head_seq, head_hash = chain_head()
    start_seq, prev_hash = anchor or (0, GENESIS_HASH)
    if anchor is not None:
        stored = AuditEvent.objects.filter(seq=start_seq).values_list("hash", flat=True).first()
        if stored != prev_hash:
            return ChainReport(
                False,
                0,
                prev_hash,
                start_seq,
                f"event #{start_seq} no longer has the hash the checkpoint signed: the trail "
                "was rewritten",
                start_seq,
                head_seq,
            )
    expected_seq, checked = start_seq + 1, 0
    # Draft-time events under each reference, until the case's submission lists them.
    drafts: dict[str, list[int]] = {}

    def broken(seq: int, problem: str) -> ChainReport:
        before = prev_hash
        if seq < expected_seq:  # found out later (draft events): the sound prefix ends before it
            before = AuditEvent.objects.filter(seq=seq).values_list("prev_hash", flat=True).get()
        sound = min(checked, seq - 1 - start_seq)
        return ChainReport(False, sound, before, seq, problem, start_seq, head_seq)

    upto = max(head_seq, start_seq)
    steps = (
        _walk_streamed(start_seq, upto, prev_hash, progress)
        if connections["default"].vendor == "postgresql"
        else _walk_python(start_seq, upto, progress)
    )
    for before_seq, before_hash, walked, hash_ok in steps:
        if before_seq >= expected_seq:  # sound events the database walked past
            checked += before_seq - expected_seq + 1
            expected_seq, prev_hash = before_seq + 1, before_hash
        if walked is None:
            break
        row = walked
        seq, reference, from_status, to_status = row[0], row[2], row[6], row[7]
        stored_prev, stored_hash = row[9], row[10]
        if seq != expected_seq:
            return broken(expected_seq, f"event #{expected_seq} is missing")
        if stored_prev != prev_hash:
            return broken(seq, f"event #{seq} does not follow its predecessor")
        if hash_ok is False or (hash_ok is None and row_hash(prev_hash, row) != stored_hash):
            return broken(seq, f"event #{seq} was altered")
        if reference and to_status == DRAFT:
            drafts.setdefault(reference, []).append(seq)
        elif reference and from_status == DRAFT:
            listed = sealed_draft_events(row[8])
            seen = drafts.pop(reference, [])
            # A submission without a list claims nothing (its own hash still covers that).
            odd = set(seen) ^ {n for n in listed or seen if n > start_seq}
            if odd:
                first = min(odd)
                return broken(
                    first,
                    f"event #{first}: its case does not match the draft events that "
                    f"submission #{seq} lists",
                )
        prev_hash, expected_seq, checked = stored_hash, expected_seq + 1, checked + 1
    last = start_seq + checked
    if last < head_seq:
        return broken(last + 1, f"events after #{last} are missing")
    if head_seq and last == head_seq and prev_hash != head_hash:
        return broken(
            last,
            f"event #{last} does not match the chain head: the trail was rewritten and rehashed",
        )
    unsealed = [
        seqs[0]
        for reference, seqs in drafts.items()
        # Submitted after the walk's upper bound: its submission is not walked yet.
        if not AuditEvent.objects.filter(
            application__reference=reference, from_status=DRAFT, seq__gt=last
        ).exists()
    ]
    if unsealed:
        first = min(unsealed)
        return broken(first, f"event #{first}: no submission of its case lists it")
    beyond = AuditEvent.objects.filter(seq__gt=last).order_by("seq").values_list("seq").first()
    if beyond is not None:
        # Either appended since the walk began (the head has moved on) or behind its back.
        now_seq, _ = chain_head()
        if now_seq < beyond[0]:
            return broken(
                now_seq + 1,
                f"event #{now_seq + 1} and later were not appended through the chain head",
            )
    return ChainReport(True, checked, prev_hash, None, "", start_seq, head_seq)


# --- moving a chain written with the first rule to this one -----------------------------------


class ChainNotMigrated(RuntimeError):
    """The chain cannot be moved to the current rule: it does not verify under either rule."""


@dataclass(frozen=True)
class ChainMigration:
    events: int
    previous_head: tuple[int, str]
    rewritten_head: tuple[int, str]
    moments_normalised: int
    submissions_sealed: int
    event_seq: int


def legacy_event_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The first rule: the case's internal id and ``+00:00`` times with microseconds."""
    body = {
        "seq": row["seq"],
        "application": row["application_id"],
        "occurred_at": row["occurred_at"].astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": row["actor_name"],
        "actor_role": row["actor_role"],
        "action": row["action"],
        "from_status": row["from_status"],
        "to_status": row["to_status"],
        "payload": row["payload"],
    }
    return chain_hash(prev_hash, body)


_UTC_OFFSET_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00$")


def normalise_moments(value: Any) -> tuple[Any, int]:
    """Payload moments written ``…+00:00`` by the first rule, rewritten ``…Z``; and how many."""
    if isinstance(value, dict):
        count, out = 0, {}
        for key, item in value.items():
            out[key], n = normalise_moments(item)
            count += n
        return out, count
    if isinstance(value, list):
        count, items = 0, []
        for item in value:
            new, n = normalise_moments(item)
            items.append(new)
            count += n
        return items, count
    if isinstance(value, str) and _UTC_OFFSET_MOMENT.match(value):
        return value[:-6] + "Z", 1
    return value, 0


_MIGRATION_COLUMNS = (
    "seq",
    "application_id",
    "application__reference",
    "occurred_at",
    "actor_name",
    "actor_role",
    "action",
    "from_status",
    "to_status",
    "payload",
    "prev_hash",
    "hash",
)


def _rows(event_model: Any, using: str, batch: int = 2000) -> Iterator[dict[str, Any]]:
    rows = event_model.objects.using(using).order_by("seq").values(*_MIGRATION_COLUMNS)
    last = 0
    while True:
        chunk = list(rows.filter(seq__gt=last)[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1]["seq"]


def _verify_rows(
    event_model: Any, using: str, head: tuple[int, str], digest: Any, what: str
) -> None:
    """Walk the chain with ``digest`` (a rule); raise naming the first event that does not fit."""
    prev, expected = GENESIS_HASH, 1
    for row in _rows(event_model, using):
        if row["seq"] != expected or row["prev_hash"] != prev or digest(prev, row) != row["hash"]:
            raise ChainNotMigrated(f"{what}: the chain does not verify at event #{expected}.")
        prev, expected = row["hash"], expected + 1
    if (expected - 1, prev) != head:
        raise ChainNotMigrated(f"{what}: the chain does not end at its head #{head[0]}.")


def _current_rule(prev_hash: str, row: dict[str, Any]) -> str:
    return chain_hash(
        prev_hash,
        event_body(
            seq=row["seq"],
            occurred_at=utc_text(row["occurred_at"]),
            application=row["application__reference"],
            actor=row["actor_name"],
            actor_role=row["actor_role"],
            action=row["action"],
            from_status=row["from_status"],
            to_status=row["to_status"],
            payload=row["payload"],
        ),
    )


def chain_migrate(
    *, event_model: Any = AuditEvent, head_model: Any = AuditChainHead, using: str = "default"
) -> ChainMigration | None:
    """Move a chain written with the first rule to the current one, in one transaction:

    1. verify the whole chain under the first rule (refuse, changing nothing, if it is broken);
    2. rewrite each event's payload moments to ``Z``, let each submission list its case's
       draft-time events, and rewrite ``prev_hash`` / ``hash`` under the current rule (on
       PostgreSQL the append-only trigger is lifted while the rows are rewritten);
    3. verify the rewritten chain from the database under the current rule;
    4. append an ``audit_chain_migrated`` event that records both heads.

    Returns None when there is nothing to do (no events, or the chain already follows the
    current rule). Takes the models as arguments so that the data migration can pass its
    historical ones."""
    with transaction.atomic(using=using):
        head_row = head_model.objects.using(using).select_for_update().filter(pk=1).first()
        first = next(_rows(event_model, using, batch=1), None)
        if head_row is None or first is None:
            return None
        head = (int(head_row.seq), str(head_row.hash))
        if _current_rule(GENESIS_HASH, first) == first["hash"]:
            _verify_rows(event_model, using, head, _current_rule, "Current rule")
            return None
        _verify_rows(event_model, using, head, legacy_event_hash, "First rule")
        connection = connections[using]
        table = event_model._meta.db_table
        payload_field = event_model._meta.get_field("payload")
        postgres = connection.vendor == "postgresql"
        prev, normalised, sealed, updates = GENESIS_HASH, 0, 0, []
        drafts: dict[int, list[int]] = {}
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    f"ALTER TABLE {table} DISABLE TRIGGER applications_auditevent_append_only"
                )
            sql = f"UPDATE {table} SET payload = %s, prev_hash = %s, hash = %s WHERE seq = %s"
            for row in _rows(event_model, using):
                row["payload"], count = normalise_moments(row["payload"])
                normalised += count
                case, from_status, to_status = (
                    row["application_id"],
                    row["from_status"],
                    row["to_status"],
                )
                if case is not None and to_status == DRAFT:
                    drafts.setdefault(case, []).append(row["seq"])
                elif case is not None and row["application__reference"] and from_status == DRAFT:
                    # The first rule bound draft-time events by the case's id; the submission
                    # now lists them (see the module docstring).
                    row["payload"] = {**row["payload"], DRAFT_EVENTS: drafts.pop(case, [])}
                    sealed += 1
                digest = _current_rule(prev, row)
                updates.append(
                    (
                        payload_field.get_db_prep_save(row["payload"], connection),
                        prev,
                        digest,
                        row["seq"],
                    )
                )
                prev = digest
                if len(updates) >= 2000:
                    cursor.executemany(sql, updates)
                    updates = []
            if updates:
                cursor.executemany(sql, updates)
            if postgres:
                cursor.execute(
                    f"ALTER TABLE {table} ENABLE TRIGGER applications_auditevent_append_only"
                )
        rewritten = (head[0], prev)
        _verify_rows(event_model, using, rewritten, _current_rule, "Rewritten chain")
        at = timezone.now()
        payload = {
            "rule": HASH_RULE,
            "events": head[0],
            "previous_head": {"seq": head[0], "hash": head[1]},
            "rewritten_head": {"seq": rewritten[0], "hash": rewritten[1]},
            "moments_normalised": normalised,
            "submissions_sealed": sealed,
        }
        row = {
            "seq": head[0] + 1,
            "application__reference": None,
            "occurred_at": at,
            "actor_name": SYSTEM_ACTOR,
            "actor_role": Role.SYSTEM.value,
            "action": AuditAction.AUDIT_CHAIN_MIGRATED.value,
            "from_status": "",
            "to_status": "",
            "payload": payload,
        }
        digest = _current_rule(prev, row)
        event_model.objects.using(using).create(
            seq=row["seq"],
            application=None,
            occurred_at=at,
            actor=None,
            actor_name=SYSTEM_ACTOR,
            actor_role=row["actor_role"],
            action=row["action"],
            from_status="",
            to_status="",
            payload=payload,
            prev_hash=prev,
            hash=digest,
        )
        head_row.seq, head_row.hash = row["seq"], digest
        head_row.save(update_fields=["seq", "hash"])
        return ChainMigration(head[0], head, rewritten, normalised, sealed, row["seq"])
