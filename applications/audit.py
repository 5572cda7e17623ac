"""The tamper-evident audit chain (DESIGN §4).

``hash = SHA-256(prev_hash + canonical JSON of the event)``; one chain across all events.
Appends lock the chain head, so concurrent writers queue instead of forking the chain, and
they happen inside the caller's transaction, so an event exists exactly when its change does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from applications.models import Application, AuditChainHead, AuditEvent
from applications.roles import Role

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"


def _plain(value: Any) -> Any:
    """Payloads are stored as JSON: dates as ISO strings, decimals as strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        raise TypeError("Audit payloads carry no floats: their text form is not canonical.")
    return value


def canonical_json(event: AuditEvent) -> str:
    """The event's hashed content: every field but the hashes, keys sorted, no spaces."""
    body = {
        "seq": event.seq,
        "application": event.application_id,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_name,
        "actor_role": event.actor_role,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "payload": event.payload,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


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
) -> AuditEvent:
    """Append one event to the chain; must run inside the transaction of the change it records."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change.")
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = AuditChainHead.objects.get_or_create(pk=1, defaults={"hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    event = AuditEvent(
        seq=head.seq + 1,
        application=application,
        occurred_at=(at or timezone.now()).astimezone(dt.UTC),
        actor=actor,
        actor_name=actor.get_username() if actor is not None else SYSTEM_ACTOR,
        actor_role=Role.SYSTEM if actor is None else actor_role,
        action=action,
        from_status=from_status,
        to_status=to_status,
        payload=_plain(payload or {}),
        prev_hash=head.hash,
    )
    event.hash = event_hash(head.hash, event)
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    head_hash: str
    first_broken_seq: int | None = None
    problem: str = ""


def _events(chunk_size: int = 2000) -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)


def audit_verify() -> ChainReport:
    """Walk the whole chain in constant memory; name the first event that does not fit."""
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in _events():
        if event.seq != expected_seq:
            return ChainReport(
                False, checked, prev_hash, expected_seq, f"event #{expected_seq} is missing"
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                prev_hash,
                event.seq,
                f"event #{event.seq} does not follow its predecessor",
            )
        if event_hash(prev_hash, event) != event.hash:
            return ChainReport(
                False, checked, prev_hash, event.seq, f"event #{event.seq} was altered"
            )
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or (head.seq, head.hash) == (checked, prev_hash):
        return ChainReport(True, checked, prev_hash)
    if head.seq > checked:
        return ChainReport(
            False, checked, prev_hash, checked + 1, f"events after #{checked} are missing"
        )
    if head.seq < checked:
        return ChainReport(
            False,
            checked,
            prev_hash,
            head.seq + 1,
            f"event #{head.seq + 1} and later were not appended through the chain head",
        )
    return ChainReport(
        False,
        checked,
        prev_hash,
        checked,
        f"event #{checked} does not match the chain head: the trail was rewritten and rehashed",
    )
