"""The walk that verifies the chain: on PostgreSQL the database recomputes the hashes
(``applications/audit.py::_SQL_CANONICAL_BODY``) and must write the canonical JSON byte for
byte as Python does, for every payload it claims; the rest is hashed in Python. Both walks
give the same answers (the tamper tests in ``test_audit_tamper.py`` run on both databases)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from applications import audit
from applications.audit import audit_record, audit_verify, canonical_json, event_body, utc_text
from applications.models import AuditChainHead, AuditEvent
from applications.roles import Role
from tests.applications.test_audit_tamper import TABLE, _behind_the_orm
from tests.builders import World, drive
from tests.factories import make_user

# Payloads the database writes canonically: flat objects of strings, booleans, nulls,
# integers and lists of integers, with awkward text and keys whose code-point order differs
# from PostgreSQL's own (length first).
FLAT_PAYLOADS: list[dict[str, Any]] = [
    {},
    {"reason": "줄\n바꿈\r\t탭", "to": '확인 "중"', "b": "back\\slash \\n \\u0041"},
    {"ctl": "\x01\x02\x1f\x7f\u2028\u2029\ufeff", "emoji": "🙂", "z": None, "t": True, "f": False},
    {"big": 2**63 + 1, "neg": -(2**70), "zero": 0, "ids": [3, -1, 2**64], "none": []},
    {"z": 1, "é": 2, "가": 3, "🙂": 4, "aa": 5, "A": 6, "": 7, " ": 8, "a": 9},
    {"=SUM(A1)": "=cmd|' /C calc'!A0", "due": "2026-03-02T01:00:00.250000Z", "n": "1.50"},
]
# Payloads left to Python: nested objects, lists of anything but integers.
NESTED_PAYLOADS: list[dict[str, Any]] = [
    {"nested": {"bb": {"a": [{"z": 1, "aa": 2}], "b": "c"}, "a": {}}, "aaa": 1},
    {"names": ["가", "a, b", 'x"y'], "k": 1},
    {"mixed": [1, [2, 3]]},
]


def _trail(world: World) -> list[int]:
    """A case through review (draft events and their submission among them), then one event
    per awkward payload, on and off the case, at moments with and without microseconds;
    returns the seq numbers of the awkward events."""
    drive(world, "draft")
    app = drive(world, "under_review")
    actors = [make_user(Role.CASE_OFFICER, username='=x"y,\n줄'), None]
    seqs = []
    payloads = FLAT_PAYLOADS + NESTED_PAYLOADS
    for index, payload in enumerate(payloads):
        with transaction.atomic():
            event = audit_record(
                application=app if index % 2 else None,
                actor=actors[index % 2],
                actor_role=Role.CASE_OFFICER,
                action="claimed",
                payload=payload,
                at=dt.datetime(2026, 3, 2, 1, 0, 0, 250000 * (index % 2), tzinfo=dt.UTC),
            )
        seqs.append(event.seq)
    return seqs


def test_an_awkward_trail_verifies_and_reports_its_progress(world: World):
    seqs = _trail(world)
    calls: list[tuple[int, int]] = []
    report = audit_verify(progress=lambda done, total: calls.append((done, total)))
    assert report.ok, report.problem
    assert report.events_checked == seqs[-1] == AuditEvent.objects.count()
    assert calls and calls[-1][1] == seqs[-1] and all(d <= t for d, t in calls)


@pytest.mark.parametrize("which", [1, 3, len(FLAT_PAYLOADS) + 1])
def test_an_altered_awkward_payload_is_found(world: World, which):
    """Flat payloads (hashed by the database on PostgreSQL) and nested ones (by Python)."""
    seqs = _trail(world)
    seq = seqs[which]
    with _behind_the_orm() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET payload = %s WHERE seq = %s",
            [AuditEvent._meta.get_field("payload").get_db_prep_save({"x": 1}, connection), seq],
        )
    report = audit_verify()
    assert (report.ok, report.first_broken_seq, report.problem) == (
        False,
        seq,
        f"event #{seq} was altered",
    )
    assert report.events_checked == seq - 1


@pytest.mark.postgres
def test_the_database_writes_pythons_canonical_json_for_every_payload_it_claims(world: World):
    seqs = _trail(world)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.seq, {audit._SQL_CANONICAL_BODY} FROM {TABLE} e "
            "LEFT JOIN applications_application a ON a.id = e.application_id ORDER BY e.seq"
        )
        by_database = dict(cursor.fetchall())
    claimed = left = 0
    for event in AuditEvent.objects.select_related("application").order_by("seq"):
        python = canonical_json(
            event_body(
                seq=event.seq,
                occurred_at=utc_text(event.occurred_at),
                application=event.application.reference if event.application else None,
                actor=event.actor_name,
                actor_role=event.actor_role,
                action=event.action,
                from_status=event.from_status,
                to_status=event.to_status,
                payload=event.payload,
            )
        )
        if by_database[event.seq] is None:
            left += 1
        else:
            claimed += 1
            assert by_database[event.seq] == python, event.seq
    # Every flat payload is the database's to hash, every nested one Python's.
    flat, nested = seqs[: len(FLAT_PAYLOADS)], seqs[len(FLAT_PAYLOADS) :]
    assert all(by_database[seq] is not None for seq in flat)
    assert all(by_database[seq] is None for seq in nested)
    assert left == len(NESTED_PAYLOADS) and claimed == len(by_database) - left


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_command_shows_its_progress_on_a_terminal_only(world: World):
    seqs = _trail(world)
    terminal, log = _Terminal(), io.StringIO()
    call_command("verify_audit_chain", stdout=terminal)
    call_command("verify_audit_chain", stdout=log)
    assert f"\r{seqs[-1]:,} / {seqs[-1]:,} events, " in terminal.getvalue()
    assert terminal.getvalue().endswith(f"\nAudit chain OK: {seqs[-1]} events, head {_head()}.\n")
    assert "\r" not in log.getvalue() and "events/s" not in log.getvalue()
    assert log.getvalue().startswith(f"Audit chain OK: {seqs[-1]} events")


def _head() -> str:
    return AuditChainHead.objects.get().hash


@pytest.mark.postgres
def test_a_split_walk_finds_a_tampered_event_and_a_gap_in_its_second_half(
    transactional_db: None, world: World, monkeypatch: pytest.MonkeyPatch
):
    """From ``VERIFY_SPLIT_MIN`` events on, a second process walks the upper half of the range
    on its own connection (committed data, hence a transactional test); what it finds is
    named as the in-process walk names it, and its first event is linked to the lower half."""
    seqs = _trail(world)
    head = seqs[-1]
    monkeypatch.setattr(audit, "VERIFY_SPLIT", True)
    monkeypatch.setattr(audit, "VERIFY_SPLIT_MIN", 2)
    monkeypatch.setattr(audit, "VERIFY_CHUNK", 3)  # several COPY ranges in each half
    splits: list[int] = []
    conninfo = audit._conninfo

    def counted() -> str:
        splits.append(1)
        return conninfo()

    monkeypatch.setattr(audit, "_conninfo", counted)
    calls: list[tuple[int, int]] = []
    report = audit_verify(progress=lambda done, total: calls.append((done, total)))
    assert (report.ok, report.events_checked) == (True, head), report.problem
    assert splits == [1] and calls[-1] == (head, head)
    middle = head // 2
    tampered = seqs[-2]
    assert tampered > middle + 1
    payload = AuditEvent._meta.get_field("payload")
    with _behind_the_orm() as cursor:
        cursor.execute(f"SELECT payload::text FROM {TABLE} WHERE seq = %s", [tampered])
        (original,) = cursor.fetchone()
        cursor.execute(
            f"UPDATE {TABLE} SET payload = %s WHERE seq = %s",
            [payload.get_db_prep_save({"x": 1}, connection), tampered],
        )
    report = audit_verify()
    assert (report.ok, report.first_broken_seq, report.problem, report.events_checked) == (
        False,
        tampered,
        f"event #{tampered} was altered",
        tampered - 1,
    )
    with _behind_the_orm() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET payload = %s::jsonb WHERE seq = %s", [original, tampered]
        )
    assert audit_verify().ok
    # The first event of the upper half gone: the gap is at the boundary of the two walks.
    with _behind_the_orm() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [middle + 1])
    report = audit_verify()
    assert (report.ok, report.first_broken_seq, report.problem, report.events_checked) == (
        False,
        middle + 1,
        f"event #{middle + 1} is missing",
        middle,
    )
    assert splits == [1] * 4


@pytest.mark.postgres
@pytest.mark.parametrize("cache", [0, 4096])
def test_the_streamed_walk_vouches_for_every_awkward_event_itself(
    world: World, monkeypatch: pytest.MonkeyPatch, cache: int
):
    """The text written here from the streamed columns (COPY escapes undone: the actor's name
    holds a newline, payloads backslashes and control characters) hashes to the stored hash
    for every event: only the events that bind draft-time events are left to the walk's rows."""
    seqs = _trail(world)
    monkeypatch.setattr(audit, "VERIFY_PAYLOAD_CACHE", cache)
    with connection.cursor() as cursor:
        marks = list(audit._hash_span(cursor, 0, seqs[-1], 0, audit.GENESIS_HASH))
    binding = [
        event.seq
        for event in AuditEvent.objects.select_related("application").order_by("seq")
        if event.application
        and event.application.reference
        and audit.DRAFT in (event.from_status, event.to_status)
    ]
    assert binding and [mark[0] for mark in marks[:-1]] == binding
    assert marks[-1] == (0, seqs[-1], _head())
