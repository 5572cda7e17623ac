"""The case's audit events as staff read them: who did what, in which role, with details."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications.models import AuditEvent

EVENT_LABELS: dict[str, Promise] = {
    "draft_created": _("Draft started"),
    "draft_updated": _("Draft saved"),
    "regulation_added": _("Regulation added"),
    "regulation_removed": _("Regulation removed"),
    "document_uploaded": _("File uploaded"),
    "document_removed": _("File removed"),
    "submit": _("Submitted"),
    "request_supplement": _("Supplement requested"),
    "answer_supplement": _("Supplement answered"),
    "lapse": _("Closed: no supplement by the deadline"),
    "accept": _("Accepted as complete"),
    "claimed": _("Claimed"),
    "assigned": _("Assigned"),
    "released": _("Released"),
    "conflict_declared": _("Conflict of interest declared"),
    "consultation_requested": _("Opinions requested"),
    "consultation_answered": _("Opinion given"),
    "consultation_lapsed": _("Opinion lapsed: no opinion (deemed)"),
    "answer_confirmation": _("Confirmation answered"),
    "deem_confirmed": _("Deemed confirmed"),
    "recommend": _("Recommended to the committee"),
    "approve": _("Approved"),
    "reject": _("Rejected"),
    "remand": _("Sent back for review"),
    "request_reconsideration": _("Reconsideration requested"),
    "insurance_proof_added": _("Insurance proof added"),
    "activate": _("Activated"),
    "extension_requested": _("Extension requested"),
    "extend": _("Extension granted"),
    "extension_denied": _("Extension refused"),
    "law_amendment_requested": _("Law amendment requested"),
    "request_law_amendment": _("Law-amendment request accepted"),
    "law_amendment_rejected": _("Law-amendment request refused"),
    "suspend": _("Suspended"),
    "resume": _("Suspension lifted"),
    "revoke": _("Revoked"),
    "regularize": _("Regularized"),
    "expire": _("Expired"),
    "withdraw": _("Withdrawn"),
    "letter_issued": _("Letter issued"),
}

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


def staff_timeline(events: list[AuditEvent]) -> list[StaffEntry]:
    """Every event, newest first."""
    return [
        StaffEntry(
            seq=event.seq,
            when=event.occurred_at,
            label=str(EVENT_LABELS.get(event.action, event.action.replace("_", " "))),
            actor=(event.actor.get_full_name() or event.actor_name)
            if event.actor is not None
            else event.actor_name,
            role=event.actor_role,
            details=_details(event.payload or {}),
        )
        for event in reversed(events)
    ]
