"""Reads of the due-process procedure, and the kernel's procedure guard.

``procedure_guard`` is subscribed to the kernel's ``suspend`` and ``revoke`` transitions
(``effects.on_transition_guard``): whatever page or service asks, the measure is taken only
when a prior notice for it is ready (its opinion is in, or its opinion deadline has passed) or,
for a suspension, an urgent measure with its ground is being recorded in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from applications.models import Application
from applications.selectors import programme_days, programme_zones
from applications.visibility import can_view_application
from applications.workflow import ApplicationStatus as S
from core.errors import NotVisible, WrongState
from core.queries import pk_among
from sanctions.models import (
    Hearing,
    Measure,
    NoticeStatus,
    PriorNotice,
    ResumptionRequest,
    ResumptionStatus,
    Suspension,
    SuspensionStatus,
    UrgentMeasure,
)
from supervision.models import ConditionRecord, ConditionStatus, Incident, Report, ReportStatus

SANCTIONABLE_STATUSES = (S.ACTIVE, S.SUSPENDED, S.CONTINUING)
MEASURE_OF_TRANSITION = {"suspend": Measure.SUSPEND, "revoke": Measure.REVOKE}


def today_of(app: Application, now: dt.datetime | None = None) -> dt.date:
    return app.program.local_date(now or timezone.now())


def has_opinion(notice: PriorNotice) -> bool:
    try:
        notice.opinion  # noqa: B018  (the reverse one-to-one raises when there is none)
    except PriorNotice.opinion.RelatedObjectDoesNotExist:
        return False
    return True


def notice_ready(notice: PriorNotice, *, today: dt.date) -> bool:
    """Only after the opinion or after the opinion deadline may the measure be taken."""
    return notice.is_open and (has_opinion(notice) or today > notice.opinion_due)


def open_notices(app: Application) -> QuerySet[PriorNotice]:
    return PriorNotice.objects.filter(application=app, status=NoticeStatus.OPEN).select_related(
        "opinion"
    )


def ready_notice(app: Application, measure: str, *, today: dt.date) -> PriorNotice | None:
    for notice in open_notices(app).filter(measure=measure).order_by("number"):
        if notice_ready(notice, today=today):
            return notice
    return None


def procedure_problem(app: Application, measure: str, *, today: dt.date) -> str | None:
    """Why ``measure`` may not be taken on ``app`` today, or None when the procedure is done."""
    if (
        measure == Measure.SUSPEND
        and UrgentMeasure.objects.filter(application=app, decision__isnull=True).exists()
    ):
        return None
    if ready_notice(app, measure, today=today) is not None:
        return None
    waiting = open_notices(app).filter(measure=measure).order_by("opinion_due").first()
    if waiting is not None:
        return _(
            "The company may give its opinion on prior notice %(number)s until %(date)s: the "
            "measure can be taken after that date, or once the opinion is in."
        ) % {
            "number": waiting.number,
            "date": formats.date_format(waiting.opinion_due, "DATE_FORMAT"),
        }
    return _(
        "Send a prior notice of this measure first: the company must be able to give its opinion "
        "before it is taken (only a suspension for danger to life, health or safety may be "
        "urgent)."
    )


def procedure_guard(*, application: Application, arguments: dict[str, Any], name: str) -> None:
    measure = MEASURE_OF_TRANSITION[name]
    problem = procedure_problem(application, measure, today=today_of(application))
    if problem:
        raise WrongState(problem)


def suspend_guard(*, application: Application, arguments: dict[str, Any]) -> None:
    procedure_guard(application=application, arguments=arguments, name="suspend")


def revoke_guard(*, application: Application, arguments: dict[str, Any]) -> None:
    procedure_guard(application=application, arguments=arguments, name="revoke")


# --- reads for pages --------------------------------------------------------------------------------


def notice_get_for(*, user: Any, application: Application, number: int) -> PriorNotice:
    """One prior notice of a case the user may see (404 otherwise)."""
    if not can_view_application(user, application):
        raise NotVisible(_("No such application."))
    notice = (
        PriorNotice.objects.filter(application=application, number=number)
        .select_related("opinion", "follows")
        .first()
    )
    if notice is None:
        raise NotVisible(_("No such prior notice."))
    return notice


def hearing_get(notice: PriorNotice, pk: int) -> Hearing:
    hearing = notice.hearings.filter(pk=pk).first()
    if hearing is None:
        raise NotVisible(_("No such hearing."))
    return hearing


def suspension_in_force(app: Application) -> Suspension | None:
    return Suspension.objects.filter(application=app, status=SuspensionStatus.IN_FORCE).first()


def pending_resumption(suspension: Suspension | None) -> ResumptionRequest | None:
    if suspension is None:
        return None
    return suspension.resumption_requests.filter(status=ResumptionStatus.PENDING).first()


def urgent_awaiting_notice(app: Application) -> UrgentMeasure | None:
    """An urgent suspension still in force whose prior notice has not been sent yet."""
    return (
        UrgentMeasure.objects.filter(
            application=app,
            decision__isnull=False,
            notices__isnull=True,
            suspensions__status=SuspensionStatus.IN_FORCE,
        )
        .order_by("-taken_at")
        .first()
    )


def grounds_choices(app: Application) -> dict[str, QuerySet[Any]]:
    """The supervision records a notice may cite: incidents, breached (or open) conditions and
    overdue reports."""
    return {
        "incidents": Incident.objects.filter(application=app).order_by("number"),
        "conditions": ConditionRecord.objects.filter(application=app).order_by("number"),
        "reports": Report.objects.filter(
            application=app, status=ReportStatus.DUE, overdue_at__isnull=False
        ).order_by("due_on"),
    }


BREACHED = ConditionStatus.BREACHED


@dataclass
class Panel:
    """What the case pages show of the procedure."""

    notices: list[PriorNotice] = field(default_factory=list)
    suspension: Suspension | None = None
    pending_request: ResumptionRequest | None = None
    urgent_awaiting: UrgentMeasure | None = None
    open_actions: frozenset[str] = frozenset()
    ready: dict[int, bool] = field(default_factory=dict)


def panel_for(*, user: Any, application: Application, open_actions: frozenset[str]) -> Panel:
    notices = list(
        PriorNotice.objects.filter(application=application)
        .select_related("opinion", "follows")
        .prefetch_related("hearings", "incidents", "conditions", "reports")
        .order_by("-number")
    )
    today = today_of(application)
    suspension = suspension_in_force(application)
    return Panel(
        notices=notices,
        suspension=suspension,
        pending_request=pending_resumption(suspension),
        urgent_awaiting=urgent_awaiting_notice(application),
        open_actions=open_actions,
        ready={n.pk: notice_ready(n, today=today) for n in notices},
    )


def suspensions_awaiting_decision() -> QuerySet[Suspension]:
    """The decision maker's queue: suspensions in force whose period ended without a cure, or
    with a resumption request waiting."""
    pending = ResumptionRequest.objects.filter(
        suspension=OuterRef("pk"), status=ResumptionStatus.PENDING
    )
    return (
        Suspension.objects.filter(status=SuspensionStatus.IN_FORCE, application__status=S.SUSPENDED)
        .filter(Q(period_ended_at__isnull=False) | Exists(pending))
        .select_related("application", "application__program")
    )


def awaiting_decision_q(today: Mapping[int, dt.date] | None = None) -> Q:
    """For the decision maker's queue, cases the procedure waits on them for: a suspension whose
    period ended without a cure or with a resumption request, a notice whose measure may now be
    taken (opinion in, or its deadline passed in the programme's zone), an urgent suspension
    whose notice is not yet sent. ``today``: each programme's current date in its zone (by
    programme id) when the caller already read the programmes; read here otherwise."""
    suspensions = suspensions_awaiting_decision().values("application_id")
    if today is None:
        today = programme_days(programme_zones())
    ready = Q(pk__in=[])
    for program_id, date in today.items():
        ready |= Q(application__program_id=program_id, opinion_due__lt=date)
    notices = (
        PriorNotice.objects.filter(status=NoticeStatus.OPEN)
        .filter(ready | Q(opinion__isnull=False))
        .values("application_id")
    )
    urgent = UrgentMeasure.objects.filter(
        decision__isnull=False,
        notices__isnull=True,
        suspensions__status=SuspensionStatus.IN_FORCE,
    ).values("application_id")
    return Q(status__in=SANCTIONABLE_STATUSES) & (
        pk_among(suspensions, model=Application)
        | pk_among(notices, model=Application)
        | pk_among(urgent, model=Application)
    )
