"""Which supervision actions are open on a case now: one answer for the portal's and the
workspace's pages and for the services (as ``applications/availability.py`` is for the
kernel's actions). What a single record decides (a report already accepted, an incident
closed) the services check with their own messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.workflow import TERM_RUNNING
from applications.workflow import ApplicationStatus as S
from core.errors import NotPermitted, WrongState
from supervision import permissions as perms

# The term runs (or is about to): periodic reports, incidents and notices are filed now.
RUNNING = frozenset(TERM_RUNNING)
# Reports still owed (the final report, a last quarter's) are filed once the term is over.
AFTER_THE_TERM = frozenset({S.EXPIRED, S.REVOKED, S.REGULARIZED})
SUPERVISED = RUNNING | AFTER_THE_TERM


@dataclass(frozen=True)
class SupervisionAction:
    name: str
    statuses: frozenset[str]
    permission: Callable[[Any, Any], bool]
    closed: Promise

    def open_to(self, user: Any, app: Application) -> bool:
        return app.status in self.statuses and self.permission(user, app)

    def require(self, user: Any, app: Application) -> None:
        """For services, in their order of checks: status (409) before permission (403)."""
        if app.status not in self.statuses:
            raise WrongState(str(self.closed))
        if not self.permission(user, app):
            raise NotPermitted(str(_("You are not allowed to do this on this case.")))


ACTIONS: dict[str, SupervisionAction] = {
    a.name: a
    for a in (
        # --- the company -------------------------------------------------------------------
        SupervisionAction(
            "file_report",
            SUPERVISED,
            perms.can_file_report,
            _("Reports are filed while the waiver runs, and those still owed after it ends."),
        ),
        SupervisionAction(
            "report_incident",
            RUNNING,
            perms.can_report_incident,
            _("Incidents are reported while the waiver is in force."),
        ),
        SupervisionAction(
            "answer_incident_question",
            SUPERVISED,
            perms.can_answer_incident_question,
            _("This case is not under supervision."),
        ),
        SupervisionAction(
            "file_user_notice",
            RUNNING,
            perms.can_file_user_notice,
            _("User notice evidence is filed while the waiver is in force."),
        ),
        # --- the lead ministry ---------------------------------------------------------------
        SupervisionAction(
            "review_report",
            SUPERVISED,
            perms.can_review_report,
            _("This case is not under supervision."),
        ),
        SupervisionAction(
            "handle_incident",
            SUPERVISED,
            perms.can_handle_incident,
            _("This case is not under supervision."),
        ),
        SupervisionAction(
            "review_insurance_policy",
            RUNNING,
            perms.can_review_insurance_policy,
            _("Insurance is reviewed while the waiver is in force."),
        ),
        SupervisionAction(
            "review_user_notice",
            RUNNING,
            perms.can_review_user_notice,
            _("User notices are reviewed while the waiver is in force."),
        ),
        SupervisionAction(
            "update_condition",
            SUPERVISED,
            perms.can_update_condition,
            _("This case is not under supervision."),
        ),
    )
}


def is_open(name: str, user: Any, app: Application) -> bool:
    return ACTIONS[name].open_to(user, app)


def open_actions(user: Any, app: Application) -> frozenset[str]:
    """The names of every supervision action this user may take on this case now."""
    return frozenset(name for name, action in ACTIONS.items() if action.open_to(user, app))


def require_open(name: str, user: Any, app: Application) -> None:
    ACTIONS[name].require(user, app)
