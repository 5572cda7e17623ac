"""What this user may do with this meeting now: one answer, from the meeting's status and the
``can_*`` predicates, read by the meeting page (its buttons and forms) and the services (which
refuse what is not open: wrong status 409, not permitted 403)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from committees import permissions as perms
from committees.models import Meeting
from committees.models import MeetingStatus as M
from core.errors import NotPermitted, WrongState


@dataclass(frozen=True)
class MeetingAction:
    name: str
    statuses: frozenset[str]
    permission: Callable[[Any, Meeting], bool]
    closed: Promise

    def open_to(self, user: Any, meeting: Meeting) -> bool:
        return meeting.status in self.statuses and self.permission(user, meeting)

    def require(self, user: Any, meeting: Meeting) -> None:
        """For services, in their order of checks: wrong status (409) before permission (403)."""
        if meeting.status not in self.statuses:
            raise WrongState(str(self.closed))
        if not self.permission(user, meeting):
            raise NotPermitted(str(_("You are not allowed to do this at this meeting.")))


ACTIONS: dict[str, MeetingAction] = {
    action.name: action
    for action in (
        MeetingAction(
            "edit_agenda",
            frozenset({M.PLANNED}),
            perms.can_manage_meeting,
            _("The agenda can change only until the papers are sent."),
        ),
        MeetingAction(
            "send_papers",
            frozenset({M.PLANNED}),
            perms.can_manage_meeting,
            _("The papers of this meeting have already been sent."),
        ),
        MeetingAction(
            "record_attendance",
            frozenset({M.AGENDA_SENT, M.HELD}),
            perms.can_manage_meeting,
            _("Attendance is recorded after the papers are sent and before the minutes."),
        ),
        MeetingAction(
            "record_results",
            frozenset({M.HELD}),
            perms.can_manage_meeting,
            _("Results are recorded once attendance is recorded, until the minutes are approved."),
        ),
        MeetingAction(
            "declare_recusal",
            frozenset({M.AGENDA_SENT, M.HELD}),
            perms.can_declare_recusal,
            _("Conflicts are declared after the papers are sent and before the minutes."),
        ),
        MeetingAction(
            "approve_minutes",
            frozenset({M.HELD}),
            perms.can_approve_minutes,
            _("The minutes are approved once the meeting is held, and only once."),
        ),
        MeetingAction(
            "issue_decisions",
            frozenset({M.MINUTES_APPROVED}),
            perms.can_issue_decisions,
            _("Decisions are issued once the minutes are approved."),
        ),
    )
}


def open_actions(user: Any, meeting: Meeting) -> frozenset[str]:
    """The names of every action this user may take at this meeting now."""
    return frozenset(name for name, action in ACTIONS.items() if action.open_to(user, meeting))


def require_open(name: str, user: Any, meeting: Meeting) -> None:
    ACTIONS[name].require(user, meeting)
