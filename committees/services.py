"""Every write of committees. Shape, as in the case kernel: one transaction → lock the meeting
row, then the case rows it touches, then agenda items (meeting → case → item, everywhere, so
two writers never wait for each other in a circle) → visibility 404 → version 409 → state 409 → permission 403 →
guards 400 → write → audit event → effects after commit.

Every change to a meeting's agenda, attendance or results moves its ``version`` on, so a form
(or a paper being rendered) made from an older state is refused rather than silently applied.
Papers are rendered before their transaction (``documents.services.paper_issue``), which then
re-checks, under the lock, that the meeting is still the one rendered.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications import services as kernel
from applications import workflow
from applications.audit import audit_record
from applications.models import Application, AuditEvent, Decision
from applications.roles import Role
from applications.visibility import can_view_application
from applications.workflow import ApplicationStatus as S
from committees import availability, papers, selectors
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
    Venue,
    Vote,
    VoteChoice,
)
from committees.rules import majority_problem, meeting_reference
from committees.vocabulary import CommitteeAction
from core.errors import (
    DomainError,
    InvalidInput,
    NotPermitted,
    NotVisible,
    StaleVersion,
    WrongState,
)
from core.mail import send_templated, site_link
from documents.models import Paper
from documents.services import paper_issue

logger = logging.getLogger(__name__)

SECRETARIAT = Role.COMMITTEE_SECRETARY


# --- plumbing -----------------------------------------------------------------------------------


def meeting_row_lock(meeting: Meeting) -> Meeting:
    """The meeting row, locked for this transaction (every write to a meeting starts here)."""
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("committee__program__lead_ministry")
        .get(pk=meeting.pk)
    )


def _require_visible(by: Any, meeting: Meeting) -> None:
    if by is not None and not perms.can_view_meeting(by, meeting):
        raise NotVisible(_("No such meeting."))


def _require_version(meeting: Meeting, expected_version: int | None) -> None:
    if expected_version is not None and meeting.version != expected_version:
        raise StaleVersion(
            _(
                "This meeting changed since you opened it (it is now %(status)s). Reload the "
                "page to see the changes, then try again."
            )
            % {"status": meeting.get_status_display()}
        )


def _open(name: str, meeting: Meeting, by: Any, expected_version: int | None = None) -> Meeting:
    """Lock the meeting and run the checks every meeting write starts with."""
    locked = meeting_row_lock(meeting)
    _require_visible(by, locked)
    _require_version(locked, expected_version)
    availability.require_open(name, by, locked)
    return locked


def _touch(meeting: Meeting, *fields: str) -> None:
    meeting.version += 1
    meeting.save(update_fields=["version", *fields])


def _meeting_payload(meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting": meeting.pk,
        "committee": meeting.committee_id,
        "number": meeting.number,
        "starts_at": meeting.starts_at,
    }


def _meeting_event(meeting: Meeting, by: Any, role: str, action: str, **payload: Any) -> None:
    """An event about the whole meeting (it belongs to no case)."""
    audit_record(
        application=None,
        actor=by,
        actor_role=role,
        action=action,
        payload={**_meeting_payload(meeting), **payload},
    )


def _case_event(
    app: Application, meeting: Meeting, by: Any, role: str, action: str, **payload: Any
) -> None:
    kernel.event_record(app, by, role, action, {**_meeting_payload(meeting), **payload})


def _clean(value: str | None) -> str:
    return (value or "").strip()


# --- planning -----------------------------------------------------------------------------------


def meeting_plan(
    *,
    committee: Committee,
    by: Any,
    starts_at: dt.datetime | None,
    venue: str,
    place: str = "",
    number: int | None = None,
) -> Meeting:
    """The secretariat plans a numbered meeting (제N차) of its programme's committee. Cases an
    earlier meeting deferred go on its agenda first (they return to the next agenda)."""
    if not perms.can_view_committee(by, committee):
        raise NotVisible(_("No such committee."))
    if not perms.can_plan_meeting(by, committee):
        raise NotPermitted(_("Only the committee's secretariat plans its meetings."))
    problems: dict[str, str] = {}
    if starts_at is None:
        problems["starts_at"] = _("Enter the date and time of the meeting.")
    if venue not in Venue.values:
        problems["venue"] = _("Say whether the meeting is held in person or online.")
    elif venue == Venue.IN_PERSON and not _clean(place):
        problems["place"] = _("Say where the meeting is held.")
    if number is not None and number < 1:
        problems["number"] = _("The number is a whole number from 1.")
    if problems:
        raise InvalidInput(problems)
    assert starts_at is not None
    at = timezone.now()
    with transaction.atomic():
        Committee.objects.select_for_update().get(pk=committee.pk)  # one numbering at a time
        number = number or selectors.next_meeting_number(committee)
        if Meeting.objects.filter(committee=committee, number=number).exists():
            raise InvalidInput(
                {"number": _("Meeting no. %(n)s of this committee exists already.") % {"n": number}}
            )
        meeting = Meeting.objects.create(
            committee=committee,
            number=number,
            starts_at=starts_at,
            venue=venue,
            place=_clean(place),
            created_by=by,
            created_at=at,
        )
        _meeting_event(meeting, by, SECRETARIAT, CommitteeAction.MEETING_PLANNED)
        for waiting in selectors.deferred_waiting(committee):
            _put_on_agenda(meeting, waiting.application, by, carried=True)
    return meeting


def _put_on_agenda(
    meeting: Meeting, application: Application, by: Any, *, carried: bool
) -> AgendaItem:
    """Add a case at the end of the agenda (caller holds the meeting lock and has checked it)."""
    app = kernel.application_row_lock(application)
    if app.program_id != meeting.committee.program_id:
        raise InvalidInput({"application": _("This case belongs to another programme.")})
    if app.status != S.DELIBERATION:
        raise InvalidInput(
            {
                "application": _("Only cases in deliberation go on the agenda; this one is %(s)s.")
                % {"s": app.get_status_display()}
            }
        )
    elsewhere = (
        AgendaItem.objects.filter(application=app, current=True).select_related("meeting").first()
    )
    if elsewhere is not None:
        raise InvalidInput(
            {
                "application": _(
                    "This case is already on the agenda of meeting no. %(n)s; a case is on one "
                    "meeting's agenda at a time."
                )
                % {"n": elsewhere.meeting.number}
            }
        )
    last_deferral = (
        AgendaItem.objects.filter(
            application=app, result=Result.DEFER, meeting__committee=meeting.committee
        )
        .order_by("-meeting__starts_at", "-pk")
        .first()
        if carried
        else None
    )
    position = (meeting.items.aggregate(p=Max("position"))["p"] or 0) + 1
    item = AgendaItem.objects.create(
        meeting=meeting,
        application=app,
        position=position,
        added_by=by,
        added_at=timezone.now(),
        carried_from=last_deferral,
    )
    _touch(meeting)
    _case_event(
        app,
        meeting,
        by,
        SECRETARIAT,
        CommitteeAction.AGENDA_ITEM_ADDED,
        position=position,
        **({"deferred_from": last_deferral.meeting_id} if last_deferral else {}),
    )
    return item


def agenda_add(
    *,
    meeting: Meeting,
    application: Application,
    by: Any,
    expected_version: int | None = None,
) -> AgendaItem:
    """The secretariat puts a case in deliberation on a planned meeting's agenda (at the end).
    A case is on one meeting's agenda at a time."""
    with transaction.atomic():
        locked = _open("edit_agenda", meeting, by, expected_version)
        if not can_view_application(by, application):
            raise NotVisible(_("No such application."))
        item = _put_on_agenda(locked, application, by, carried=False)
    meeting.version = locked.version
    return item


def _case_and_item_lock(item: AgendaItem, meeting: Meeting) -> tuple[Application, AgendaItem]:
    """The item's case row, then the item row, locked (after the meeting's: meeting → case →
    item is the one order every committee write takes, and the kernel's decision services,
    which the issuing step runs, take case → item too, so no two writers wait in a circle)."""
    application_id = (
        AgendaItem.objects.filter(pk=item.pk, meeting=meeting)
        .values_list("application_id", flat=True)
        .first()
    )
    if application_id is None:
        raise NotVisible(_("No such agenda item."))
    app = kernel.application_row_lock(Application(pk=application_id))
    current = AgendaItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    current.application = app
    return app, current


def agenda_remove(*, item: AgendaItem, by: Any, expected_version: int | None = None) -> None:
    """The secretariat takes a case off a planned meeting's agenda (it waits for another)."""
    with transaction.atomic():
        meeting = _open("edit_agenda", item.meeting, by, expected_version)
        app, current = _case_and_item_lock(item, meeting)
        position = current.position
        current.delete()
        for later in meeting.items.filter(position__gt=position).order_by("position"):
            later.position -= 1
            later.save(update_fields=["position"])
        _touch(meeting)
        _case_event(app, meeting, by, SECRETARIAT, CommitteeAction.AGENDA_ITEM_REMOVED)


def agenda_move(
    *, item: AgendaItem, by: Any, direction: str, expected_version: int | None = None
) -> None:
    """The secretariat moves an item one place up or down the planned agenda."""
    if direction not in ("up", "down"):
        raise InvalidInput({"direction": _("Move an item up or down.")})
    with transaction.atomic():
        meeting = _open("edit_agenda", item.meeting, by, expected_version)
        _app, current = _case_and_item_lock(item, meeting)
        items = list(meeting.items.select_for_update().order_by("position", "pk"))
        index = next(i for i, other in enumerate(items) if other.pk == current.pk)
        target = index - 1 if direction == "up" else index + 1
        if not 0 <= target < len(items):
            raise InvalidInput({"direction": _("This item cannot move further that way.")})
        items[index], items[target] = items[target], items[index]
        for position, other in enumerate(items, start=1):
            if other.position != position:
                other.position = position
                other.save(update_fields=["position"])
        _touch(meeting)
        _meeting_event(
            meeting,
            by,
            SECRETARIAT,
            CommitteeAction.AGENDA_REORDERED,
            order=[other.application.reference for other in items],
        )


# --- the papers ---------------------------------------------------------------------------------


def meeting_send_papers(
    *, meeting: Meeting, by: Any, expected_version: int | None = None
) -> Meeting:
    """The secretariat sends the agenda papers: a sealed PDF (each case's summary, the
    recommendation, opinions and proposed conditions) is stored with its SHA-256, the agenda is
    frozen, each case records that it was put to the committee, and the members are emailed."""
    with transaction.atomic():  # checks before the render, which takes a while
        rendered = _open("send_papers", meeting, by, expected_version)
        if not rendered.items.filter(dropped_at__isnull=True).exists():
            raise InvalidInput(_("Put at least one case on the agenda before sending the papers."))
    at = timezone.now()
    spec = papers.agenda_spec(rendered, issued_at=at)

    def then(paper: Paper) -> Meeting:
        locked = _open("send_papers", meeting, by, rendered.version)
        locked.agenda_paper = paper
        locked.agenda_sent_at = at
        locked.status = MeetingStatus.AGENDA_SENT
        _touch(locked, "agenda_paper", "agenda_sent_at", "status")
        _meeting_event(
            locked,
            by,
            SECRETARIAT,
            CommitteeAction.MEETING_PAPERS_SENT,
            paper=paper.reference,
            sha256=paper.sha256,
        )
        items = locked.items.filter(dropped_at__isnull=True).order_by("application_id")
        for item in items.select_related("application"):
            app = kernel.application_row_lock(item.application)
            _case_event(
                app,
                locked,
                by,
                SECRETARIAT,
                CommitteeAction.PUT_TO_COMMITTEE,
                paper=paper.reference,
            )
        meeting_id = locked.pk
        transaction.on_commit(lambda: _email_members(meeting_id))
        return locked

    done = paper_issue(spec=spec, by=by, role=SECRETARIAT, then=then)
    meeting.version, meeting.status = done.version, done.status
    return done


def _email_members(meeting_id: int) -> None:
    """After the papers are sent: each member in office is told they are ready (a link, never
    the papers themselves). A mail server that is down does not undo the sending."""
    try:
        meeting = Meeting.objects.select_related("committee__program").get(pk=meeting_id)
        language = meeting.committee.language
        committee = meeting.committee.name_in(language)
        with translation.override(language):
            subject = _("Papers for meeting no. %(n)s of the %(committee)s") % {
                "n": meeting.number,
                "committee": committee,
            }
            venue = meeting.place or str(Venue(meeting.venue).label)
        context = {
            "meeting": meeting,
            "committee": committee,
            "when": papers.local_when(meeting, language),
            "place": venue,
            "link": site_link(reverse("committee-meeting", args=[meeting.pk])),
        }
        for seat in selectors.seats_in_office(meeting.committee, meeting.local_date):
            if seat.user.email:
                send_templated(
                    to=[seat.user.email],
                    language=language,
                    subject=subject,
                    template="committees/email/papers_sent",
                    context=context,
                )
    except Exception:  # an email problem must not surface as a failed sending
        logger.exception("Could not email the members about meeting %s", meeting_id)


# --- the meeting --------------------------------------------------------------------------------


def meeting_record_attendance(
    *,
    meeting: Meeting,
    by: Any,
    present: Iterable[int],
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """The secretariat records who of the members in office attended; the meeting is then
    held, with its quorum (the committee's rule for that day) kept as it stood. Attendance can
    be corrected until the first result is recorded."""
    at = now or timezone.now()
    with transaction.atomic():
        locked = _open("record_attendance", meeting, by, expected_version)
        if locked.items.exclude(result="").exists():
            raise WrongState(_("Results are recorded already: attendance can no longer change."))
        if at < locked.starts_at:
            raise InvalidInput(_("The meeting has not started yet: record attendance after it."))
        seats = selectors.seats_in_office(locked.committee, locked.local_date)
        by_pk = {seat.pk: seat for seat in seats}
        chosen = set(present)
        if not chosen <= set(by_pk):
            raise InvalidInput({"present": _("Choose among the members in office that day.")})
        for seat in seats:
            Attendance.objects.update_or_create(
                meeting=locked, seat=seat, defaults={"present": seat.pk in chosen}
            )
        locked.members_in_office = len(seats)
        locked.members_present = len(chosen)
        locked.quorum_required = selectors.quorum_of(locked)
        locked.held_recorded_at = at
        locked.status = MeetingStatus.HELD
        _touch(
            locked,
            "members_in_office",
            "members_present",
            "quorum_required",
            "held_recorded_at",
            "status",
        )
        _meeting_event(
            locked,
            by,
            SECRETARIAT,
            CommitteeAction.MEETING_HELD,
            present=sorted(chosen),
            members_in_office=len(seats),
            quorum_required=locked.quorum_required,
            quorum_met=bool(locked.quorum_met),
        )
    meeting.version, meeting.status = locked.version, locked.status
    return locked


def recusal_declare(*, item: AgendaItem, by: Any, reason: str) -> Recusal:
    """A member declares a conflict of interest in one agenda item: they take no part in its
    result and any vote of theirs on it is refused."""
    text = _clean(reason)
    with transaction.atomic():
        meeting = _open("declare_recusal", item.meeting, by)
        app, current = _case_and_item_lock(item, meeting)
        seat = perms.seat_of(by, meeting)
        assert seat is not None  # the availability check above requires one
        if current.is_dropped:
            raise WrongState(_("This case is no longer on the agenda."))
        if current.result:
            raise WrongState(_("The result of this item is recorded already."))
        if Recusal.objects.filter(item=current, seat=seat).exists():
            raise InvalidInput(_("You have already declared a conflict of interest in this item."))
        if not text:
            raise InvalidInput({"reason": _("Say what the conflict of interest is.")})
        recusal = Recusal.objects.create(
            item=current, seat=seat, reason=text, declared_at=timezone.now()
        )
        _touch(meeting)
        _case_event(
            app,
            meeting,
            by,
            Role.COMMITTEE_MEMBER,
            CommitteeAction.RECUSAL_DECLARED,
            seat=seat.pk,
            reason=text,
        )
    return recusal


def _vote_problems(
    *,
    meeting: Meeting,
    item: AgendaItem,
    votes: Mapping[int, str],
    required: bool,
) -> dict[str, str]:
    """Votes come from members present and not recused, one each, and the result needs their
    majority."""
    if not meeting.committee.records_votes:
        return {"votes": _("This committee does not record votes.")} if votes else {}
    if not votes:
        return {"votes": _("Record the vote of each member present.")} if required else {}
    seats = {
        s.pk: s for s in Seat.objects.filter(committee=meeting.committee).select_related("user")
    }
    present = selectors.present_seat_ids(meeting)
    recused = set(item.recusals.values_list("seat_id", flat=True))
    problems: list[str] = []
    for seat_id, choice in votes.items():
        seat = seats.get(seat_id)
        name = seat.display_name if seat else str(seat_id)
        if seat is None or seat_id not in present:
            problems.append(_("%(name)s was not present and cannot vote.") % {"name": name})
        elif seat_id in recused:
            problems.append(
                _("%(name)s declared a conflict of interest in this item: their vote is refused.")
                % {"name": name}
            )
        elif choice not in VoteChoice.values:
            problems.append(_("Give %(name)s's vote as for, against or abstain.") % {"name": name})
    if problems:
        return {"votes": " ".join(problems)}
    majority = majority_problem(choices=votes, voters=len(present - recused))
    return {"votes": majority} if majority else {}


def item_record_result(
    *,
    item: AgendaItem,
    by: Any,
    result: str,
    term_start: dt.date | None = None,
    term_end: dt.date | None = None,
    conditions: Sequence[str] = (),
    reasons: str = "",
    votes: Mapping[int, str] | None = None,
    expected_version: int | None = None,
) -> AgendaItem:
    """The secretariat records the committee's result for an item: approve (on the
    recommendation's conditions), approve with amended conditions, reject (with reasons) or
    defer. Without a quorum the meeting cannot decide: only deferral is open. Where the
    committee records votes, each present member who is not recused may vote and the result
    needs their majority. A result can be corrected until the minutes are approved."""
    votes = dict(votes or {})
    items = workflow.conditions_cleaned(conditions)
    text = _clean(reasons)
    with transaction.atomic():
        meeting = _open("record_results", item.meeting, by, expected_version)
        app, current = _case_and_item_lock(item, meeting)
        if current.is_dropped:
            raise WrongState(_("This case is no longer on the agenda."))
        if app.status != S.DELIBERATION:
            raise WrongState(
                _("The case left deliberation (it is %(s)s): it cannot be decided here.")
                % {"s": app.get_status_display()}
            )
        problems: dict[str, str] = {}
        if result not in Result.values:
            problems["result"] = _("Choose the committee's result.")
        elif result in DECIDING_RESULTS and not meeting.quorum_met:
            problems["result"] = _(
                "Without a quorum (%(present)s present, %(required)s needed) the meeting cannot "
                "decide: defer the item to a later meeting."
            ) % {"present": meeting.members_present, "required": meeting.quorum_required}
        if result in (Result.APPROVE, Result.APPROVE_AMENDED):
            problems.update(
                workflow.term_problems(
                    track=app.track, start=term_start, end=term_end, decided_on=meeting.local_date
                )
            )
            recommended = workflow.conditions_cleaned(
                (selectors.latest_recommendation(app) or _NO_RECOMMENDATION).proposed_conditions
                or []
            )
            if result == Result.APPROVE_AMENDED and items == recommended:
                problems["conditions"] = _(
                    "These are the recommended conditions: record an approval, or amend them."
                )
            if result == Result.APPROVE and items != recommended:
                problems["conditions"] = _(
                    "The conditions differ from the recommendation: record an approval with "
                    "amended conditions."
                )
        if result == Result.REJECT and not text:
            problems["reasons"] = _("Give the reasons for the rejection.")
        if result in Result.values:
            problems.update(
                _vote_problems(
                    meeting=meeting, item=current, votes=votes, required=result in DECIDING_RESULTS
                )
            )
        if problems:
            raise InvalidInput(problems)
        approving = result in (Result.APPROVE, Result.APPROVE_AMENDED)
        current.result = result
        current.term_start = term_start if approving else None
        current.term_end = term_end if approving else None
        current.conditions = items if approving else []
        current.reasons = text
        current.result_recorded_by = by
        current.result_recorded_at = timezone.now()
        current.save()
        current.votes.all().delete()
        Vote.objects.bulk_create(
            [
                Vote(item=current, seat_id=seat_id, choice=choice)
                for seat_id, choice in votes.items()
            ]
        )
        _touch(meeting)
        _case_event(
            app,
            meeting,
            by,
            SECRETARIAT,
            CommitteeAction.COMMITTEE_RESULT_RECORDED,
            result=result,
            term_start=current.term_start,
            term_end=current.term_end,
            conditions=current.conditions,
            votes={str(k): v for k, v in sorted(votes.items())},
        )
    return current


@dataclass(frozen=True)
class _NoRecommendation:
    proposed_conditions: list[str] = field(default_factory=list)


_NO_RECOMMENDATION = _NoRecommendation()


# --- the minutes --------------------------------------------------------------------------------


def minutes_approve(*, meeting: Meeting, by: Any, expected_version: int | None = None) -> Meeting:
    """The chair approves the minutes: a sealed PDF of the recorded attendance, quorum, results,
    votes and recusals is stored with its SHA-256. Deferred items leave this meeting and return
    to the next planned agenda (or to the next meeting planned)."""
    with transaction.atomic():  # checks before the render
        rendered = _open("approve_minutes", meeting, by, expected_version)
        if selectors.unresolved_items(rendered).exists():
            raise InvalidInput(_("Every item on the agenda needs a result before the minutes."))
    at = timezone.now()
    spec = papers.minutes_spec(rendered, approved_by=by, approved_at=at)

    def then(paper: Paper) -> Meeting:
        locked = _open("approve_minutes", meeting, by, rendered.version)
        locked.minutes_paper = paper
        locked.minutes_approved_at = at
        locked.minutes_approved_by = by
        locked.status = MeetingStatus.MINUTES_APPROVED
        _touch(locked, "minutes_paper", "minutes_approved_at", "minutes_approved_by", "status")
        _meeting_event(
            locked,
            by,
            Role.COMMITTEE_MEMBER,
            CommitteeAction.MINUTES_APPROVED,
            paper=paper.reference,
            sha256=paper.sha256,
        )
        _carry_over_deferred(locked, by)
        return locked

    done = paper_issue(spec=spec, by=by, role=Role.COMMITTEE_MEMBER, then=then)
    meeting.version, meeting.status = done.version, done.status
    return done


def _carry_over_deferred(meeting: Meeting, by: Any) -> None:
    """Deferred items end their placement here; each goes on the next planned agenda if there is
    one (else the next meeting planned takes it first)."""
    following = selectors.next_planned_meeting(meeting)
    if following is not None:
        following = meeting_row_lock(following)
    deferred = meeting.items.filter(result=Result.DEFER, current=True, dropped_at__isnull=True)
    for item in deferred.select_related("application").order_by("position"):
        app = kernel.application_row_lock(item.application)
        AgendaItem.objects.filter(pk=item.pk).update(current=False)
        _case_event(app, meeting, by, Role.COMMITTEE_MEMBER, CommitteeAction.COMMITTEE_DEFERRED)
        if following is not None and app.status == S.DELIBERATION:
            _put_on_agenda(following, app, by, carried=True)


# --- issuing the decisions ---------------------------------------------------------------------


@dataclass
class IssueReport:
    """What one run of the issuing step did: the decisions issued, and the items that could not
    be (each with the reason), which stay open for another run."""

    issued: list[AgendaItem] = field(default_factory=list)
    failed: list[tuple[AgendaItem, str]] = field(default_factory=list)


def meeting_issue_decisions(*, meeting: Meeting, by: Any) -> IssueReport:
    """After the minutes are approved, a decision maker issues the meeting's decisions in one
    step: each case in its own transaction through the kernel's decision services (decision and
    letter, committee reference from the meeting, never dated before it). One case that fails
    (the issuer recommended it, the case left deliberation, …) does not stop the others; it
    stays open with its reason for another run."""
    with transaction.atomic():
        locked = _open("issue_decisions", meeting, by)
        pending = list(selectors.undecided_items(locked).order_by("position", "pk"))
    report = IssueReport()
    for item in pending:
        try:
            report.issued.append(_issue_one(item, locked, by))
        except DomainError as error:
            report.failed.append((item, error.message))
        except Exception as error:  # one broken case must not stop the others; it is reported
            logger.exception("Issuing the decision of agenda item %s failed", item.pk)
            report.failed.append(
                (item, _("It could not be issued (%(error)s).") % {"error": type(error).__name__})
            )
    with transaction.atomic():
        final = meeting_row_lock(locked)
        for item, reason in report.failed:
            AgendaItem.objects.filter(pk=item.pk, decision__isnull=True).update(
                issue_error=reason[:2000]
            )
        if not selectors.undecided_items(final).exists():
            final.decisions_issued_at = timezone.now()
        _touch(final, "decisions_issued_at")
        _meeting_event(
            final,
            by,
            Role.DECISION_MAKER,
            CommitteeAction.MEETING_DECISIONS_ISSUED,
            issued=[item.application.reference for item in report.issued],
            failed={item.application.reference: reason for item, reason in report.failed},
        )
    meeting.version = final.version
    return report


def _issue_one(item: AgendaItem, meeting: Meeting, by: Any) -> AgendaItem:
    """One case's decision, in its own transaction: the item and the decision commit together
    or not at all."""
    with transaction.atomic():
        app, current = _case_and_item_lock(item, meeting)
        if current.decision_id is not None or current.is_dropped:
            raise WrongState(_("This item is no longer waiting for its decision."))
        reference = meeting_reference(
            name=meeting.committee.name_in(app.language),
            number=meeting.number,
            day=meeting.local_date,
            language=app.language,
        )
        decision: Decision
        if current.result == Result.REJECT:
            decision = kernel.application_reject(
                application=app,
                by=by,
                reasons=current.reasons,
                committee_reference=reference,
                meeting_at=meeting.starts_at,
            )
        else:
            decision = kernel.application_approve(
                application=app,
                by=by,
                committee_reference=reference,
                meeting_at=meeting.starts_at,
                term_start=current.term_start,
                term_end=current.term_end,
                conditions=list(current.conditions or []),
            )
        current.decision = decision
        current.current = False
        current.issue_error = ""
        current.save(update_fields=["decision", "current", "issue_error"])
    return current


# --- following the cases ---------------------------------------------------------------------


def agenda_item_drop(*, item: AgendaItem, now: dt.datetime | None = None) -> AgendaItem | None:
    """System: a case on a current agenda that left deliberation (withdrawn, sent back for
    review, …) is dropped from it, with a note of what it became. ``None`` when there is
    nothing to drop (it stayed, or was dropped or decided meanwhile)."""
    at = now or timezone.now()
    with transaction.atomic():
        meeting = meeting_row_lock(item.meeting)
        app, current = _case_and_item_lock(item, meeting)
        if not current.current or current.decision_id is not None or app.status == S.DELIBERATION:
            return None
        current.current = False
        current.dropped_at = at
        current.dropped_status = app.status
        current.save(update_fields=["current", "dropped_at", "dropped_status"])
        _touch(meeting)
        _case_event(
            app, meeting, None, Role.SYSTEM, CommitteeAction.AGENDA_ITEM_DROPPED, status=app.status
        )
    return current


def may_leave_an_agenda(event: AuditEvent) -> bool:
    """Whether ``event``'s case may be on an agenda it must leave (``effects.on_event``'s
    ``wants``): only an event that takes a case out of deliberation. A case goes on an agenda
    only in deliberation (``_put_on_agenda``) and every change of its status is an event, so
    no other event is read back (a draft's, a submission, a review's steps)."""
    return (
        event.application_id is not None
        and event.from_status == S.DELIBERATION
        and event.to_status != S.DELIBERATION
    )


def agenda_follow_case(*, event_id: int) -> None:
    """After an event commits (subscribed to the kernel's ``on_event``): if it took a case on a
    current agenda out of deliberation, the case is dropped from that agenda."""
    agenda_follow_cases(event_ids=[event_id])


def agenda_follow_cases(*, event_ids: list[int]) -> None:
    """``agenda_follow_case`` for many events committed together (the sweep's chunks), in one
    query."""
    items = (
        AgendaItem.objects.filter(
            current=True, decision__isnull=True, application__events__pk__in=event_ids
        )
        .exclude(application__status=S.DELIBERATION)
        .select_related("meeting")
        .distinct()
        .order_by("pk")
    )
    for item in items:
        try:
            agenda_item_drop(item=item)
        except Exception:  # the change that caused it is committed; log, the page still shows it
            logger.exception("Could not drop agenda item %s after event(s) %s", item.pk, event_ids)
