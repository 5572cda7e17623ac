"""Who may do what in the due-process procedure: one ``can_<verb>_<noun>(user, obj)`` predicate
per action. Pages and the services ask these; ``sanctions/availability.py`` adds when."""

from __future__ import annotations

from typing import Any

from applications import permissions as perms


def _decider(user: Any, application: Any) -> bool:
    """Measures on a waiver are the lead ministry's decision makers' (no conflict declared)."""
    return perms.can_decide_in_force(user, application)


def _member(user: Any, application: Any) -> bool:
    return perms.can_act_for_applicant(user, application)


can_send_prior_notice = _decider
can_schedule_hearing = _decider
can_record_hearing = _decider
can_take_measure = _decider
can_close_prior_notice = _decider
can_suspend_urgently = _decider
can_decide_suspension = _decider
can_convert_waiver = _decider
can_submit_opinion = _member
can_request_resumption = _member
