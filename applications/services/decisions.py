"""The committee's decisions on an exemption case: approve, reject, remand; and the applicant's
request for reconsideration of a rejection.

Approvals and rejections cite the committee meeting that decided them. Where the meeting is
recorded in the system (``meeting_at``: when it was held) the decision may not be dated before
it; a free-text reference stays possible for programmes whose committee does not meet here
(``effects.on_decision_check`` lets the ``committees`` app refuse it where one does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from applications import effects, workflow
from applications.audit import appends_at_end
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
from core.dates import human_date, human_datetime
from core.errors import InvalidInput


def meeting_problems(
    application: Application, *, meeting_at: dt.datetime | None, at: dt.datetime
) -> dict[str, str]:
    """A decision citing a meeting is not dated before it; the apps that build on the kernel
    add their own rules (``committees``: a programme's committee decides in its meetings)."""
    problems = effects.decision_problems(application, meeting_at)
    if meeting_at is not None and at < meeting_at:
        moment = meeting_at.astimezone(application.program.tz)
        problems["committee_reference"] = str(
            _("The decision cannot be dated before the meeting it cites (%(meeting)s).")
            % {"meeting": human_datetime(moment)}
        )
    return problems


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
    meeting_at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Decision:
    """Decision maker (not the recommender) approves with a committee reference (and, where the
    meeting is recorded, when it was held), a term within the track maximum, and numbered
    conditions."""
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
            # A committee decides at its meeting: the term may start from that day.
            decided_on=app.program.local_date(meeting_at or at),
        )
        problems.update(meeting_problems(app, meeting_at=meeting_at, at=at))
        if problems:
            raise InvalidInput(problems)

    with appends_at_end():
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
                **({"meeting_at": meeting_at} if meeting_at is not None else {}),
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
    meeting_at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Decision:
    """Decision maker rejects; reasons are required (they go into the letter). A meeting
    recorded in the system (``meeting_at``) may not be later than the decision."""
    now = timezone.now()  # the decision is recorded no earlier than this

    def guard(app: Application) -> None:
        problems = meeting_problems(app, meeting_at=meeting_at, at=now)
        if problems:
            raise InvalidInput(problems)

    return decide_with_reasons(
        application=application,
        by=by,
        name="reject",
        kind=DecisionKind.REJECTION,
        reasons=reasons,
        reasons_message=_("Give the reasons for the rejection."),
        field="reasons",
        committee_reference=committee_reference,
        meeting_at=meeting_at,
        expected_version=expected_version,
        guard=guard,
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
                    % {"date": human_date(app.program.local_date(window_end))}
                }
            )

    with appends_at_end():
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
