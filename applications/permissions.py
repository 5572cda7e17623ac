"""Who may do what to which case: one ``can_<verb>_<noun>(user, obj)`` predicate per action.

HTML views, the API and the services all ask these. Transitions declare theirs through
``as_fsm`` so ``has_transition_perm`` gives the same answer as the service. An account that
holds staff powers and an organisation's membership at once passes none of them
(separation of duties: ``roles.mixed``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from applications.roles import Role, has_role, ministry_of, mixed, organisations_of
from applications.vocabulary import AuditAction
from applications.workflow import OPEN_FOR_OFFICER

if TYPE_CHECKING:
    from applications.models import Application, Consultation

Predicate = Callable[[Any, Any], bool]


def as_fsm(predicate: Predicate) -> Callable[[Any, Any], bool]:
    """django-fsm calls ``permission(instance, user)``; our predicates take ``(user, obj)``."""

    def permission(instance: Any, user: Any) -> bool:
        return predicate(user, instance)

    permission.__name__ = predicate.__name__
    return permission


def _is_member(user: Any, application: Application) -> bool:
    return application.organization_id in organisations_of(user)


def _works_for_lead_ministry(user: Any, application: Application) -> bool:
    ministry = ministry_of(user)
    return ministry is not None and ministry.pk == application.program.lead_ministry_id


def _made_the_recommendation(user: Any, application: Application) -> bool:
    latest = application.recommendations.order_by("-created_at", "-id").first()
    return latest is not None and latest.officer_id == user.pk


# --- applicant actions -------------------------------------------------------------------


def can_act_for_applicant(user: Any, application: Application) -> bool:
    """Members of the applying organisation act for it (edit, submit, answer, withdraw, …);
    never an account that also holds staff powers (separation of duties, ``roles.mixed``)."""
    return (
        getattr(user, "is_authenticated", False)
        and has_role(user, Role.APPLICANT)
        and _is_member(user, application)
        and not mixed(user)
    )


can_submit_application = can_act_for_applicant
can_answer_supplement = can_act_for_applicant
can_request_extension = can_act_for_applicant
can_request_law_amendment = can_act_for_applicant
can_add_insurance_proof = can_act_for_applicant


# --- ministry actions --------------------------------------------------------------------


def declared_conflict(user: Any, application: Application) -> bool:
    """Whether the user recorded a conflict of interest in the case (an audit event; it bars
    them from the officer's work on it for good). Read once per case object."""
    if application.pk is None or user is None or user.pk is None:
        return False
    cached = application.__dict__.get(CONFLICTS_CACHE)
    if cached is None:
        cached = frozenset(
            application.events.filter(action=AuditAction.CONFLICT_DECLARED).values_list(
                "actor_id", flat=True
            )
        )
        application.__dict__[CONFLICTS_CACHE] = cached
    return user.pk in cached


CONFLICTS_CACHE = "_declared_conflicts"


def _lead_officer(user: Any, application: Application) -> bool:
    return (
        has_role(user, Role.CASE_OFFICER)
        and _works_for_lead_ministry(user, application)
        and not mixed(user)
    )


def can_accept_application(user: Any, application: Application) -> bool:
    """Intake belongs to case officers of the programme's lead ministry: not to one who declared
    a conflict of interest, nor to another while a colleague has claimed the case."""
    return (
        _lead_officer(user, application)
        and application.assigned_officer_id in (None, user.pk)
        and not declared_conflict(user, application)
    )


def can_decide_similarity(user: Any, application: Application) -> bool:
    """Whether a case is substantially the same as an approved waiver is intake's judgement:
    the lead ministry's officers who may accept it."""
    return can_accept_application(user, application)


def can_request_supplement(user: Any, application: Application) -> bool:
    """At intake any (unconflicted) officer of the lead ministry; once under review only the
    assigned one."""
    return can_accept_application(user, application)


def can_review_application(user: Any, application: Application) -> bool:
    """Review work (consultations, answers, recommendations) is the assigned officer's."""
    return can_accept_application(user, application) and application.assigned_officer_id == user.pk


can_request_consultation = can_review_application


def can_activate_application(user: Any, application: Application) -> bool:
    """Any case officer of the lead ministry starts the term once its conditions are met."""
    return _lead_officer(user, application)


def can_decide_application(user: Any, application: Application) -> bool:
    """Decision makers of the lead ministry, never the one who recommended (four-eyes)."""
    return (
        has_role(user, Role.DECISION_MAKER)
        and _works_for_lead_ministry(user, application)
        and not _made_the_recommendation(user, application)
        and not mixed(user)
    )


can_decide_in_force = can_decide_application


def can_answer_consultation(user: Any, consultation: Consultation) -> bool:
    """Consultees answer opinion requests addressed to their own ministry."""
    ministry = ministry_of(user)
    return (
        has_role(user, Role.CONSULTEE)
        and ministry is not None
        and ministry.pk == consultation.ministry_id
        and not mixed(user)
    )


def system_only(user: Any, application: Application) -> bool:
    """Deadline actions belong to the scheduler; no person may take them."""
    return False


# --- review workspace: taking and handing over cases ----------------------------------------


def can_claim_application(user: Any, application: Application) -> bool:
    """A case officer of the lead ministry takes an open case nobody is working on."""
    return (
        can_accept_application(user, application)
        and application.status in OPEN_FOR_OFFICER
        and application.assigned_officer_id is None
    )


def can_assign_application(user: Any, application: Application) -> bool:
    """Lead-ministry officers hand an unassigned case, or their own, to a colleague."""
    return (
        can_accept_application(user, application)
        and application.status in OPEN_FOR_OFFICER
        and application.assigned_officer_id in (None, user.pk)
    )


def can_release_application(user: Any, application: Application) -> bool:
    """The assigned officer gives the case back to the pool."""
    return (
        can_accept_application(user, application)
        and application.status in OPEN_FOR_OFFICER
        and application.assigned_officer_id == user.pk
    )


def can_declare_conflict(user: Any, application: Application) -> bool:
    """Any case officer of the lead ministry may record a conflict of interest in a case."""
    return _lead_officer(user, application)
