"""What may this user do on this case now: one answer, derived from the state machine and the
``can_*`` predicates, read by the applicant portal (its links and its action pages), the staff
case page (its forms) and the services (which refuse what is not open, with a reason).

Each ``CaseAction`` is either a transition of the state machine (open when
``has_transition_perm`` says so: source status, the track's conditions and the permission
predicate) or an action that changes no status (open in its ``statuses``, to those its
``permission`` admits); ``when`` adds what the case's other records decide (a pending request, a
window still open). ``CaseFacts`` reads those records once per page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_fsm import has_transition_perm

from applications import permissions as perms
from applications import workflow
from applications.models import (
    Application,
    Consultation,
    ConsultationStatus,
    ExtensionRequest,
    LawAmendmentRequest,
    Recommendation,
    RequestStatus,
)
from applications.roles import ministry_of
from applications.workflow import ApplicationStatus as S
from core.errors import NotPermitted, WrongState


@dataclass(frozen=True)
class CaseFacts:
    """The records beyond the case row that decide what is open, read once."""

    now: dt.datetime
    today: dt.date
    pending_extension: ExtensionRequest | None = None
    pending_law_amendment: LawAmendmentRequest | None = None
    pending_consultation: Consultation | None = None  # addressed to the user's ministry
    recommendation: Recommendation | None = None  # the latest


def case_facts(user: Any, app: Application, *, now: dt.datetime | None = None) -> CaseFacts:
    ministry = ministry_of(user)
    now = now or timezone.now()
    return CaseFacts(
        now=now,
        today=app.program.local_date(now),
        pending_extension=app.extension_requests.filter(status=RequestStatus.PENDING).first(),
        pending_law_amendment=app.law_amendment_requests.filter(
            status=RequestStatus.PENDING
        ).first(),
        pending_consultation=(
            Consultation.objects.filter(
                application=app, ministry=ministry, status=ConsultationStatus.PENDING
            )
            .select_related("ministry")
            .first()
            if ministry is not None
            else None
        ),
        recommendation=app.recommendations.order_by("-created_at", "-id").first(),
    )


@dataclass(frozen=True)
class CaseAction:
    name: str
    transition: str = ""
    statuses: frozenset[str] = field(default_factory=frozenset)
    permission: perms.Predicate | None = None
    when: Callable[[Any, Application, CaseFacts], bool] | None = None
    closed: Promise | str = ""  # why it is not open in another status (actions, not transitions)

    def open_to(self, user: Any, app: Application, facts: CaseFacts) -> bool:
        if self.transition:
            allowed = bool(has_transition_perm(getattr(app, self.transition), user))
        else:
            allowed = app.status in self.statuses and (
                self.permission is None or self.permission(user, app)
            )
        return allowed and (self.when is None or self.when(user, app, facts))

    def require(self, user: Any, app: Application) -> None:
        """For services, in their order of checks: wrong status (409) before permission (403).
        Only for actions that are not transitions (the kernel checks those)."""
        if app.status not in self.statuses:
            raise WrongState(str(self.closed))
        if self.permission is not None and not self.permission(user, app):
            raise NotPermitted(str(_("You are not allowed to do this on this case.")))


ACTIONS: dict[str, CaseAction] = {
    action.name: action
    for action in (
        # --- the applicant ---------------------------------------------------------------
        CaseAction(
            "edit",
            statuses=frozenset({S.DRAFT}),
            permission=perms.can_act_for_applicant,
            closed=_("Only drafts can be edited; this case is already submitted."),
        ),
        CaseAction("submit", transition="submit"),
        CaseAction("answer_supplement", transition="answer_supplement"),
        CaseAction(
            "request_reconsideration",
            transition="request_reconsideration",
            when=lambda user, app, facts: workflow.reconsideration_open(app, now=facts.now),
        ),
        CaseAction(
            "add_insurance_proof",
            statuses=workflow.TERM_RUNNING,
            permission=perms.can_add_insurance_proof,
            closed=_("Insurance proof is filed after approval."),
        ),
        CaseAction(
            "request_extension",
            statuses=frozenset(workflow.IN_FORCE),
            permission=perms.can_request_extension,
            when=lambda user, app, facts: (
                facts.pending_extension is None
                and workflow.extensions_left(app)
                and app.term_end is not None
                and app.term_end >= facts.today
            ),
            closed=_("Only an approved or active waiver can be extended."),
        ),
        CaseAction(
            "request_law_amendment",
            statuses=frozenset({S.ACTIVE}),
            permission=perms.can_request_law_amendment,
            when=lambda user, app, facts: facts.pending_law_amendment is None,
            closed=_("A law amendment can be requested while the waiver is active."),
        ),
        CaseAction("withdraw", transition="withdraw"),
        # --- ministry staff ------------------------------------------------------------------
        CaseAction(
            "claim",
            statuses=workflow.OPEN_FOR_OFFICER,
            permission=perms.can_claim_application,
            closed=_("This case has no officer's work left."),
        ),
        CaseAction(
            "assign",
            statuses=workflow.OPEN_FOR_OFFICER,
            permission=perms.can_assign_application,
            closed=_("This case has no officer's work left."),
        ),
        CaseAction(
            "release",
            statuses=workflow.OPEN_FOR_OFFICER,
            permission=perms.can_release_application,
            closed=_("This case has no officer's work left."),
        ),
        CaseAction("accept", transition="accept"),
        CaseAction(
            "decide_similarity",
            statuses=workflow.SIMILARITY_OPEN,
            permission=perms.can_decide_similarity,
            when=lambda user, app, facts: (
                app.similar_to_id is not None and not app.similarity_decision
            ),
            closed=_("Similarity to an approved case is answered before deliberation."),
        ),
        CaseAction("request_supplement", transition="request_supplement"),
        CaseAction(
            "request_consultation",
            statuses=frozenset({S.UNDER_REVIEW}),
            permission=perms.can_request_consultation,
            closed=_("Consultations can only be requested while the case is under review."),
        ),
        CaseAction(
            "answer_consultation",
            statuses=frozenset(set(S.values) - {S.DRAFT}),
            # The request addressed to the user's ministry decides, not the case.
            when=lambda user, app, facts: (
                facts.pending_consultation is not None
                and perms.can_answer_consultation(user, facts.pending_consultation)
            ),
        ),
        CaseAction("answer_confirmation", transition="answer_confirmation"),
        CaseAction("recommend", transition="recommend"),
        CaseAction("approve", transition="approve"),
        CaseAction("reject", transition="reject"),
        CaseAction("remand", transition="remand"),
        CaseAction("activate", transition="activate"),
        CaseAction(
            "decide_extension",
            statuses=frozenset(workflow.IN_FORCE),
            permission=perms.can_decide_in_force,
            when=lambda user, app, facts: facts.pending_extension is not None,
            closed=_("Only an approved or active waiver can be extended."),
        ),
        CaseAction(
            "decide_law_amendment",
            statuses=frozenset({S.ACTIVE}),
            permission=perms.can_decide_in_force,
            when=lambda user, app, facts: facts.pending_law_amendment is not None,
            closed=_("A law amendment can be requested while the waiver is active."),
        ),
        CaseAction("suspend", transition="suspend"),
        CaseAction("resume", transition="resume"),
        CaseAction("resume_continuing", transition="resume_continuing"),
        CaseAction("convert", transition="convert"),
        CaseAction("revoke", transition="revoke"),
        CaseAction("regularize", transition="regularize"),
    )
}


def is_open(name: str, user: Any, app: Application, facts: CaseFacts) -> bool:
    return ACTIONS[name].open_to(user, app, facts)


def open_actions(user: Any, app: Application, facts: CaseFacts | None = None) -> frozenset[str]:
    """The names of every action this user may take on this case now."""
    facts = facts or case_facts(user, app)
    return frozenset(name for name, action in ACTIONS.items() if action.open_to(user, app, facts))


def require_open(name: str, user: Any, app: Application) -> None:
    """For services of actions that are not transitions: refuse one not open in this status
    (409) or to this user (403). What ``when`` adds, the services check with their own
    messages (a request already pending, the term already over)."""
    ACTIONS[name].require(user, app)
