"""Granted waivers with trade-secret claims, built through the services as people would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from applications import services
from applications.models import Application
from register.models import TradeSecretClaim
from register.services import trade_secret_claim_decide, trade_secret_claims_set
from tests.builders import World, draft, term

CONDITIONS = ["최고 속도 시속 5km 이하로 운행할 것", "야간에는 운행하지 않을 것"]


def reviewed(
    world: World, *, claims: Mapping[str, str] | None = None, **fields: Any
) -> Application:
    """An exemption case under review, with the applicant's trade-secret claims (made on the
    draft, before submission)."""
    app = draft(world, **fields)
    if claims:
        trade_secret_claims_set(application=app, by=world.applicant, claims=claims)
    services.application_submit(application=app, by=world.applicant)
    services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
    return app


def decide_claims(world: World, app: Application, decisions: Mapping[str, bool]) -> None:
    for claim in TradeSecretClaim.objects.filter(application=app, field__in=list(decisions)):
        trade_secret_claim_decide(
            claim=claim,
            by=world.officer,
            accept=decisions[claim.field],
            reason="" if decisions[claim.field] else "공개가 필요합니다.",
        )


def approve(
    world: World,
    app: Application,
    *,
    conditions: Sequence[str] = CONDITIONS,
    days: int = 730,
    offset: int = 0,
    end: dt.date | None = None,
) -> Application:
    services.application_recommend(
        application=app,
        by=world.officer,
        outcome="approve",
        proposed_term_days=days,
        proposed_conditions=list(conditions),
    )
    start, stop = term(world, days=days, offset=offset)
    services.application_approve(
        application=app,
        by=world.decider,
        committee_reference="제1차 심의위원회",
        term_start=start,
        term_end=end or stop,
        conditions=list(conditions),
    )
    app.refresh_from_db()
    return app


def granted(
    world: World,
    *,
    claims: Mapping[str, str] | None = None,
    decisions: Mapping[str, bool] | None = None,
    conditions: Sequence[str] = CONDITIONS,
    **fields: Any,
) -> Application:
    """An approved waiver (in the register from its approval on)."""
    app = reviewed(world, claims=claims, **fields)
    if decisions:
        decide_claims(world, app, decisions)
    return approve(world, app, conditions=conditions)


def activate(world: World, app: Application) -> Application:
    assert app.term_start is not None and app.term_end is not None
    services.insurance_proof_add(
        application=app,
        by=world.applicant,
        insurer="한국손해보험",
        policy_number="P-1",
        coverage_start=app.term_start,
        coverage_end=app.term_end,
        insured_amount=100_000_000,
    )
    services.application_activate(application=app, by=world.officer)
    app.refresh_from_db()
    return app
