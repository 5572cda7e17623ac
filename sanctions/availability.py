"""What this user may do in the due-process procedure on this case now: one answer for the case
pages' links, the form pages and the services (which refuse what is not open: a wrong status
is 409, a person without the power 403)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from applications.models import Application
from applications.workflow import ApplicationStatus as S
from core.dates import human_date
from core.errors import NotPermitted, WrongState
from sanctions import permissions as perms
from sanctions import selectors
from sanctions.models import Measure, PriorNotice

NOTICE_STATUSES = frozenset({S.ACTIVE, S.SUSPENDED, S.CONTINUING})
URGENT_STATUSES = frozenset({S.ACTIVE, S.CONTINUING})
SANCTIONABLE = NOTICE_STATUSES


def _refuse(message: str) -> None:
    raise WrongState(message)


def _forbid() -> None:
    raise NotPermitted(_("You are not allowed to do this on this case."))


def require_notice_sendable(user: Any, app: Application) -> None:
    if app.status not in NOTICE_STATUSES:
        _refuse(
            _("A prior notice concerns a waiver in force; this case is %(status)s.")
            % {"status": app.get_status_display()}
        )
    if not perms.can_send_prior_notice(user, app):
        _forbid()
    if selectors.open_notices(app).exists():
        _refuse(_("A prior notice on this case is still open: decide or close it first."))


def require_urgent_open(user: Any, app: Application) -> None:
    if app.status not in URGENT_STATUSES:
        _refuse(
            _("Only an active or continuing waiver can be suspended; this case is %(status)s.")
            % {"status": app.get_status_display()}
        )
    if not perms.can_suspend_urgently(user, app):
        _forbid()


def require_notice_open(notice: PriorNotice) -> None:
    if not notice.is_open:
        _refuse(
            _("Prior notice %(number)s is already closed (%(status)s).")
            % {"number": notice.number, "status": notice.get_status_display()}
        )


def require_measure_open(user: Any, app: Application, notice: PriorNotice) -> None:
    """In the house order: the case's status (409), the power (403), then the notice (open,
    and ready: 409 naming the date)."""
    allowed = (
        SANCTIONABLE
        if notice.measure == Measure.REVOKE
        else (NOTICE_STATUSES if notice.follows_id else URGENT_STATUSES)
    )
    if app.status not in allowed:
        _refuse(
            _("This measure does not apply to a case that is %(status)s.")
            % {"status": app.get_status_display()}
        )
    if not perms.can_take_measure(user, app):
        _forbid()
    require_notice_open(notice)
    if not selectors.notice_ready(notice, today=selectors.today_of(app)):
        problem = selectors.procedure_problem(app, notice.measure, today=selectors.today_of(app))
        _refuse(problem or _("The opinion deadline has not passed."))


def require_notice_step(user: Any, app: Application, notice: PriorNotice, predicate: Any) -> None:
    """A step on a notice (hearing, closing): the case in force (409), the power (403), the
    notice open (409)."""
    if app.status not in SANCTIONABLE:
        _refuse(
            _("A prior notice concerns a waiver in force; this case is %(status)s.")
            % {"status": app.get_status_display()}
        )
    if not predicate(user, app):
        _forbid()
    require_notice_open(notice)


def require_opinion_open(user: Any, app: Application, notice: PriorNotice) -> None:
    require_notice_step(user, app, notice, perms.can_submit_opinion)
    if selectors.has_opinion(notice):
        _refuse(_("The opinion on this prior notice has already been submitted."))
    if selectors.today_of(app) > notice.opinion_due:
        _refuse(
            _("The deadline for the opinion was %(date)s; it can no longer be submitted here.")
            % {"date": human_date(notice.opinion_due)}
        )


def require_suspended(user: Any, app: Application, predicate: Any) -> None:
    if app.status != S.SUSPENDED:
        _refuse(
            _("This case is not suspended (it is %(status)s).")
            % {"status": app.get_status_display()}
        )
    if not predicate(user, app):
        _forbid()


def _passes(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except (WrongState, NotPermitted):
        return False
    return True


def case_actions(user: Any, app: Application) -> frozenset[str]:
    """The procedure's case-level actions open to this user now."""
    names = set()
    if _passes(require_notice_sendable, user, app):
        names.add("send_notice")
    if _passes(require_urgent_open, user, app):
        names.add("urgent_suspend")
    if _passes(require_suspended, user, app, perms.can_decide_suspension):
        names.add("decide_suspension")
    suspension = selectors.suspension_in_force(app) if app.status == S.SUSPENDED else None
    if (
        suspension is not None
        and selectors.pending_resumption(suspension) is None
        and _passes(require_suspended, user, app, perms.can_request_resumption)
    ):
        names.add("request_resumption")
    return frozenset(names)


def notice_actions(user: Any, app: Application, notice: PriorNotice) -> frozenset[str]:
    names = set()
    if _passes(require_opinion_open, user, app, notice):
        names.add("submit_opinion")
    if _passes(require_notice_step, user, app, notice, perms.can_schedule_hearing):
        names.add("schedule_hearing")
        names.add("close_notice")
    if _passes(require_measure_open, user, app, notice):
        names.add("take_measure")
    return frozenset(names)
