"""The actions a staff member can take on a case, each with its form and its service call.

Whether one is open to this user now is ``applications.availability``'s answer (the state
machine and the ``can_*`` predicates the services enforce, conflicts of interest included): the
case page lists exactly the open actions; the services check again. Suspension, resumption and
revocation are not here: they go through the due-process pages of ``sanctions`` (its panel on
the case page), whose services the kernel's procedure guard requires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications import availability, services
from applications.availability import CaseFacts
from applications.models import (
    Application,
    Ministry,
)
from applications.workflow import ApplicationStatus as S
from reviews import forms
from reviews.selectors import officers_of_ministry

Run = Callable[[Any, Application, dict[str, Any], CaseFacts], object]


@dataclass(frozen=True)
class ReviewAction:
    slug: str
    label: Promise
    done: Promise
    form_class: type[forms.VersionForm]
    action: str  # its name in ``applications.availability.ACTIONS``
    run: Run
    intro: Promise | str = ""
    danger: bool = False
    secondary: bool = False


def _claim(user: Any, app: Application, data: dict[str, Any], state: CaseFacts) -> None:
    if data["declaration"] == "conflict":
        services.conflict_declare(
            application=app,
            by=user,
            details=data["conflict_details"],
            expected_version=data["version"],
        )
    else:
        services.application_claim(
            application=app, by=user, no_conflict_declared=True, expected_version=data["version"]
        )


def _consult(user: Any, app: Application, data: dict[str, Any], state: CaseFacts) -> None:
    services.consultation_request(
        application=app,
        by=user,
        ministries=list(data["ministries"]),
        question=data["question"],
        expected_version=data["version"],
    )


def _answer_consultation(
    user: Any, app: Application, data: dict[str, Any], state: CaseFacts
) -> None:
    assert state.pending_consultation is not None
    services.consultation_answer(
        consultation=state.pending_consultation,
        by=user,
        opinion=data["opinion"],
        reasons=data["reasons"],
        expected_version=data["version"],
    )


def _recommend(user: Any, app: Application, data: dict[str, Any], state: CaseFacts) -> None:
    services.application_recommend(
        application=app,
        by=user,
        outcome=data["outcome"],
        proposed_term_days=data["proposed_term_days"],
        proposed_conditions=forms.lines(data["proposed_conditions"]),
        legal_basis=data["legal_basis"],
        reasons=data["reasons"],
        expected_version=data["version"],
    )


def _approve(user: Any, app: Application, data: dict[str, Any], state: CaseFacts) -> None:
    services.application_approve(
        application=app,
        by=user,
        committee_reference=data["committee_reference"],
        term_start=data["term_start"],
        term_end=data["term_end"],
        conditions=forms.lines(data["conditions"]),
        legal_basis=data["legal_basis"],
        expected_version=data["version"],
    )


def _decide_extension(user: Any, app: Application, data: dict[str, Any], state: CaseFacts) -> None:
    assert state.pending_extension is not None
    services.extension_request_decide(
        extension_request=state.pending_extension,
        by=user,
        grant=data["decision"] == "grant",
        reason=data["reason"],
        expected_version=data["version"],
    )


def _decide_law_amendment(
    user: Any, app: Application, data: dict[str, Any], state: CaseFacts
) -> None:
    assert state.pending_law_amendment is not None
    services.law_amendment_request_decide(
        law_amendment_request=state.pending_law_amendment,
        by=user,
        accept=data["decision"] == "grant",
        reason=data["reason"],
        expected_version=data["version"],
    )


def _simple(service: Callable[..., Any], **names: str) -> Run:
    """A service called with form fields renamed: ``_simple(f, reason="reason")``."""

    def run(user: Any, app: Application, data: dict[str, Any], state: CaseFacts) -> None:
        service(
            application=app,
            by=user,
            expected_version=data["version"],
            **{arg: data[field] for arg, field in names.items()},
        )

    return run


ACTIONS: tuple[ReviewAction, ...] = (
    ReviewAction(
        "claim",
        _("Claim this case"),
        _("The case is now assigned to you."),
        forms.ClaimForm,
        "claim",
        _claim,
        intro=_("Before you take the case, declare whether you have a conflict of interest."),
    ),
    ReviewAction(
        "assign",
        _("Assign to an officer"),
        _("The case was assigned."),
        forms.AssignForm,
        "assign",
        lambda u, a, d, s: services.application_assign(
            application=a, by=u, officer=d["officer"], expected_version=d["version"]
        ),
        secondary=True,
    ),
    ReviewAction(
        "release",
        _("Release the case"),
        _("You released the case; it is unassigned now."),
        forms.ReleaseForm,
        "release",
        _simple(services.application_release, reason="reason"),
        intro=_("The case goes back to the queue as unassigned."),
        secondary=True,
    ),
    ReviewAction(
        "accept",
        _("Accept as complete"),
        _("The application was accepted as complete; the review has started."),
        forms.AcceptForm,
        "accept",
        lambda u, a, d, s: services.application_accept(
            application=a, by=u, no_conflict_declared=True, expected_version=d["version"]
        ),
        intro=_("Accepting confirms the application is complete and assigns the case to you."),
    ),
    ReviewAction(
        "similarity",
        _("Answer whether the case is similar to an approved one"),
        _("Your answer on the similarity was recorded."),
        forms.SimilarityForm,
        "decide_similarity",
        lambda u, a, d, s: services.application_decide_similarity(
            application=a,
            by=u,
            decision=d["decision"],
            reason=d["reason"],
            expected_version=d["version"],
        ),
        intro=_(
            "The applicant cites an approved waiver as substantially the same service. If you "
            "confirm, the shorter deadline of the fast review applies; if not, the normal one."
        ),
    ),
    ReviewAction(
        "supplement",
        _("Request a supplement"),
        _("The supplement request was sent; the statutory clock is paused."),
        forms.SupplementRequestForm,
        "request_supplement",
        lambda u, a, d, s: services.application_request_supplement(
            application=a,
            by=u,
            deficiencies=forms.lines(d["deficiencies"]),
            expected_version=d["version"],
        ),
    ),
    ReviewAction(
        "consult",
        _("Request opinions from ministries"),
        _("The opinion requests were sent."),
        forms.ConsultationRequestForm,
        "request_consultation",
        _consult,
    ),
    ReviewAction(
        "opinion",
        _("Give your ministry's opinion"),
        _("Your ministry's opinion was recorded."),
        forms.ConsultationAnswerForm,
        "answer_consultation",
        _answer_consultation,
    ),
    ReviewAction(
        "confirmation",
        _("Answer the confirmation request"),
        _("The answer was recorded."),
        forms.ConfirmationAnswerForm,
        "answer_confirmation",
        lambda u, a, d, s: services.application_answer_confirmation(
            application=a,
            by=u,
            outcome=d["outcome"],
            permits=d["permits"],
            competent_authority=d["competent_authority"],
            reasons=d["reasons"],
            expected_version=d["version"],
        ),
    ),
    ReviewAction(
        "recommend",
        _("Recommend to the committee"),
        _("The recommendation was recorded; the case is in deliberation."),
        forms.RecommendForm,
        "recommend",
        _recommend,
    ),
    ReviewAction(
        "approve",
        _("Approve"),
        _("The application was approved."),
        forms.ApproveForm,
        "approve",
        _approve,
    ),
    ReviewAction(
        "reject",
        _("Reject"),
        _("The application was rejected."),
        forms.RejectForm,
        "reject",
        _simple(
            services.application_reject,
            reasons="reasons",
            committee_reference="committee_reference",
        ),
        danger=True,
    ),
    ReviewAction(
        "remand",
        _("Send back for review"),
        _("The case was sent back to the case officer."),
        forms.ReasonForm,
        "remand",
        _simple(services.application_remand, reason="reason"),
        secondary=True,
    ),
    ReviewAction(
        "activate",
        _("Activate the waiver"),
        _("The waiver is active."),
        forms.ConfirmForm,
        "activate",
        _simple(services.application_activate),
        intro=_(
            "Activation starts the term. Where the track requires it, insurance must cover it."
        ),
    ),
    ReviewAction(
        "extension",
        _("Decide the extension request"),
        _("The extension request was decided."),
        forms.RequestDecisionForm,
        "decide_extension",
        _decide_extension,
    ),
    ReviewAction(
        "law-amendment",
        _("Decide the law-amendment request"),
        _("The law-amendment request was decided."),
        forms.RequestDecisionForm,
        "decide_law_amendment",
        _decide_law_amendment,
    ),
    ReviewAction(
        "regularize",
        _("Record the amended law in force"),
        _("The case was regularized."),
        forms.ReasonForm,
        "regularize",
        _simple(services.application_regularize, reason="reason"),
    ),
)
BY_SLUG = {action.slug: action for action in ACTIONS}


def available_actions(user: Any, app: Application, facts: CaseFacts) -> list[ReviewAction]:
    """Exactly the actions this user may take on this case now."""
    if app.status == S.DRAFT:
        return []
    names = availability.open_actions(user, app, facts)
    return [action for action in ACTIONS if action.action in names]


def form_kwargs(action: ReviewAction, user: Any, app: Application) -> dict[str, Any]:
    """Choices that depend on the case or the user."""
    if action.slug == "assign":
        return {"officers": officers_of_ministry(user=user)}
    if action.slug == "consult":
        return {"ministries": Ministry.objects.exclude(pk=app.program.lead_ministry_id)}
    return {}


def initial_values(action: ReviewAction, app: Application, state: CaseFacts) -> dict[str, Any]:
    """Sensible starting values: the decision form starts from the recommendation."""
    rec = state.recommendation
    if action.slug == "recommend":
        return {"proposed_term_days": app.requested_term_days, "legal_basis": app.track.legal_basis}
    if action.slug == "approve" and rec is not None:
        start = app.program.local_date(timezone.now())
        days = rec.proposed_term_days or app.requested_term_days or app.track.max_term_days
        return {
            "term_start": start,
            "term_end": start + dt.timedelta(days=days),
            "conditions": "\n".join(rec.proposed_conditions or []),
            "legal_basis": rec.legal_basis or app.track.legal_basis,
        }
    return {}
