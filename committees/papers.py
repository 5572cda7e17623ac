"""What committee papers say: the agenda papers and the minutes of a meeting as plain data for
``documents``' paper service (template, context, embedded record). Reads only.

Agenda papers carry, per item, the case's summary and requested scope, the regulations
concerned, the latest recommendation (term and proposed conditions) and the opinions of the
ministries consulted. The minutes carry attendance and quorum and, per item, the result, its
term and conditions or reasons, the votes and the members who recused themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation

from applications.models import Application
from applications.workflow import ApplicationStatus
from committees import paper_wording as w
from committees import selectors
from committees.models import AgendaItem, Meeting, Result, Seat, VoteChoice
from committees.rules import ordinal_en
from documents.letter_wording import long_date
from documents.papers import PaperSpec

AGENDA_TEMPLATE = "committees/papers/agenda.html"
MINUTES_TEMPLATE = "committees/papers/minutes.html"


def _pick(language: str, korean: str, english: str) -> str:
    return english if language == "en" and english else korean


def _iso(moment: dt.datetime | dt.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).isoformat()
    return moment.isoformat()


def meeting_label(meeting: Meeting, language: str) -> str:
    """``제3차 회의`` / ``3rd meeting``."""
    return w.text("meeting_number", language, n=meeting.number, nth=ordinal_en(meeting.number))


def local_when(meeting: Meeting, language: str) -> str:
    local = meeting.local_start
    return f"{long_date(local.date(), language)} {local:%H:%M} ({local.tzname()})"


def _status_label(status: str, language: str) -> str:
    with translation.override(language):
        return str(ApplicationStatus(status).label)


def _seat_row(seat: Seat, language: str) -> dict[str, str]:
    return {
        "name": seat.display_name,
        "role": w.text(f"role_{seat.role}", language),
        "affiliation": seat.affiliation,
    }


def paper_heading(meeting: Meeting, language: str, kind: str) -> str:
    """``신기술·서비스 심의위원회 제1차 회의 안건`` / ``Agenda papers: 1st meeting of the …``."""
    return w.text(
        "heading",
        language,
        committee=meeting.committee.name_in(language),
        meeting=meeting_label(meeting, language),
        title=w.title(kind, language)["main"],
    )


def _common(meeting: Meeting, language: str, kind: str) -> dict[str, Any]:
    committee = meeting.committee
    program = committee.program
    ministry = program.lead_ministry
    return {
        "lang": language,
        "h": {key: w.heading(key, language) for key in w.HEADINGS},
        "title": w.title(kind, language),
        "heading": paper_heading(meeting, language, kind),
        "authority": {
            "ministry": _pick(language, ministry.name, ministry.name_en),
            "department": committee.name_in(language),
        },
        "committee": committee.name_in(language),
        "meeting": {
            "label": meeting_label(meeting, language),
            "when": local_when(meeting, language),
            "venue": w.text(meeting.venue, language),
            "place": meeting.place,
        },
        "verification": w.text("verification", language),
        "record_label": w.text("record_hash", language, name=f"committee_{kind}.json"),
    }


def paper_reference(meeting: Meeting, kind: str) -> str:
    program = meeting.committee.program
    return f"{program.code}-C{meeting.committee_id}-M{meeting.number}-{kind.upper()}"


def _case_block(item: AgendaItem, number: int, language: str) -> dict[str, Any]:
    app: Application = item.application
    track = app.track
    recommendation = selectors.latest_recommendation(app)
    opinions = []
    for consultation in app.consultations.all():
        key = consultation.opinion or "pending"
        opinions.append(
            {
                "ministry": _pick(
                    language, consultation.ministry.name, consultation.ministry.name_en
                ),
                "opinion": w.text(f"opinion_{key}", language),
                "reasons": consultation.reasons,
            }
        )
    period = ""
    if app.requested_term_days:
        period = w.days(app.requested_term_days, language)
        if app.requested_start:
            period = f"{long_date(app.requested_start, language)} — {period}"
    carried = item.carried_from
    return {
        "no": number,
        "reference": app.reference or "",
        "title": app.title,
        "organization": app.organization.name,
        "track": _pick(language, track.name, track.name_en),
        "summary": app.summary,
        "scope": {
            "period": period,
            "region": app.region,
            "scale": app.scale,
            "users": w.text("users_max", language, n=f"{app.max_users:,}") if app.max_users else "",
        },
        "regulations": [f"{r.statute} {r.article}" for r in app.regulations.all()],
        "recommendation": None
        if recommendation is None
        else {
            "outcome": w.text(f"recommend_{recommendation.outcome}", language),
            "term": w.days(recommendation.proposed_term_days, language)
            if recommendation.proposed_term_days
            else "",
            "conditions": list(recommendation.proposed_conditions or []),
            "legal_basis": recommendation.legal_basis,
            "reasons": recommendation.reasons,
        },
        "opinions": opinions,
        "deferred_from": w.text(
            "deferred_from",
            language,
            n=carried.meeting.number,
            nth=ordinal_en(carried.meeting.number),
        )
        if carried is not None
        else "",
    }


def agenda_spec(meeting: Meeting, *, issued_at: dt.datetime) -> PaperSpec:
    """The agenda papers: the meeting, its members, and each case the committee will decide."""
    language = meeting.committee.language
    items = [item for item in selectors.agenda_of(meeting) if not item.is_dropped]
    seats = selectors.seats_in_office(meeting.committee, meeting.local_date)
    reference = paper_reference(meeting, "agenda")
    context = {
        **_common(meeting, language, "agenda"),
        "reference": reference,
        "date": long_date(meeting.committee.program.local_date(issued_at), language),
        "intro": w.text("intro_agenda", language),
        "members": [_seat_row(seat, language) for seat in seats],
        "items": [_case_block(item, n, language) for n, item in enumerate(items, start=1)],
        "no_items": w.text("no_items", language),
        "not_stated": w.text("not_stated", language),
        "no_recommendation": w.text("no_recommendation", language),
        "no_opinions": w.text("no_opinions", language),
        "no_conditions": w.text("no_conditions", language),
    }
    record = {
        "format": "sandbox-committee-agenda/1",
        "paper": reference,
        "committee": {"id": meeting.committee_id, "name": meeting.committee.name},
        "program": meeting.committee.program.code,
        "meeting": {
            "id": meeting.pk,
            "number": meeting.number,
            "starts_at": _iso(meeting.starts_at),
            "venue": meeting.venue,
            "place": meeting.place,
        },
        "items": [
            {"position": n, "application": item.application.reference, "item": item.pk}
            for n, item in enumerate(items, start=1)
        ],
        "issued_at": _iso(issued_at),
    }
    return PaperSpec(
        reference=reference,
        kind="committee_agenda",
        title=paper_heading(meeting, language, "agenda"),
        language=language,
        template=AGENDA_TEMPLATE,
        context=context,
        record=record,
        location=meeting.committee.program.lead_ministry.name,
    )


def _votes_line(item: AgendaItem, language: str, records_votes: bool) -> str:
    votes = list(item.votes.all())
    if not records_votes or not votes:
        return w.text("votes_not_recorded", language)
    counts = {choice: sum(1 for v in votes if v.choice == choice) for choice in VoteChoice.values}
    return w.text(
        "votes",
        language,
        for_=counts[VoteChoice.FOR],
        against=counts[VoteChoice.AGAINST],
        abstain=counts[VoteChoice.ABSTAIN],
    )


def _result_block(item: AgendaItem, number: int, language: str, records_votes: bool) -> dict:
    app = item.application
    program = app.program
    block: dict[str, Any] = {
        "no": number,
        "reference": app.reference or "",
        "title": app.title,
        "organization": app.organization.name,
        "dropped": "",
        "result": w.text(f"result_{item.result or 'none'}", language),
        "term": "",
        "conditions": [],
        "reasons": item.reasons,
        "votes": _votes_line(item, language, records_votes),
        "recused": [r.seat.display_name for r in item.recusals.all()],
    }
    if item.is_dropped:
        assert item.dropped_at is not None
        block["dropped"] = w.text(
            "dropped",
            language,
            status=_status_label(item.dropped_status, language),
            date=long_date(program.local_date(item.dropped_at), language),
        )
    if item.result in (Result.APPROVE, Result.APPROVE_AMENDED):
        if item.term_start and item.term_end:
            block["term"] = (
                f"{long_date(item.term_start, language)} – {long_date(item.term_end, language)}"
            )
        block["conditions"] = list(item.conditions or [])
    return block


def minutes_spec(meeting: Meeting, *, approved_by: Any, approved_at: dt.datetime) -> PaperSpec:
    """The minutes: attendance and quorum, each item's result with its votes and recusals, and
    the chair's approval."""
    language = meeting.committee.language
    committee = meeting.committee
    items = list(selectors.agenda_of(meeting))
    seats = selectors.seats_in_office(committee, meeting.local_date)
    present = selectors.present_seat_ids(meeting)
    approver = next((s for s in seats if s.user_id == approved_by.pk), None)
    in_office = meeting.members_in_office or 0
    required = meeting.quorum_required or 0
    quorum_key = "quorum_met" if meeting.quorum_met else "quorum_not_met"
    reference = paper_reference(meeting, "minutes")
    approved_day = long_date(committee.program.local_date(approved_at), language)
    approver_name = approver.display_name if approver else approved_by.get_full_name()
    approver_role = w.text(f"role_{approver.role}", language) if approver else ""
    context = {
        **_common(meeting, language, "minutes"),
        "reference": reference,
        "date": approved_day,
        "intro": w.text("intro_minutes", language),
        "present": [_seat_row(s, language) for s in seats if s.pk in present],
        "absent": [_seat_row(s, language) for s in seats if s.pk not in present],
        "quorum": w.text(
            quorum_key, language, in_office=in_office, present=len(present), required=required
        ),
        "items": [
            _result_block(item, n, language, committee.records_votes)
            for n, item in enumerate(items, start=1)
        ],
        "no_items": w.text("no_items", language),
        "none": w.text("none", language),
        "no_conditions": w.text("no_conditions", language),
        "approval": w.text(
            "approved_by", language, date=approved_day, name=approver_name, role=approver_role
        ),
    }
    record = {
        "format": "sandbox-committee-minutes/1",
        "paper": reference,
        "committee": {"id": committee.pk, "name": committee.name},
        "program": committee.program.code,
        "meeting": {
            "id": meeting.pk,
            "number": meeting.number,
            "starts_at": _iso(meeting.starts_at),
            "venue": meeting.venue,
            "place": meeting.place,
        },
        "attendance": [
            {
                "seat": s.pk,
                "member": s.user.get_username(),
                "role": s.role,
                "present": s.pk in present,
            }
            for s in seats
        ],
        "quorum": {"required": required, "in_office": in_office, "present": len(present)},
        "items": [
            {
                "position": n,
                "application": item.application.reference,
                "dropped": item.is_dropped,
                "result": item.result,
                "term_start": _iso(item.term_start),
                "term_end": _iso(item.term_end),
                "conditions": list(item.conditions or []),
                "reasons": item.reasons,
                "votes": {v.seat.user.get_username(): v.choice for v in item.votes.all()},
                "recused": [r.seat.user.get_username() for r in item.recusals.all()],
            }
            for n, item in enumerate(items, start=1)
        ],
        "approved_by": approved_by.get_username(),
        "approved_at": _iso(approved_at),
    }
    return PaperSpec(
        reference=reference,
        kind="committee_minutes",
        title=paper_heading(meeting, language, "minutes"),
        language=language,
        template=MINUTES_TEMPLATE,
        context=context,
        record=record,
        location=committee.program.lead_ministry.name,
    )
