"""The committee's decisions on an exemption case: approve, reject, remand; and the applicant's
request for reconsideration of a rejection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import workflow
from applications.models import (
    Application,
    Decision,
    DecisionKind,
)
from applications.roles import Role
from applications.services.kernel import (
    clean_text,
    decide_with_reasons,
    decision_record,
    run_transition,
)
from core.errors import InvalidInput


def application_approve(
    *,
    application: Application,
    by: Any,
    committee_reference: str,
    term_start: dt.date | None,
    term_end: dt.date | None,
    conditions: Sequence[str] = (),
    exempted_provisions: Sequence[str] = (),
    legal_basis: str = "",
    expected_version: int | None = None,
) -> Decision:
    """Decision maker (not the recommender) approves with a committee reference, a term within
    the track maximum, and numbered conditions."""
    reference = clean_text(
        committee_reference, "committee_reference", _("Give the committee meeting reference.")
    )
    items = workflow.conditions_cleaned(conditions)
    at = timezone.now()

    def guard(app: Application) -> None:
        problems = workflow.term_problems(
            track=app.track,
            start=term_start,
            end=term_end,
            decided_on=app.program.local_date(at),
        )
        if problems:
            raise InvalidInput(problems)

    with transaction.atomic():
        app = run_transition(
            application=application,
            by=by,
            name="approve",
            role=Role.DECISION_MAKER,
            expected_version=expected_version,
            guard=guard,
            arguments=lambda app: {"at": at, "term_start": term_start, "term_end": term_end},
            payload={
                "committee_reference": reference,
                "term_start": term_start,
                "term_end": term_end,
                "conditions": items,
            },
            at=at,
        )
        exempted = list(exempted_provisions) or [
            f"{r.statute} {r.article}" for r in app.regulations.all()
        ]
        return decision_record(
            application=app,
            kind=DecisionKind.APPROVAL,
            decided_by=by,
            decided_at=at,
            committee_reference=reference,
            legal_basis=legal_basis.strip() or app.track.legal_basis,
            term_start=term_start,
            term_end=term_end,
            conditions=items,
            exempted_provisions=exempted,
        )


def application_reject(
    *,
    application: Application,
    by: Any,
    reasons: str,
    committee_reference: str = "",
    expected_version: int | None = None,
) -> Decision:
    """Decision maker rejects; reasons are required (they go into the letter)."""
    return decide_with_reasons(
        application=application,
        by=by,
        name="reject",
        kind=DecisionKind.REJECTION,
        reasons=reasons,
        reasons_message=_("Give the reasons for the rejection."),
        field="reasons",
        committee_reference=committee_reference,
        expected_version=expected_version,
    )


def application_remand(
    *, application: Application, by: Any, reason: str, expected_version: int | None = None
) -> Decision:
    """Decision maker sends the case back to review; the statutory clock resumes."""
    return decide_with_reasons(
        application=application,
        by=by,
        name="remand",
        kind=DecisionKind.REMAND,
        reasons=reason,
        reasons_message=_("Say what the review must look at again."),
        expected_version=expected_version,
    )


def application_request_reconsideration(
    *, application: Application, by: Any, reason: str, expected_version: int | None = None
) -> Application:
    """Applicant asks for reconsideration of a rejection within the track's window."""
    text = clean_text(reason, "reason", _("Explain why the decision should be reconsidered."))
    at = timezone.now()

    def guard(app: Application) -> None:
        if not workflow.reconsideration_open(app, now=at):
            window_end = workflow.reconsideration_window_end(app) or at
            raise InvalidInput(
                {
                    "reason": _("The reconsideration window closed on %(date)s.")
                    % {"date": app.program.local_date(window_end)}
                }
            )

    with transaction.atomic():
        return run_transition(
            application=application,
            by=by,
            name="request_reconsideration",
            role=Role.APPLICANT,
            expected_version=expected_version,
            guard=guard,
            payload={"reason": text},
            at=at,
        )
