"""The case's audit events as staff read them: who did what, in which role, with details."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from applications import vocabulary
from applications.models import AuditEvent

DETAIL_KEYS = (
    "reason",
    "reasons",
    "grounds",
    "message",
    "details",
    "question",
    "outcome",
    "opinion",
    "committee_reference",
    "assigned_officer",
    "ministry",
    "name",
)


@dataclass
class StaffEntry:
    seq: int
    when: dt.datetime
    label: str
    actor: str
    role: str
    details: list[str] = field(default_factory=list)


def _details(payload: dict[str, Any]) -> list[str]:
    lines = [str(item) for item in payload.get("deficiencies") or []]
    lines += [f"{m}" for m in payload.get("ministries") or []]
    lines += [str(payload[k]) for k in DETAIL_KEYS if payload.get(k)]
    lines += [str(c) for c in payload.get("proposed_conditions") or payload.get("conditions") or []]
    return lines


def _label(action: str) -> str:
    words = vocabulary.wording(action)
    return str(words.staff) if words is not None else action.replace("_", " ")


def staff_timeline(events: list[AuditEvent]) -> list[StaffEntry]:
    """Every event, newest first."""
    return [
        StaffEntry(
            seq=event.seq,
            when=event.occurred_at,
            label=_label(event.action),
            actor=(event.actor.get_full_name() or event.actor_name)
            if event.actor is not None
            else event.actor_name,
            role=event.actor_role,
            details=_details(event.payload or {}),
        )
        for event in reversed(events)
    ]
