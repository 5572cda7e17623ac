"""Demo committee: the ICT programme's 신기술·서비스 심의위원회 with its members, one meeting
held (papers sent, a recusal, attendance, results, minutes approved, decisions issued) and the
next one planned (the deferred case back on its agenda). Everything after the configuration goes
through the committees services, so the audit trail and the sealed papers are real."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.models import User
from django.utils import timezone

from applications.models import Application, Program
from applications.workflow import ApplicationStatus as S
from committees import services
from committees.models import AgendaItem, Committee, Result, Seat, SeatRole, Venue
from committees.selectors import latest_recommendation

COMMITTEE = {
    "name": "신기술·서비스 심의위원회",
    "name_en": "Deliberation Committee for New Technologies and Services",
    "quorum": None,  # a majority of the members in office
    "records_votes": True,
    "language": "ko",
}

# username, seat role, affiliation
SEATS = [
    ("chair", SeatRole.CHAIR, "한국과학기술원"),
    ("member1", SeatRole.VICE_CHAIR, "법무법인 세종"),
    ("member2", SeatRole.MEMBER, "한국소비자연맹"),
    ("officer2", SeatRole.MINISTRY_REPRESENTATIVE, "과학기술정보통신부"),
]

MakeCase = Callable[[str], Application]


def seed_committees(programs: dict[str, Program], users: dict[str, User]) -> Committee:
    """The ICT committee and its members (terms of office from 1 January of last year, three
    years); reruns converge."""
    committee, _ = Committee.objects.update_or_create(
        program=programs["ICT"], name=COMMITTEE["name"], defaults=COMMITTEE
    )
    start = dt.date(timezone.localdate().year - 1, 1, 1)
    for username, role, affiliation in SEATS:
        Seat.objects.update_or_create(
            committee=committee,
            user=users[username],
            term_start=start,
            defaults={
                "role": role,
                "affiliation": affiliation,
                "term_end": start.replace(year=start.year + 3) - dt.timedelta(days=1),
            },
        )
    return committee


def _at(day: dt.date, hour: int, program: Program) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=program.tz)


def seed_meetings(committee: Committee, users: dict[str, User], make_case: MakeCase) -> None:
    """제1차 회의 earlier today, with its minutes and decisions; 제2차 회의 in three weeks."""
    program = committee.program
    secretary, chair = users["secretary"], users["chair"]
    today = program.local_date(timezone.now())
    approved = make_case("실내 자율주행 안내 로봇")
    rejected = make_case("드론 야간 택배")
    deferred = make_case("수요응답형 자율주행 버스")

    held = services.meeting_plan(
        committee=committee,
        by=secretary,
        # earlier today (the papers went out before it; the demo records them in one go)
        starts_at=timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2),
        venue=Venue.IN_PERSON,
        place="정부과천청사 4동 대회의실",
    )
    for app in (approved, rejected, deferred):
        services.agenda_add(meeting=held, application=app, by=secretary)
    services.meeting_send_papers(meeting=held, by=secretary)
    services.recusal_declare(
        item=AgendaItem.objects.get(meeting=held, application=rejected),
        by=users["member2"],
        reason="신청 기업과 최근 2년 내 자문 계약을 맺은 사실이 있습니다.",
    )
    seats = {s.user.username: s.pk for s in committee.seats.select_related("user")}
    services.meeting_record_attendance(
        meeting=held,
        by=secretary,
        present=[seats[name] for name in ("chair", "member1", "member2")],
    )
    recommendation = latest_recommendation(approved)
    services.item_record_result(
        item=AgendaItem.objects.get(meeting=held, application=approved),
        by=secretary,
        result=Result.APPROVE,
        term_start=today + dt.timedelta(days=14),
        term_end=today + dt.timedelta(days=14 + 729),
        conditions=recommendation.proposed_conditions if recommendation else [],
        votes={seats[name]: "for" for name in ("chair", "member1", "member2")},
    )
    services.item_record_result(
        item=AgendaItem.objects.get(meeting=held, application=rejected),
        by=secretary,
        result=Result.REJECT,
        reasons="야간 비행 시 추락 위험에 대한 안전성 검증 자료가 부족합니다.",
        votes={seats["chair"]: "for", seats["member1"]: "for"},
    )
    services.item_record_result(
        item=AgendaItem.objects.get(meeting=held, application=deferred),
        by=secretary,
        result=Result.DEFER,
        reasons="운행 구간 관할 지자체의 의견을 들은 뒤 다시 심의합니다.",
    )
    held.refresh_from_db()
    services.minutes_approve(meeting=held, by=chair)
    held.refresh_from_db()
    services.meeting_issue_decisions(meeting=held, by=users["decider"])

    planned = services.meeting_plan(  # the deferred case goes on its agenda first
        committee=committee,
        by=secretary,
        starts_at=_at(today + dt.timedelta(days=21), 14, program),
        venue=Venue.ONLINE,
        place="영상회의 (링크는 회의 전날 안내)",
    )
    waiting = Application.objects.filter(
        program=program, status=S.DELIBERATION, title="도심 항공 모빌리티 시범 운항"
    ).order_by("pk")
    for app in waiting:
        services.agenda_add(meeting=planned, application=app, by=secretary)
