"""Reads of committees: the meetings a person may see, their agendas with everything a page or
a paper shows preloaded, the cases waiting for an agenda, and the two rules the case kernel asks
through its hooks (which cases still wait for an agenda; whether a decision may cite no
meeting)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from applications.models import Application, Consultation, Recommendation
from applications.workflow import ApplicationStatus as S
from committees import permissions as perms
from committees.models import (
    DECIDING_RESULTS,
    AgendaItem,
    Attendance,
    Committee,
    Meeting,
    MeetingStatus,
    Recusal,
    Result,
    Seat,
    Vote,
)
from committees.rules import quorum_required
from core.errors import NotVisible

# --- meetings ---------------------------------------------------------------------------------


def meetings_visible_to(*, user: Any) -> QuerySet[Meeting]:
    """Every meeting the user may read, newest first."""
    return (
        Meeting.objects.filter(perms.meeting_scope(user))
        .select_related("committee__program__lead_ministry")
        .order_by("-starts_at", "-id")
    )


def meeting_get_for(*, user: Any, pk: int) -> Meeting:
    """One meeting, or ``NotVisible`` when it does not exist for this user."""
    meeting = meetings_visible_to(user=user).filter(pk=pk).first()
    if meeting is None:
        raise NotVisible(_("No such meeting."))
    return meeting


def item_get_for(*, user: Any, pk: int) -> AgendaItem:
    """One agenda item of a meeting the user may read, or ``NotVisible``."""
    item = (
        AgendaItem.objects.select_related(
            "meeting__committee__program", "application__organization", "application__track"
        )
        .filter(pk=pk, meeting__in=meetings_visible_to(user=user))
        .first()
    )
    if item is None:
        raise NotVisible(_("No such agenda item."))
    return item


def committees_planned_by(*, user: Any) -> list[Committee]:
    """The active committees whose meetings the user may plan (the secretariat's)."""
    committees = Committee.objects.filter(is_active=True).select_related("program")
    return [c for c in committees if perms.can_plan_meeting(user, c)]


def next_meeting_number(committee: Committee) -> int:
    last = committee.meetings.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


# --- members and attendance -----------------------------------------------------------------


def seats_in_office(committee: Committee, day: dt.date) -> list[Seat]:
    """The committee's members on ``day``: chair first, then vice-chairs, members, ministry
    representatives."""
    order = {"chair": 0, "vice_chair": 1, "member": 2, "ministry_representative": 3}
    seats = (
        Seat.objects.filter(committee=committee, term_start__lte=day)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=day))
        .select_related("user")
    )
    return sorted(seats, key=lambda s: (order.get(s.role, 9), s.display_name, s.pk))


def quorum_of(meeting: Meeting) -> int:
    """Members who must be present, as the committee's rule gives it for the meeting's day."""
    in_office = len(seats_in_office(meeting.committee, meeting.local_date))
    return quorum_required(configured=meeting.committee.quorum, in_office=in_office)


def present_seat_ids(meeting: Meeting) -> set[int]:
    return set(
        Attendance.objects.filter(meeting=meeting, present=True).values_list("seat_id", flat=True)
    )


# --- the agenda -------------------------------------------------------------------------------


def agenda_of(meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's items in order, with the case, its latest recommendation, its opinions,
    recusals and votes preloaded (a fixed number of queries whatever the agenda's length)."""
    return (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related(
            "application__organization",
            "application__track",
            "application__program",
            "decision",
            "carried_from__meeting",
        )
        .prefetch_related(
            Prefetch(
                "application__recommendations",
                queryset=Recommendation.objects.order_by("-created_at", "-id"),
            ),
            Prefetch(
                "application__consultations",
                queryset=Consultation.objects.select_related("ministry").order_by(
                    "requested_at", "id"
                ),
            ),
            "application__regulations",
            Prefetch("recusals", queryset=Recusal.objects.select_related("seat__user")),
            Prefetch("votes", queryset=Vote.objects.select_related("seat__user")),
        )
        .order_by("position", "id")
    )


def latest_recommendation(application: Application) -> Recommendation | None:
    """The latest recommendation, from the preloaded ones when there are."""
    items = list(application.recommendations.all())
    return items[0] if items else None


@dataclass(frozen=True)
class Waiting:
    """A case in deliberation that is on no agenda now, with what the secretariat needs to
    order its work: the agenda deadline, and the meeting that deferred it (if one did)."""

    application: Application
    deferred_at: Meeting | None


def waiting_for_agenda(committee: Committee) -> list[Waiting]:
    """Cases of the committee's programme in deliberation and on no agenda: those deferred by
    an earlier meeting first, then by agenda deadline (earliest first)."""
    cases = (
        Application.objects.filter(program_id=committee.program_id, status=S.DELIBERATION)
        .exclude(Exists(AgendaItem.objects.filter(application=OuterRef("pk"), current=True)))
        .select_related("organization", "track", "program")
        .order_by("due_at", "pk")
    )
    last_deferrals = {
        item.application_id: item.meeting
        for item in AgendaItem.objects.filter(
            application__in=cases, result=Result.DEFER, meeting__committee=committee
        )
        .select_related("meeting__committee__program")
        .order_by("meeting__starts_at", "pk")
    }
    waiting = [Waiting(app, last_deferrals.get(app.pk)) for app in cases]
    return sorted(waiting, key=lambda w: w.deferred_at is None)  # stable: deadline order kept


def deferred_waiting(committee: Committee) -> list[Waiting]:
    """Cases an earlier meeting deferred that are on no agenda yet (they return to the next)."""
    return [w for w in waiting_for_agenda(committee) if w.deferred_at is not None]


def undecided_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    """Items whose result decides the case and whose decision is not issued yet."""
    return AgendaItem.objects.filter(
        meeting=meeting, result__in=DECIDING_RESULTS, decision__isnull=True, dropped_at__isnull=True
    )


def unresolved_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    """Items still without a result (the minutes wait for them)."""
    return AgendaItem.objects.filter(meeting=meeting, dropped_at__isnull=True, result="")


def next_planned_meeting(meeting: Meeting) -> Meeting | None:
    """The committee's next meeting whose agenda is still open (deferred items go there)."""
    return (
        Meeting.objects.filter(
            committee_id=meeting.committee_id,
            status=MeetingStatus.PLANNED,
            starts_at__gt=meeting.starts_at,
        )
        .order_by("starts_at", "pk")
        .first()
    )


# --- what the case kernel asks through its hooks ----------------------------------------------


def _meets_in_the_system(program_ref: Any) -> Exists:
    return Exists(Committee.objects.filter(program_id=program_ref, is_active=True))


def awaiting_agenda() -> Q:
    """Deliberation cases of a programme whose committee meets here that are on no meeting's
    agenda held by their agenda deadline (``due_at``). Registered with the deadline sweep: the
    90-day rule counts against real meetings."""
    placed_in_time = AgendaItem.objects.filter(
        application=OuterRef("pk"),
        dropped_at__isnull=True,
        meeting__starts_at__lte=OuterRef("due_at"),
    )
    return Q(_meets_in_the_system(OuterRef("program_id"))) & ~Q(Exists(placed_in_time))


def decision_through_meetings_problems(
    *, application: Application, meeting_at: dt.datetime | None
) -> dict[str, str]:
    """Where the programme's committee meets in the system, an approval or rejection must come
    from one of its meetings: the case was on the agenda of a meeting held at ``meeting_at``,
    with a deciding result in approved minutes. Free-text references stay for programmes
    without a committee here. (Subscribed to the kernel's decision check.)"""
    if not Committee.objects.filter(program_id=application.program_id, is_active=True).exists():
        return {}
    decided_there = (
        meeting_at is not None
        and AgendaItem.objects.filter(
            application=application,
            meeting__starts_at=meeting_at,
            meeting__status=MeetingStatus.MINUTES_APPROVED,
            result__in=DECIDING_RESULTS,
            dropped_at__isnull=True,
        ).exists()
    )
    if decided_there:
        return {}
    return {
        "committee_reference": _(
            "This programme's committee decides in its meetings here: put the case on a "
            "meeting's agenda, record the result, and issue the decision from the meeting once "
            "its minutes are approved."
        )
    }
