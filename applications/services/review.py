"""Review: the answer to a fast-confirmation request (or its deemed answer) and the recommendation
that puts an exemption case to the committee.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from applications import workflow
from applications.audit import appends_at_end
from applications.availability import require_open
from applications.models import (
    Application,
    ConsultationStatus,
    Decision,
    DecisionKind,
    Recommendation,
)
from applications.roles import Role
from applications.services.consultation import consultation_lapse_record
from applications.services.kernel import (
    application_row_lock,
    decision_record,
    decisions_record,
    event_record,
    require_version,
    require_visible,
    run_transition,
    run_transitions,
)
from applications.vocabulary import AuditAction
from applications.workflow import ConfirmationOutcome, RecommendationOutcome, SimilarityDecision
from core.dates import human_date
from core.errors import InvalidInput, WrongState


def application_answer_confirmation(
    *,
    application: Application,
    by: Any,
    outcome: str,
    permits: str = "",
    competent_authority: str = "",
    reasons: str = "",
    expected_version: int | None = None,
) -> Decision:
    """Case officer answers a fast-confirmation request (no regulation / regulation applies)."""
    if outcome not in (ConfirmationOutcome.NO_REGULATION, ConfirmationOutcome.REGULATION_APPLIES):
        raise InvalidInput({"outcome": _("Choose whether a regulation applies.")})
    if outcome == ConfirmationOutcome.REGULATION_APPLIES and not permits.strip():
        raise InvalidInput({"permits": _("Name the permits or regulations that apply.")})
    at = timezone.now()
    with appends_at_end():
        app = run_transition(
            application=application,
            by=by,
            name="answer_confirmation",
            role=Role.CASE_OFFICER,
            expected_version=expected_version,
            arguments=lambda app: {"outcome": outcome, "at": at},
            payload={
                "outcome": outcome,
                "permits": permits,
                "competent_authority": competent_authority,
            },
            at=at,
        )
        return decision_record(
            application=app,
            kind=DecisionKind.CONFIRMATION,
            decided_by=by,
            decided_at=at,
            confirmation_outcome=outcome,
            permits=permits.strip(),
            competent_authority=competent_authority.strip(),
            reasons=reasons.strip(),
            legal_basis=app.track.legal_basis,
        )


def _deem_guard(at: dt.datetime) -> Callable[[Application], None]:
    def guard(app: Application) -> None:
        if not app.track.deemed_outcome:
            raise WrongState(_("This track has no deemed outcome."))
        if app.due_at is None or app.clock_paused_at is not None or app.due_at > at:
            raise WrongState(_("The answer deadline has not passed."))

    return guard


def _deem_arguments(at: dt.datetime) -> Callable[[Application], dict[str, Any]]:
    return lambda app: {"outcome": app.track.deemed_outcome, "at": at}


def _deem_payload(application: Application, rule: str) -> dict[str, Any]:
    return {"rule": rule or "deemed_confirmation", "due_at": application.due_at}


def _deemed_decision(app: Application, at: dt.datetime) -> dict[str, Any]:
    return {
        "application": app,
        "kind": DecisionKind.DEEMED_CONFIRMATION,
        "decided_at": at,
        "confirmation_outcome": app.track.deemed_outcome,
        "legal_basis": app.track.legal_basis,
    }


def application_deem_confirmed(
    *, application: Application, now: dt.datetime | None = None, rule: str = ""
) -> Decision:
    """System: the answer deadline passed in silence; the track's deemed outcome applies."""
    at = now or timezone.now()
    with appends_at_end():
        app = run_transition(
            application=application,
            by=None,
            name="deem_confirmed",
            role=Role.SYSTEM,
            guard=_deem_guard(at),
            arguments=_deem_arguments(at),
            payload=_deem_payload(application, rule),
            at=at,
        )
        return decision_record(**_deemed_decision(app, at))


def applications_deem_confirmed(
    *, applications: Sequence[Application], now: dt.datetime, rules: Sequence[str]
) -> list[Decision]:
    """``application_deem_confirmed`` for many cases the caller has locked (the sweep's batch
    action): one statement per table, one event and one decision per case, each decision's
    subscribers (the letter, the register) told as for one."""
    rule_of = {app.pk: rule for app, rule in zip(applications, rules, strict=True)}
    with appends_at_end():
        apps = run_transitions(
            applications=applications,
            name="deem_confirmed",
            guard=_deem_guard(now),
            arguments=_deem_arguments(now),
            payload=lambda app: _deem_payload(app, rule_of[app.pk]),
            at=now,
        )
        return decisions_record([Decision(**_deemed_decision(app, now)) for app in apps])


def application_recommend(
    *,
    application: Application,
    by: Any,
    outcome: str,
    proposed_term_days: int | None = None,
    proposed_conditions: Sequence[str] = (),
    legal_basis: str = "",
    reasons: str = "",
    expected_version: int | None = None,
) -> Recommendation:
    """Assigned officer recommends and puts the case to the committee; every consultation must
    be answered (overdue ones are recorded as lapsed here)."""
    if outcome not in RecommendationOutcome.values:
        raise InvalidInput({"outcome": _("Recommend approval or rejection.")})
    conditions = workflow.conditions_cleaned(proposed_conditions)
    at = timezone.now()

    def guard(app: Application) -> None:
        if outcome == RecommendationOutcome.APPROVE:
            problem = workflow.requested_term_problem(track=app.track, days=proposed_term_days)
            if proposed_term_days is None:
                problem = _("Propose a term for the waiver.")
            if problem:
                raise InvalidInput({"proposed_term_days": problem})
        elif not reasons.strip():
            raise InvalidInput({"reasons": _("Give the reasons for recommending rejection.")})
        for item in app.consultations.select_for_update().filter(status=ConsultationStatus.PENDING):
            if item.due_at > at:
                raise InvalidInput(
                    {
                        "consultations": _("The opinion of %(ministry)s is awaited until %(due)s.")
                        % {
                            "ministry": item.ministry.display_name,
                            "due": human_date(app.program.local_date(item.due_at)),
                        }
                    }
                )
            consultation_lapse_record(app, item, at)

    with appends_at_end():
        app = run_transition(
            application=application,
            by=by,
            name="recommend",
            role=Role.CASE_OFFICER,
            expected_version=expected_version,
            guard=guard,
            payload={
                "outcome": outcome,
                "proposed_term_days": proposed_term_days,
                "proposed_conditions": conditions,
                "legal_basis": legal_basis,
                "reasons": reasons,
            },
            at=at,
        )
        return Recommendation.objects.create(
            application=app,
            officer=by,
            created_at=at,
            outcome=outcome,
            proposed_term_days=proposed_term_days,
            proposed_conditions=conditions,
            legal_basis=legal_basis.strip(),
            reasons=reasons.strip(),
        )


def application_decide_similarity(
    *,
    application: Application,
    by: Any,
    decision: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Application:
    """The lead ministry's officer answers whether the case is substantially the same as the
    approved waiver the applicant cited. A confirmation sets the shorter deadline of the fast
    review (``workflow.similar_case_due``); a denial keeps the normal one. Answered once."""
    reason = (reason or "").strip()
    if decision not in SimilarityDecision.values:
        raise InvalidInput({"decision": _("Say whether the case is similar or not.")})
    if decision == SimilarityDecision.DENIED and not reason:
        raise InvalidInput(
            {"reason": _("Say why the case is not similar: the applicant reads this.")}
        )
    if len(reason) > 2000:
        raise InvalidInput({"reason": _("Use at most %(max)s characters.") % {"max": 2000}})
    at = timezone.now()
    with appends_at_end():
        app = application_row_lock(application)
        require_visible(by, app)
        require_version(app, expected_version)
        require_open("decide_similarity", by, app)
        if app.similar_to_id is None:
            raise WrongState(_("The applicant did not cite an approved case."))
        if app.similarity_decision:
            raise WrongState(_("The similarity has already been answered."))
        before = app.due_at
        if decision == SimilarityDecision.CONFIRMED:
            shorter = workflow.similar_case_due(app)
            if shorter is not None:
                app.due_at = shorter
        app.similarity_decision = decision
        app.similarity_reason = reason
        app.similarity_decided_at = at
        app.version += 1
        app.save()
        action = (
            AuditAction.SIMILARITY_CONFIRMED
            if decision == SimilarityDecision.CONFIRMED
            else AuditAction.SIMILARITY_DENIED
        )
        event_record(
            app,
            by,
            Role.CASE_OFFICER,
            action,
            {
                "similar_to": app.similar_reference,
                "reason": reason,
                "due_at_before": before,
                "due_at": app.due_at,
            },
            at=at,
        )
    return app
