"""The streamed walk on PostgreSQL (``applications/audit.py::_hash_span``: COPY rows read
straight from libpq, the canonical text built in bytes from cached JSON texts) names every
problem exactly as the Python walk names it — a tampered event, a gap, a broken link, a
draft-time event bound to the wrong case — in the first half of the range and in the half a
second process walks; odd column texts are hashed exactly; the connection survives a COPY that
fails or is left early."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection, transaction
from django.db.models import Q

from applications import audit
from applications.audit import ChainReport, audit_record, audit_verify
from applications.models import Application, AuditChainHead, AuditEvent
from applications.roles import Role
from tests.applications.test_audit_tamper import TABLE, _behind_the_orm
from tests.builders import World, drive
from tests.factories import make_user

pytestmark = pytest.mark.postgres


def _python_walk(after_seq: int, upto_seq: int, _hash: str, progress=None) -> Iterator:
    return audit._walk_python(after_seq, upto_seq, progress)


def _both_walks(monkeypatch: pytest.MonkeyPatch) -> tuple[ChainReport, ChainReport]:
    """The report of the streamed walk and the report of the Python walk (SQLite's), which
    every check of ``audit_verify`` judges row by row."""
    streamed = audit_verify()
    with monkeypatch.context() as patch:
        patch.setattr(audit, "_walk_streamed", _python_walk)
        python = audit_verify()
    return streamed, python


@pytest.fixture
def trail(transactional_db: None, world: World, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Two cases from draft into review and on, one after the other, so that each half of the
    split walk holds draft-time events, their submission and events the walk vouches for
    itself; the split forced on this small chain (committed rows: the second process reads
    through its own connection)."""
    for status, track in (("deliberation", "exemption"), ("supplement_requested", "confirmation")):
        app = drive(world, status, track=track)
        for index in range(4):
            with transaction.atomic():
                audit_record(
                    application=app if index % 2 else None,
                    actor=world.officer,
                    actor_role=Role.CASE_OFFICER,
                    action="claimed",
                    payload={"index": index, "note": "검토 중"},
                )
    monkeypatch.setattr(audit, "VERIFY_SPLIT", True)
    monkeypatch.setattr(audit, "VERIFY_SPLIT_MIN", 2)
    monkeypatch.setattr(audit, "VERIFY_CHUNK", 4)  # several COPY ranges in each half
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert audit_verify().ok
    return seqs


def _draft_events(low: int, high: int) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            seq__gt=low, seq__lte=high, to_status="draft", application__isnull=False
        ).order_by("seq")
    )


def _tamper(kind: str, low: int, high: int) -> int:
    """One problem of ``kind`` among the events ``low < seq <= high`` (away from the range's
    ends); returns the event it was made at."""
    if kind == "draft_binding":
        victim = _draft_events(low, high)[-1]
        other = Application.objects.exclude(pk=victim.application_id).get()
        with _behind_the_orm() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET application_id = %s WHERE seq = %s", [other.pk, victim.seq]
            )
        return victim.seq
    # An event the walk vouches for itself (one that binds no draft-time events), inside.
    plain = (
        AuditEvent.objects.filter(seq__gt=low + 1, seq__lt=high)
        .exclude(Q(application__isnull=False) & (Q(to_status="draft") | Q(from_status="draft")))
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    seq = list(plain)[len(plain) // 2]
    sql = {
        "tampered": f"UPDATE {TABLE} SET payload = '{{\"forged\": 1}}' WHERE seq = %s",
        "gap": f"DELETE FROM {TABLE} WHERE seq = %s",
        "gap_relinked": f"DELETE FROM {TABLE} WHERE seq = %s",
        "broken_link": f"UPDATE {TABLE} SET prev_hash = repeat('e', 64) WHERE seq = %s",
    }[kind]
    with _behind_the_orm() as cursor:
        cursor.execute(sql, [seq])
    if kind == "broken_link":  # and hashed as if that were its predecessor: only the link is off
        event = AuditEvent.objects.select_related("application").get(seq=seq)
        with _behind_the_orm() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET hash = %s WHERE seq = %s",
                [audit.event_hash(event.prev_hash, event), seq],
            )
    if kind == "gap_relinked":  # the next event linked and hashed over the gap: only seq is off
        before = AuditEvent.objects.get(seq=seq - 1)
        after = AuditEvent.objects.select_related("application").get(seq=seq + 1)
        with _behind_the_orm() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s",
                [before.hash, audit.event_hash(before.hash, after), after.seq],
            )
    return seq


@pytest.mark.parametrize("half", ["first", "second"])
@pytest.mark.parametrize(
    "kind", ["tampered", "gap", "gap_relinked", "broken_link", "draft_binding"]
)
def test_each_problem_is_named_as_the_python_walk_names_it(
    trail: list[int], monkeypatch: pytest.MonkeyPatch, kind: str, half: str
):
    head = trail[-1]
    middle = head // 2
    low, high = (0, middle) if half == "first" else (middle + 1, head)
    seq = _tamper(kind, low, high)
    streamed, python = _both_walks(monkeypatch)
    assert not streamed.ok
    assert streamed == python, (kind, half)
    expected = {
        "tampered": f"event #{seq} was altered",
        "gap": f"event #{seq} is missing",
        "gap_relinked": f"event #{seq} is missing",
        "broken_link": f"event #{seq} does not follow its predecessor",
        "draft_binding": f"event #{seq}: its case does not match the draft events",
    }[kind]
    assert streamed.problem.startswith(expected), streamed.problem
    assert streamed.first_broken_seq == seq
    assert (streamed.first_broken_seq > middle) is (half == "second")


@pytest.mark.parametrize("half", ["first", "second"])
@pytest.mark.parametrize("where", ["range_first", "range_last", "block_first", "block_last"])
@pytest.mark.parametrize("kind", ["gap", "tampered", "broken_link"])
def test_a_problem_at_a_range_or_block_edge_is_named_as_the_python_walk_names_it(
    trail: list[int], monkeypatch: pytest.MonkeyPatch, kind: str, where: str, half: str
):
    """The loop checks no seq of its own inside a block whose first and last seq show none is
    missing (``_runs``); a gap, a tampered event or a broken link on either side of a COPY
    range's edge or of a block's edge is still named at the same event."""
    monkeypatch.setattr(audit, "_COPY_BLOCK", 2)  # two blocks in each range of four
    head = trail[-1]
    start = 0 if half == "first" else head // 2  # where the span (and its ranges) begin
    offset = {"range_first": 5, "range_last": 8, "block_first": 7, "block_last": 6}[where]
    seq = start + offset
    if kind == "gap":
        with _behind_the_orm() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [seq])
    elif kind == "tampered":
        with _behind_the_orm() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET payload = '{{\"forged\": 1}}' WHERE seq = %s", [seq]
            )
    else:
        event = AuditEvent.objects.select_related("application").get(seq=seq)
        forged = "e" * 64
        event.prev_hash = forged
        with _behind_the_orm() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s",
                [forged, audit.event_hash(forged, event), seq],
            )
    streamed, python = _both_walks(monkeypatch)
    assert not streamed.ok
    assert streamed == python, (kind, where, half)
    assert streamed.first_broken_seq == seq


def test_runs_split_a_block_where_seq_numbers_are_missing():
    def line(seq: int) -> bytes:
        return b"{}\t%d\tprev\thash" % seq

    whole = [line(n) for n in range(7, 12)]
    assert audit._runs(whole) == [(7, whole)]
    holes = [line(n) for n in (3, 4, 6, 9, 10, 11, 20)]
    assert audit._runs(holes) == [
        (3, holes[0:2]),
        (6, holes[2:3]),
        (9, holes[3:6]),
        (20, holes[6:7]),
    ]
    assert audit._runs([line(5)]) == [(5, [line(5)])]


def test_the_half_a_second_process_walked_is_walked_by_it(
    trail: list[int], monkeypatch: pytest.MonkeyPatch
):
    """The second half's events are hashed in the other process: its marks come through the
    pipe (nothing at all is read here for them when the chain is sound)."""
    spans: list[tuple[int, int]] = []
    hash_span = audit._hash_span

    def recorded(cursor, low, high, *args, **kwargs):
        spans.append((low, high))
        return hash_span(cursor, low, high, *args, **kwargs)

    monkeypatch.setattr(audit, "_hash_span", recorded)
    report = audit_verify()
    assert report.ok and report.events_checked == trail[-1]
    assert spans == [(0, trail[-1] // 2)]  # the forked process's own call is not seen here


@pytest.mark.parametrize("cache", [0, 1, 4096])
def test_odd_column_texts_are_hashed_exactly(
    world: World, monkeypatch: pytest.MonkeyPatch, cache: int
):
    """Every string column through ``encode_basestring`` of its value: quotes, backslashes,
    COPY's escaped characters (tab, newline) and the control characters COPY writes raw, in
    the actor's name, the action, the role and the statuses; bounded caches of every size."""
    monkeypatch.setattr(audit, "VERIFY_PAYLOAD_CACHE", cache)
    monkeypatch.setattr(audit, "VERIFY_TEXT_CACHE", max(cache, 1))
    app = drive(world, "under_review")
    odd = ['q"uote', "back\\slash", "tab\there", "new\nline", "ctl\x01\x07\x1f\x7f", "가 🙂", ""]
    actor = make_user(Role.CASE_OFFICER)
    for index, text in enumerate(odd):
        with transaction.atomic():
            event = audit_record(
                application=app if index % 2 else None,
                actor=actor,
                actor_role=Role.CASE_OFFICER,
                action="claimed",
                payload={"n": index, "text": text},
            )
        with _behind_the_orm() as cursor:
            # Odd texts in every string column, the hash recomputed by the rule itself.
            cursor.execute(
                f"UPDATE {TABLE} SET action = %s, actor_role = %s, from_status = %s, "
                "to_status = %s, actor_name = %s WHERE seq = %s",
                [text, text[::-1], text + "f", "t" + text, text, event.seq],
            )
        stored = AuditEvent.objects.select_related("application").get(seq=event.seq)
        rehashed = audit.event_hash(stored.prev_hash, stored)
        with _behind_the_orm() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET hash = %s WHERE seq = %s", [rehashed, event.seq])
            cursor.execute(f"UPDATE {AuditChainHead._meta.db_table} SET hash = %s", [rehashed])
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    assert head is not None
    with connection.cursor() as cursor:
        marks = list(audit._hash_span(cursor, 0, head[0], 0, audit.GENESIS_HASH))
    # Sound events are never marked here, except those that bind draft-time events.
    binding = (
        AuditEvent.objects.filter(application__isnull=False)
        .filter(Q(to_status="draft") | Q(from_status="draft"))
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert [mark[0] for mark in marks[:-1]] == list(binding)
    assert marks[-1] == (0, head[0], head[1])
    assert audit_verify().ok
    # A hash over the text with the quote left unescaped is not the rule's: not accepted.
    quoted = AuditEvent.objects.select_related("application").get(action='q"uote')
    text = audit.canonical_json(
        audit.event_body(
            seq=quoted.seq,
            occurred_at=audit.utc_text(quoted.occurred_at),
            application=quoted.application.reference if quoted.application else None,
            actor=quoted.actor_name,
            actor_role=quoted.actor_role,
            action=quoted.action,
            from_status=quoted.from_status,
            to_status=quoted.to_status,
            payload=quoted.payload,
        )
    )
    naive = text.replace('q\\"uote', 'q"uote')
    assert naive != text
    with _behind_the_orm() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET hash = %s WHERE seq = %s",
            [hashlib.sha256((quoted.prev_hash + naive).encode()).hexdigest(), quoted.seq],
        )
    report = audit_verify()
    assert (report.ok, report.problem) == (False, f"event #{quoted.seq} was altered")


def test_a_copy_that_fails_raises_and_leaves_the_connection_usable(db: None):
    with connection.cursor() as cursor:
        pgconn = cursor.connection.pgconn
        with pytest.raises(psycopg.errors.DivisionByZero):
            list(
                audit._copy_blocks(
                    pgconn, "COPY (SELECT 1 / (2 - g) FROM generate_series(1, 5000) g) TO STDOUT"
                )
            )
        cursor.execute("SELECT 42")
        assert cursor.fetchone() == (42,)


def test_a_copy_left_early_leaves_the_connection_usable(db: None, monkeypatch):
    monkeypatch.setattr(audit, "_COPY_BLOCK", 10)
    with connection.cursor() as cursor:
        pgconn = cursor.connection.pgconn
        blocks = audit._copy_blocks(
            pgconn, "COPY (SELECT g, repeat('x', g % 7) FROM generate_series(1, 1000) g) TO STDOUT"
        )
        first = next(blocks)
        assert first.count(b"\n") == 10 and first.startswith(b"1\tx\n2\txx\n")
        blocks.close()
        cursor.execute("SELECT 42")
        assert cursor.fetchone() == (42,)
        # And read whole: every row once, in blocks of ten and the rest.
        whole = b"".join(
            audit._copy_blocks(pgconn, "COPY (SELECT g FROM generate_series(1, 1005) g) TO STDOUT")
        )
        assert whole == b"".join(b"%d\n" % n for n in range(1, 1006))


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        '{"note": "벤치마크 시드", "step": 0}',
        '{"z": [1, {"b": null, "a": true}], "가": "\\u0001\\n\\"", "big": 123456789012345678901234}',
        '{"f": 1.50, "e": 1e400, "n": -0.0}',
        '"bare"',
        '  {"a": 1}  ',
    ],
)
def test_a_payloads_canonical_text_is_what_loads_and_the_encoder_write(text: str):
    assert audit._payload_canonical(text) == audit._CANONICAL(json.loads(text))


@pytest.mark.parametrize("text", ["", "{", '{"a": 1} x'])
def test_a_payload_that_is_not_json_raises_as_loads_does(text: str):
    with pytest.raises(json.JSONDecodeError):
        audit._payload_canonical(text)


def _plan(cursor) -> str:
    cursor.execute("EXPLAIN " + audit._SQL_STREAM_ROWS % {"low": 0, "high": 1_000_000})
    return "\n".join(line for (line,) in cursor.fetchall())


SETTINGS = (
    "SELECT current_setting('enable_hashjoin'), current_setting('enable_nestloop'),"
    " current_setting('jit')"
)


def test_each_range_streams_off_the_index_whatever_the_planner_prefers(world: World):
    """Each range's rows come in seq order straight off the index, each case's reference
    looked up beside them: no sort of the range (nothing before its first row), no hash of the
    cases, no parallel workers; even where the planner, left to itself, would choose them. The
    connection's own settings are put back after."""
    drive(world, "under_review")
    with connection.cursor() as cursor:
        # A planner that finds parallel plans free and random reads dear, and may not loop,
        # prefers a parallel hash join and a sort (as it does on its own at a million events,
        # where nothing needs turning off; on the few rows here, a loop is what it would
        # choose, once the tables' statistics say how few).
        for setting in (
            "SET enable_nestloop = off",
            "SET parallel_setup_cost = 0",
            "SET parallel_tuple_cost = 0",
            "SET min_parallel_table_scan_size = 0",
            "SET min_parallel_index_scan_size = 0",
            "SET random_page_cost = 1000",
            "SET enable_memoize = on",
        ):
            cursor.execute(setting)
        left_alone = _plan(cursor)
        assert any(node in left_alone for node in ("Sort", "Hash", "Merge", "Gather")), left_alone
        cursor.execute(SETTINGS)
        before = cursor.fetchone()
        with audit._stream_plan(cursor):
            streamed = _plan(cursor)
        assert streamed.startswith("Nested Loop Left Join"), streamed
        outer = streamed.splitlines()[1:4]  # the loop's outer side: the events by seq
        assert any("Index Scan using" in line for line in outer), streamed
        assert any("Index Cond: ((seq > " in line for line in outer), streamed
        for node in ("Sort", "Hash", "Gather", "Merge"):
            assert node not in streamed, streamed
        cursor.execute(SETTINGS)
        assert cursor.fetchone() == before
    assert audit_verify().ok
