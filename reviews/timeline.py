"""The case's audit events as staff read them: who did what, in which role, with details."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from applications import vocabulary
from applications.models import AuditEvent, Ministry
from applications.models.review import Opinion
from applications.roles import Role
from applications.workflow import ConfirmationOutcome, RecommendationOutcome
from core.people import person_name

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


# Payload values that are codes, read as their labels in the page's language: outcomes and
# opinions by their choices, ministries by name, officers by name (events store usernames).
CHOICE_KEYS = {
    "outcome": (ConfirmationOutcome, RecommendationOutcome),
    "opinion": (Opinion,),
}


@dataclass
class _Names:
    """Ministry codes and usernames met in the payloads, looked up once per timeline."""

    ministries: dict[str, str]
    people: dict[str, str]

    @classmethod
    def of(cls, events: list[AuditEvent]) -> _Names:
        codes: set[str] = set()
        usernames: set[str] = set()
        for event in events:
            payload = event.payload or {}
            codes.update(str(m) for m in payload.get("ministries") or [])
            if payload.get("ministry"):
                codes.add(str(payload["ministry"]))
            if payload.get("assigned_officer"):
                usernames.add(str(payload["assigned_officer"]))
        ministries = {m.code: m.display_name for m in Ministry.objects.filter(code__in=codes)}
        people = {
            user.get_username(): person_name(user)
            for user in get_user_model().objects.filter(username__in=usernames)
        }
        return cls(ministries=ministries, people=people)


def _choice_label(key: str, value: Any) -> str:
    for choices in CHOICE_KEYS.get(key, ()):
        if value in choices.values:
            return str(choices(value).label)
    return str(value)


def _detail(key: str, value: Any, names: _Names) -> str:
    if key == "ministry":
        return names.ministries.get(str(value), str(value))
    if key == "assigned_officer":
        return names.people.get(str(value), str(value))
    return _choice_label(key, value)


def _details(payload: dict[str, Any], names: _Names) -> list[str]:
    lines = [str(item) for item in payload.get("deficiencies") or []]
    lines += [names.ministries.get(str(m), str(m)) for m in payload.get("ministries") or []]
    lines += [_detail(k, payload[k], names) for k in DETAIL_KEYS if payload.get(k)]
    lines += [str(c) for c in payload.get("proposed_conditions") or payload.get("conditions") or []]
    return lines


def _role(code: str) -> str:
    return str(Role(code).label) if code in Role.values else ""


def _label(action: str) -> str:
    words = vocabulary.wording(action)
    return str(words.staff) if words is not None else action.replace("_", " ")


def staff_timeline(events: list[AuditEvent]) -> list[StaffEntry]:
    """Every event, newest first."""
    names = _Names.of(events)
    return [
        StaffEntry(
            seq=event.seq,
            when=event.occurred_at,
            label=_label(event.action),
            # Without an account (the scheduler; a removed account): its role names it, never
            # the login it was recorded under.
            actor=person_name(event.actor) if event.actor is not None else _role(event.actor_role),
            role=_role(event.actor_role) if event.actor is not None else "",
            details=_details(event.payload or {}, names),
        )
        for event in reversed(events)
    ]
