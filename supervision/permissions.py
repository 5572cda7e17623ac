"""Who may do what in supervision: one ``can_<verb>_<noun>(user, obj)`` predicate per action.
Pages, the API and the services ask these; ``supervision/availability.py`` adds when."""

from __future__ import annotations

from typing import Any

from applications import permissions as perms
from applications.roles import Role, has_role, ministry_of


def _member(user: Any, application: Any) -> bool:
    return perms.can_act_for_applicant(user, application)


can_file_report = _member
can_report_incident = _member
can_answer_incident_question = _member
can_file_insurance_policy = perms.can_add_insurance_proof
can_file_user_notice = _member


def can_supervise(user: Any, application: Any) -> bool:
    """Supervision of the term is the work of the lead ministry's case officers, never of one
    who declared a conflict of interest in the case."""
    ministry = ministry_of(user)
    return (
        has_role(user, Role.CASE_OFFICER)
        and ministry is not None
        and ministry.pk == application.program.lead_ministry_id
        and not perms.declared_conflict(user, application)
    )


can_review_report = can_supervise
can_handle_incident = can_supervise
can_review_insurance_policy = can_supervise
can_review_user_notice = can_supervise
can_update_condition = can_supervise
can_cite_incidents = perms.can_decide_in_force
