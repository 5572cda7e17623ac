"""Who may do what with a committee's meetings: one ``can_<verb>_<noun>(user, obj)`` predicate
per action, read by the pages, the API and the services alike (``availability.py`` adds the
meeting's status).

- The secretariat (role ``committee_secretary``, staff of the programme's lead ministry) plans
  meetings, builds and sends the agenda, records attendance and results.
- Members (a seat in office on the meeting's day) read the papers and declare conflicts; the
  chair (or the vice-chair presiding when the chair was absent) approves the minutes.
- Decision makers of the lead ministry read the meetings and issue their decisions.
- Auditors read everything. Everyone else sees nothing: another programme's meeting is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from applications.roles import Role, has_role, ministry_of
from committees.models import Attendance, Committee, Meeting, Seat, SeatRole
from committees.rules import start_of_day


def _reads_everything(user: Any) -> bool:
    return bool(user.is_superuser or has_role(user, Role.AUDITOR))


def _lead_ministry_staff(user: Any, committee: Committee, role: str) -> bool:
    ministry = ministry_of(user)
    return (
        has_role(user, role)
        and ministry is not None
        and ministry.pk == committee.program.lead_ministry_id
    )


def is_secretariat(user: Any, committee: Committee) -> bool:
    return _lead_ministry_staff(user, committee, Role.COMMITTEE_SECRETARY)


def is_decider(user: Any, committee: Committee) -> bool:
    return _lead_ministry_staff(user, committee, Role.DECISION_MAKER)


def seat_of(user: Any, meeting: Meeting) -> Seat | None:
    """The user's seat on the meeting's committee, in office on the day of the meeting."""
    if not getattr(user, "is_authenticated", False):
        return None
    day = meeting.local_date
    return (
        Seat.objects.filter(committee_id=meeting.committee_id, user=user, term_start__lte=day)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=day))
        .order_by("pk")
        .first()
    )


def meeting_scope(user: Any) -> Q:
    """The meetings the user may read, as a filter: every meeting for auditors; the meetings of
    their ministry's programmes for the secretariat and decision makers; for members, the
    meetings held while they sat on the committee."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if _reads_everything(user):
        return Q()
    condition = Q(pk__in=[])
    ministry = ministry_of(user)
    if ministry is not None and (
        has_role(user, Role.COMMITTEE_SECRETARY) or has_role(user, Role.DECISION_MAKER)
    ):
        condition |= Q(committee__program__lead_ministry_id=ministry.pk)
    for seat in Seat.objects.filter(user=user).select_related("committee__program"):
        tz = seat.committee.program.tz
        window = Q(committee_id=seat.committee_id, starts_at__gte=start_of_day(seat.term_start, tz))
        if seat.term_end is not None:
            day_after = seat.term_end + dt.timedelta(days=1)
            window &= Q(starts_at__lt=start_of_day(day_after, tz))
        condition |= window
    return condition


def can_view_meeting(user: Any, meeting: Meeting) -> bool:
    """Whether the user may read the meeting at all (pages, papers, API); one definition with
    ``meeting_scope``."""
    return Meeting.objects.filter(meeting_scope(user), pk=meeting.pk).exists()


def can_view_committee(user: Any, committee: Committee) -> bool:
    return (
        _reads_everything(user)
        or is_secretariat(user, committee)
        or is_decider(user, committee)
        or Seat.objects.filter(committee=committee, user=user).exists()
    )


def can_plan_meeting(user: Any, committee: Committee) -> bool:
    """The secretariat plans its programme's committee meetings."""
    return committee.is_active and is_secretariat(user, committee)


def can_manage_meeting(user: Any, meeting: Meeting) -> bool:
    """The secretariat builds the agenda, sends papers, records attendance and results."""
    return is_secretariat(user, meeting.committee)


def can_declare_recusal(user: Any, meeting: Meeting) -> bool:
    """Members in office on the day declare conflicts of interest in the meeting's items."""
    return seat_of(user, meeting) is not None


def can_approve_minutes(user: Any, meeting: Meeting) -> bool:
    """The chair approves the minutes; when the chair was absent, the vice-chair who presided."""
    seat = seat_of(user, meeting)
    if seat is None:
        return False
    if seat.role == SeatRole.CHAIR:
        return True
    if seat.role != SeatRole.VICE_CHAIR:
        return False
    chair_absent = not Attendance.objects.filter(
        meeting=meeting, seat__role=SeatRole.CHAIR, present=True
    ).exists()
    return chair_absent


def can_issue_decisions(user: Any, meeting: Meeting) -> bool:
    """Decision makers of the programme's lead ministry issue the meeting's decisions (the
    kernel still refuses one on a case they recommended)."""
    return is_decider(user, meeting.committee)
