"""The procedure's deadline, run by the kernel's sweep (``applications.deadlines``): a
suspension whose period ended without a cure goes to the decision maker's queue. Dates are
calendar dates in the programme's time zone: a suspension until 2026-06-30 in Seoul has ended
from 2026-07-01 00:00 KST."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from applications.deadlines import Rule, per_programme
from applications.workflow import ApplicationStatus as S
from sanctions import services
from sanctions.models import Suspension, SuspensionStatus


def due_suspension_ends(*, now: dt.datetime) -> QuerySet[Suspension]:
    """Suspensions in force whose last day has passed, not yet marked."""
    condition = per_programme(lambda program, today: Q(ends_on__lt=today), now, "application__")
    return Suspension.objects.filter(
        status=SuspensionStatus.IN_FORCE,
        period_ended_at__isnull=True,
        application__status=S.SUSPENDED,
    ).filter(condition)


def describe_suspension_end(suspension: Suspension, now: dt.datetime) -> str:
    return (
        f"suspension_end: the suspension ran until {suspension.ends_on} "
        f"({suspension.application.program.time_zone}) and was not lifted"
    )


def _case_of(pk: int) -> int | None:
    return Suspension.objects.filter(pk=pk).values_list("application_id", flat=True).first()


RULES = [
    Rule(
        "suspension_end",
        due_suspension_ends,
        lambda item, now, rule: services.suspension_period_end(suspension=item, now=now, rule=rule),
        describe_suspension_end,
        _case_of,
        ("application__program", "application__track"),
    )
]
