"""Sign-in throttling that cannot be turned into a weapon (a django-axes handler).

Five wrong passwords from anywhere used to lock a person (staff included) out for an hour, so
anyone who knew a user name could keep a decision maker out of their desk. Now, within the
cool-off window (``AXES_COOLOFF_TIME``):

- the pair of user name and source (IP address) is locked after ``AXES_FAILURE_LIMIT`` failures:
  the person still signs in from their own machine;
- a source is locked after ``LOGIN_FAILURES_PER_SOURCE`` failures whatever the user names (one
  machine guessing many accounts);
- repeated failures on one user name from many sources only slow it down: after
  ``AXES_FAILURE_LIMIT`` of them each further attempt waits twice as long as the one before, up
  to ``LOGIN_SLOWDOWN_MAX_SECONDS``, and attempts refused while waiting are not counted;
- every failure is kept (axes' access failure log), those refused while locked or waiting too.

A successful sign-in clears only its own pair's failures, so signing in to one's own account
never clears a source's record of guessing others.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_credentials
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone


def _failures(attempts: QuerySet[AccessAttempt]) -> tuple[int, dt.datetime | None]:
    totals = attempts.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    return int(totals["n"] or 0), totals["last"]


def slowdown(failures: int) -> dt.timedelta:
    """How long one user name waits after ``failures`` recent failures from many sources."""
    limit = settings.AXES_FAILURE_LIMIT
    if failures < limit:
        return dt.timedelta(0)
    seconds = min(2 ** (failures - limit), settings.LOGIN_SLOWDOWN_MAX_SECONDS)
    return dt.timedelta(seconds=seconds)


class SandboxLockoutHandler(AxesDatabaseHandler):
    """django-axes with the three rules above (``AXES_HANDLER`` names it)."""

    def locked(self, request: Any, credentials: dict[str, Any] | None) -> bool:
        username = get_client_username(request, credentials)
        source = request.axes_ip_address
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        pair, _ = _failures(recent.filter(username=username, ip_address=source))
        if pair >= settings.AXES_FAILURE_LIMIT:
            return True
        from_source, _ = _failures(recent.filter(ip_address=source))
        if from_source >= settings.LOGIN_FAILURES_PER_SOURCE:
            return True
        if username is None:
            return False
        on_account, last = _failures(recent.filter(username=username))
        wait = slowdown(on_account)
        return bool(wait) and last is not None and timezone.now() < last + wait

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """axes compares this with ``AXES_FAILURE_LIMIT``: the limit when a rule locks."""
        return int(settings.AXES_FAILURE_LIMIT) if self.locked(request, credentials) else 0

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is not None and getattr(request, "axes_locked_out", False):
            # Refused while locked or waiting: not counted, but kept in the failure log.
            AccessFailureLog.objects.create(
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
                http_accept=request.axes_http_accept,
                path_info=request.axes_path_info,
                attempt_time=request.axes_attempt_time,
                locked_out=True,
            )
        super().user_login_failed(sender, credentials, request, **kwargs)

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """After a successful sign-in: the failures of this user name from this source only."""
        username = get_client_username(request, credentials or get_credentials(None))
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return int(count)
