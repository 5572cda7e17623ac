"""Tampering with the audit trail behind the application's back — changing any event, swapping
two, deleting one — makes ``verify_audit_chain`` fail and name the event; the ORM refuses to
change or delete events at all, and on PostgreSQL so does a trigger."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from applications.audit import audit_verify
from applications.models import AuditEvent
from applications.workflow import ApplicationStatus as S
from tests.builders import World, drive

TABLE = AuditEvent._meta.db_table
TRIGGER = "applications_auditevent_append_only"


@contextlib.contextmanager
def _behind_the_orm() -> Iterator[Any]:
    """A raw cursor with the PostgreSQL append-only trigger switched off, as someone with the
    table owner's rights could (the test transaction rolls the switch back; it is switched on
    again explicitly all the same). ALTER TABLE needs the deferred foreign-key checks of the
    transaction run first."""
    postgres = connection.vendor == "postgresql"

    def trigger(action: str) -> None:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} {action} TRIGGER {TRIGGER}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    with connection.cursor() as cursor:
        if postgres:
            trigger("DISABLE")
        try:
            yield cursor
        finally:
            if postgres:
                trigger("ENABLE")


def _verify() -> str:
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)
    return out.getvalue()


def _broken_at() -> str:
    with pytest.raises(CommandError) as caught:
        _verify()
    assert caught.value.returncode != 0
    return str(caught.value)


@pytest.fixture
def chain(world: World) -> list[AuditEvent]:
    """A real trail: two cases driven through submission, review and a decision."""
    drive(world, S.DELIBERATION)
    drive(world, S.SUPPLEMENT_REQUESTED, track="confirmation")
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) >= 8
    assert "Audit chain OK" in _verify()
    return events


COLUMN_TAMPERING = {
    "payload": ("payload", '{"track": "forged"}'),
    "actor": ("actor_name", "mallory"),
    "role": ("actor_role", "decision_maker"),
    "action": ("action", "approve"),
    "from_status": ("from_status", "deliberation"),
    "to_status": ("to_status", "approved"),
    "case": ("application_id", None),
    "hash": ("hash", "f" * 64),
    "prev_hash": ("prev_hash", "0" * 64),
}


@pytest.mark.parametrize("what", COLUMN_TAMPERING)
def test_changing_any_event_is_caught_and_named(chain, what):
    column, forged = COLUMN_TAMPERING[what]
    for event in chain:
        with _behind_the_orm() as cursor:
            cursor.execute(f"SELECT {column} FROM {TABLE} WHERE seq = %s", [event.seq])
            (original,) = cursor.fetchone()
            cursor.execute(f"UPDATE {TABLE} SET {column} = %s WHERE seq = %s", [forged, event.seq])
        if str(original) == str(forged):
            continue  # nothing changed on this event (e.g. the genesis prev_hash)
        message = _broken_at()
        assert f"event #{event.seq}:" in message, (what, event.seq, message)
        with _behind_the_orm() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET {column} = %s WHERE seq = %s", [original, event.seq]
            )
        assert audit_verify().ok, (what, event.seq)


def test_changing_an_events_time_by_one_microsecond_is_caught(chain):
    victim = chain[len(chain) // 2]
    with _behind_the_orm() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET occurred_at = %s WHERE seq = %s",
            [victim.occurred_at + dt.timedelta(microseconds=1), victim.seq],
        )
    assert f"event #{victim.seq}: event #{victim.seq} was altered" in _broken_at()


@pytest.mark.parametrize("position", ["first", "middle", "second_last"])
def test_swapping_two_events_is_caught_at_the_first_of_them(chain, position):
    index = {"first": 0, "middle": len(chain) // 2, "second_last": len(chain) - 2}[position]
    a, b = chain[index].seq, chain[index + 1].seq
    with _behind_the_orm() as cursor:
        parking = 10**12
        cursor.execute(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [parking, a])
        cursor.execute(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [a, b])
        cursor.execute(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [b, parking])
    assert f"event #{a}:" in _broken_at()


@pytest.mark.parametrize("position", ["first", "middle", "last"])
def test_deleting_an_event_is_caught_and_named(chain, position):
    victim = {"first": chain[0], "middle": chain[len(chain) // 2], "last": chain[-1]}[position]
    with _behind_the_orm() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [victim.seq])
    message = _broken_at()
    assert f"event #{victim.seq}:" in message
    assert "missing" in message


def test_rewriting_an_event_and_rehashing_the_rest_is_still_caught_by_the_chain_head(chain):
    """Whoever recomputes every later hash must also forge the head row; verify compares both."""
    from applications.audit import event_hash

    victim = chain[2]
    with _behind_the_orm() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET payload = %s WHERE seq = %s", ['{"forged": true}', victim.seq]
        )
    prev = chain[1].hash
    for event in AuditEvent.objects.filter(seq__gte=victim.seq).order_by("seq"):
        event.prev_hash = prev
        rehashed = event_hash(prev, event)
        with _behind_the_orm() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev, rehashed, event.seq],
            )
        prev = rehashed
    assert f"event #{chain[-1].seq}: " in _broken_at()
    assert "rewritten" in _broken_at()


def test_events_appended_without_the_chain_head_are_caught(chain):
    """A forged event appended with a correct hash, but behind the chain head's back."""
    from applications.audit import event_hash

    last = chain[-1]
    forged = AuditEvent(
        seq=last.seq + 1,
        application_id=last.application_id,
        occurred_at=last.occurred_at,
        actor_name="mallory",
        actor_role="decision_maker",
        action="approve",
        from_status="deliberation",
        to_status="approved",
        payload={},
        prev_hash=last.hash,
    )
    forged.hash = event_hash(last.hash, forged)
    forged.save(force_insert=True)
    assert f"event #{forged.seq}: " in _broken_at()


def test_the_orm_refuses_to_change_or_delete_events(chain):
    event = AuditEvent.objects.get(seq=chain[0].seq)
    event.payload = {"forged": True}
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(seq=event.seq).update(payload={})
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(seq=event.seq).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == len(chain)
    assert audit_verify().ok


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET payload = '{{}}' WHERE seq = %s",
        f"UPDATE {TABLE} SET seq = seq + 1000 WHERE seq = %s",
        f"DELETE FROM {TABLE} WHERE seq = %s",
    ],
    ids=["update_payload", "update_seq", "delete"],
)
def test_the_postgresql_trigger_refuses_raw_update_and_delete(chain, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [chain[1].seq])
    assert AuditEvent.objects.count() == len(chain)
    assert audit_verify().ok
