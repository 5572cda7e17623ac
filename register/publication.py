"""What a waiver's register entry publishes, from the case, its trade-secret claims and its
decisions: one function for the entry itself and for the applicant's preview before the
decision, so the preview shows exactly what the register will (docs/public.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from applications.models import Application, Decision, DecisionKind, RegulationConcerned
from register import search
from register.models import TradeSecretClaim
from register.rules import (
    REGISTER_STATUS_OF,
    STATUS_DECISIONS,
    WITHHOLDING,
    ClaimStatus,
    PublishedField,
)

F = PublishedField


@dataclass(frozen=True)
class Publication:
    """The published parts of an entry; withheld parts are empty and named in ``withheld``."""

    company: str
    title: str
    summary: str
    region: str
    scale: str
    max_users: int | None
    exempted_provisions: list[str]
    conditions: list[str]
    conditions_count: int
    withheld: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # withheld until the officer decides


def publication_of(
    app: Application,
    *,
    claims: Iterable[TradeSecretClaim],
    approval: Decision | None,
    regulations: Sequence[RegulationConcerned] = (),
) -> Publication:
    """What the register publishes of ``app`` given its claims; before the decision
    (``approval`` None) the exempted provisions are the regulations the applicant named and the
    conditions are not known yet."""
    states = {claim.field: claim.status for claim in claims}
    withheld = [f for f in F.values if states.get(f) in WITHHOLDING]

    def part(name: str, value: Any, empty: Any) -> Any:
        return empty if name in withheld else value

    conditions = list(approval.conditions or []) if approval else []
    exempted = (
        list(approval.exempted_provisions or [])
        if approval
        else [f"{r.statute} {r.article}" for r in regulations]
    )
    return Publication(
        company=app.organization.name,
        title=app.title,
        summary=part(F.SUMMARY, app.summary, ""),
        region=part(F.REGION, app.region, ""),
        scale=part(F.SCALE, app.scale, ""),
        max_users=part(F.MAX_USERS, app.max_users, None),
        exempted_provisions=exempted,
        conditions=part(F.CONDITIONS, conditions, []),
        conditions_count=len(conditions),
        withheld=withheld,
        pending=[f for f in withheld if states[f] == ClaimStatus.CLAIMED],
    )


def _latest(decisions: Sequence[Decision], kinds: Iterable[str]) -> Decision | None:
    wanted = set(kinds)
    return next((d for d in reversed(decisions) if d.kind in wanted), None)


def entry_fields(
    app: Application,
    *,
    claims: Iterable[TradeSecretClaim],
    decisions: Sequence[Decision],
    now: dt.datetime,
) -> dict[str, Any] | None:
    """The register entry's columns for a granted waiver (``decisions`` oldest first), or None
    when the case is not (or not yet) a granted waiver."""
    status = REGISTER_STATUS_OF.get(app.status)
    if status is None or not app.reference:
        return None
    program, track = app.program, app.track
    approval = _latest(decisions, [DecisionKind.APPROVAL])
    published = publication_of(app, claims=claims, approval=approval)
    granted_at = approval.decided_at if approval else (app.decided_at or now)
    granted_on = program.local_date(granted_at)
    since = _latest(decisions, STATUS_DECISIONS[status])
    ministry = program.lead_ministry
    text = search.normalise(
        " ".join(
            [
                app.reference,
                published.company,
                published.title,
                published.summary,
                published.region,
                program.name,
                program.name_en,
                track.name,
                track.name_en,
                ministry.name,
                ministry.name_en,
            ]
        )
    )
    return {
        "application": app,
        "reference": app.reference,
        "program": program,
        "track": track,
        "ministry": ministry,
        "company": published.company,
        "title": published.title,
        "summary": published.summary,
        "region": published.region,
        "scale": published.scale,
        "max_users": published.max_users,
        "exempted_provisions": published.exempted_provisions,
        "conditions": published.conditions,
        "conditions_count": published.conditions_count,
        "withheld": published.withheld,
        "granted_on": granted_on,
        "term_start": app.term_start,
        "term_end": app.term_end,
        "extensions": app.extensions_used,
        "status": status,
        "status_since": program.local_date(since.decided_at) if since else granted_on,
        "search_text": text,
        "search_grams": " ".join(sorted(search.grams(text))),
        "updated_at": now,
    }
