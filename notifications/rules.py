"""Who is told what, and how it reads.

| Event | Who | Kind |
|---|---|---|
| opinions requested (``consultation_requested``) | the consultees of each ministry asked | opinion requested |
| a pending opinion request lapses within ``DUE_SOON_DAYS`` (the scheduler) | the consultees of that ministry | opinion due soon |
| the applicant answers a supplement request (``answer_supplement``) | the assigned officer | supplement answered |
| a ministry gives its opinion (``consultation_answered``) | the assigned officer | opinion arrived |
| a report is submitted (``report_submitted``) | the assigned officer | report filed |
| an incident is reported (``incident_reported``) | the assigned officer (in the inbox only when serious: supervision emails those at once) | incident reported |
| a recommendation, an extension or law-amendment request waits for a decision | the decision makers of the lead ministry | a decision waits |
| the case enters deliberation | the committee secretariat of the lead ministry | case in deliberation |
| the company gives its opinion on a prior notice (``opinion_submitted``) | the decision makers of the lead ministry | opinion on a prior notice |
| the company asks for its suspension to be lifted (``resumption_requested``) | the decision makers of the lead ministry | resumption requested |

Nobody is told about what they did themselves; deactivated accounts are told nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from applications.models import Application, AuditEvent, Ministry
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from core.dates import human_date
from notifications.models import NotificationKind as K

# A consultee is reminded this many days before an opinion request lapses.
DUE_SOON_DAYS = 3

# Actions of higher apps, by name (the kernel's vocabulary registers them; a test holds them).
REPORT_SUBMITTED = "report_submitted"
INCIDENT_REPORTED = "incident_reported"
SERIOUS = "serious"  # an incident's severity that supervision emails to the ministry at once
NOTICE_ANSWERED = "opinion_submitted"  # the company's opinion on a prior notice (sanctions)
RESUMPTION_REQUESTED = "resumption_requested"  # a suspended company asks to resume (sanctions)
WATCHED_ACTIONS = (
    "consultation_requested",
    "answer_supplement",
    "consultation_answered",
    REPORT_SUBMITTED,
    INCIDENT_REPORTED,
    "recommend",
    "extension_requested",
    "law_amendment_requested",
    NOTICE_ANSWERED,
    RESUMPTION_REQUESTED,
)


def watches(event: AuditEvent) -> bool:
    """Whether ``event`` may call for a notification (what ``services._watched_events`` reads),
    judged from the event in hand: the events nobody is told of cost no query."""
    return event.application_id is not None and (
        event.action in WATCHED_ACTIONS
        or (event.to_status == S.DELIBERATION and event.from_status != S.DELIBERATION)
    )


# How each kind reads, in the reader's language: %(reference)s, %(title)s, %(due)s.
SENTENCES = {
    K.OPINION_REQUESTED: _("Your ministry's opinion is requested on %(reference)s %(title)s."),
    K.OPINION_DUE_SOON: _(
        "Your ministry's opinion on %(reference)s %(title)s is due on %(due)s; without it the "
        "request lapses."
    ),
    K.SUPPLEMENT_ANSWERED: _("The applicant answered the supplement request on %(reference)s."),
    K.OPINION_ARRIVED: _("A ministry gave its opinion on %(reference)s %(title)s."),
    K.REPORT_FILED: _("A report was submitted on %(reference)s %(title)s."),
    K.INCIDENT_FILED: _("An incident was reported on %(reference)s %(title)s."),
    K.DECISION_WAITS: _("%(reference)s %(title)s waits for a decision."),
    K.DELIBERATION_REACHED: _("%(reference)s %(title)s is in deliberation: put it on an agenda."),
    K.NOTICE_ANSWERED: _(
        "The company gave its opinion on the prior notice on %(reference)s %(title)s: weigh it "
        "before deciding the measure."
    ),
    K.RESUMPTION_REQUESTED: _(
        "The company asks to resume %(reference)s %(title)s with evidence of the cure: decide on "
        "the suspension."
    ),
}


@dataclass
class Notice:
    kind: str
    recipients: list[Any]
    details: dict[str, Any] = field(default_factory=dict)
    # False: in the inbox only, because another channel already emails the same people at
    # once (supervision emails a serious incident to the lead ministry's staff).
    email: bool = True


def sentence(kind: str, application: Application, details: dict[str, Any]) -> str:
    """What a notification says, in the active language."""
    due = details.get("due_on")
    return str(SENTENCES[K(kind)]) % {
        "reference": application.reference,
        "title": application.title,
        "due": human_date(dt.date.fromisoformat(due)) if due else "",
    }


def staff_of(ministry_ids: Iterable[int], role: str) -> QuerySet[Any]:
    return _active_staff(ministry_ids).filter(groups__name=role)


def _active_staff(ministry_ids: Iterable[int]) -> QuerySet[Any]:
    """The active staff of these ministries, whatever their roles."""
    return get_user_model().objects.filter(
        is_active=True, staff_profile__ministry_id__in=list(ministry_ids)
    )


def _officer(app: Application) -> list[Any]:
    officer = app.assigned_officer
    return [officer] if officer is not None and officer.is_active else []


class _LeadStaff:
    """The lead ministry's active staff by role, read in one query the first time a notice
    asks for any of them (a recommendation tells the decision makers and the secretariat)."""

    def __init__(self, ministry_id: int) -> None:
        self.ministry_id = ministry_id
        self.by_role: dict[str, list[Any]] | None = None

    def __call__(self, role: str) -> list[Any]:
        if self.by_role is None:
            self.by_role = {}
            staff = (
                _active_staff([self.ministry_id])
                .annotate(staff_role=F("groups__name"))
                .order_by("pk")
            )
            for user in staff:
                self.by_role.setdefault(user.staff_role, []).append(user)
        return self.by_role.get(role, [])


def notices_for(event: AuditEvent) -> list[Notice]:
    """Who is told about ``event``, and as what (the actor excepted by the caller)."""
    app = event.application
    if app is None:
        return []
    payload = event.payload or {}
    lead = _LeadStaff(app.program.lead_ministry_id)
    notices: list[Notice] = []
    action = event.action
    if action == "consultation_requested":
        codes = [str(code) for code in payload.get("ministries") or []]
        ministries = Ministry.objects.filter(code__in=codes).values_list("pk", flat=True)
        details = {"due_on": _due_on(app, payload.get("due_at"))}
        notices.append(
            Notice(K.OPINION_REQUESTED, list(staff_of(ministries, Role.CONSULTEE)), details)
        )
    elif action == "answer_supplement":
        notices.append(Notice(K.SUPPLEMENT_ANSWERED, _officer(app)))
    elif action == "consultation_answered":
        notices.append(Notice(K.OPINION_ARRIVED, _officer(app)))
    elif action == REPORT_SUBMITTED:
        notices.append(Notice(K.REPORT_FILED, _officer(app)))
    elif action == INCIDENT_REPORTED:
        serious = payload.get("severity") == SERIOUS
        notices.append(Notice(K.INCIDENT_FILED, _officer(app), email=not serious))
    elif action in ("recommend", "extension_requested", "law_amendment_requested"):
        notices.append(Notice(K.DECISION_WAITS, lead(Role.DECISION_MAKER)))
    elif action == NOTICE_ANSWERED:
        notices.append(Notice(K.NOTICE_ANSWERED, lead(Role.DECISION_MAKER)))
    elif action == RESUMPTION_REQUESTED:
        notices.append(Notice(K.RESUMPTION_REQUESTED, lead(Role.DECISION_MAKER)))
    if event.to_status == S.DELIBERATION and event.from_status != S.DELIBERATION:
        notices.append(Notice(K.DELIBERATION_REACHED, lead(Role.COMMITTEE_SECRETARY)))
    return [n for n in notices if n.recipients]


def _due_on(app: Application, due_at: Any) -> str:
    """The day (programme time zone) of an ISO moment in a payload, as an ISO date; ``""``."""
    if not due_at:
        return ""
    moment = due_at if isinstance(due_at, dt.datetime) else dt.datetime.fromisoformat(str(due_at))
    return app.program.local_date(moment).isoformat()
