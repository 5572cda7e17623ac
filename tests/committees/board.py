"""A committee for the test world's programme, its members and secretariat, and meetings
driven through the services as the secretariat, members and decision makers would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils import timezone

from applications import services as kernel
from applications.models import Application
from applications.roles import Role
from committees import services
from committees.models import AgendaItem, Committee, Meeting, Result, Seat, SeatRole, Venue
from tests.builders import World, draft
from tests.factories import ProgramFactory, TrackFactory, make_user

COMMITTEE_KO = "신기술·서비스 심의위원회"
COMMITTEE_EN = "Deliberation Committee for New Technologies and Services"


@dataclass
class Board:
    world: World
    committee: Committee
    secretary: User
    chair: User
    vice: User
    member: User
    expert: User
    representative: User
    seats: dict[str, Seat] = field(default_factory=dict)

    def seat(self, user: User) -> Seat:
        return Seat.objects.get(committee=self.committee, user=user)

    def members(self) -> list[User]:
        return [self.chair, self.vice, self.member, self.expert, self.representative]


def person(role: str, username: str, full_name: str, **kwargs: object) -> User:
    user = make_user(role, username=username, **kwargs)  # type: ignore[arg-type]
    user.first_name = full_name
    user.save(update_fields=["first_name"])
    return user


def build_board(
    world: World, *, quorum: int | None = None, records_votes: bool = True, language: str = "ko"
) -> Board:
    """Five members in office (chair, vice-chair, two members, a ministry representative) and
    a secretary of the lead ministry."""
    committee = Committee.objects.create(
        program=world.program,
        name=COMMITTEE_KO,
        name_en=COMMITTEE_EN,
        quorum=quorum,
        records_votes=records_votes,
        language=language,
    )
    since = world.today - dt.timedelta(days=365)
    board = Board(
        world=world,
        committee=committee,
        secretary=person(Role.COMMITTEE_SECRETARY, "secretary", "윤간사", ministry=world.lead),
        chair=person(Role.COMMITTEE_MEMBER, "chair", "김위원장"),
        vice=person(Role.COMMITTEE_MEMBER, "vice", "이부위원장"),
        member=person(Role.COMMITTEE_MEMBER, "member", "박위원"),
        expert=person(Role.COMMITTEE_MEMBER, "expert", "최위원"),
        representative=world.other_officer,
    )
    board.representative.first_name = "정부위원"
    board.representative.save(update_fields=["first_name"])
    for user, role in (
        (board.chair, SeatRole.CHAIR),
        (board.vice, SeatRole.VICE_CHAIR),
        (board.member, SeatRole.MEMBER),
        (board.expert, SeatRole.MEMBER),
        (board.representative, SeatRole.MINISTRY_REPRESENTATIVE),
    ):
        board.seats[user.username] = Seat.objects.create(
            committee=committee, user=user, role=role, term_start=since, affiliation="KAIST"
        )
    return board


def deliberating(world: World, title: str = "자율주행 배송 로봇") -> Application:
    """A case the officer recommended for approval (730 days, one condition), with the opinion
    of the ministry it consulted."""
    app = draft(world, title=title)
    kernel.application_submit(application=app, by=world.applicant)
    kernel.application_accept(application=app, by=world.officer, no_conflict_declared=True)
    (consultation,) = kernel.consultation_request(
        application=app, by=world.officer, ministries=[world.other_ministry], question="보도 통행?"
    )
    kernel.consultation_answer(
        consultation=consultation,
        by=world.consultee,
        opinion="agree_with_conditions",
        reasons="학교 주변 시속 5km 이하 조건으로 동의",
    )
    kernel.application_recommend(
        application=app,
        by=world.officer,
        outcome="approve",
        proposed_term_days=730,
        proposed_conditions=["시속 5km 이하"],
        legal_basis="정보통신융합법 제38조의2",
        reasons="안전 조건 하에서 실증 필요성 인정",
    )
    return app


def plan(
    board: Board,
    cases: Sequence[Application] = (),
    *,
    starts_at: dt.datetime | None = None,
) -> Meeting:
    """A meeting (an hour ago unless told) with ``cases`` on its agenda, in that order."""
    meeting = services.meeting_plan(
        committee=board.committee,
        by=board.secretary,
        starts_at=starts_at or timezone.now() - dt.timedelta(hours=1),
        venue=Venue.IN_PERSON,
        place="정부과천청사 대회의실",
    )
    for app in cases:
        services.agenda_add(meeting=meeting, application=app, by=board.secretary)
    return meeting


def send(board: Board, meeting: Meeting) -> Meeting:
    return services.meeting_send_papers(meeting=meeting, by=board.secretary)


def hold(board: Board, meeting: Meeting, present: Sequence[User] | None = None) -> Meeting:
    """Papers sent (if not yet) and attendance recorded: everyone present unless told."""
    meeting.refresh_from_db()
    if meeting.status == "planned":
        send(board, meeting)
    people = present if present is not None else board.members()
    return services.meeting_record_attendance(
        meeting=meeting, by=board.secretary, present=[board.seat(u).pk for u in people]
    )


def item_of(meeting: Meeting, app: Application) -> AgendaItem:
    return AgendaItem.objects.get(meeting=meeting, application=app)


def votes_for(board: Board, *users: User, choice: str = "for") -> dict[int, str]:
    return {board.seat(u).pk: choice for u in users}


def record(
    board: Board,
    meeting: Meeting,
    app: Application,
    result: str,
    *,
    voters: Sequence[User] | None = None,
    **fields: object,
) -> AgendaItem:
    """The secretariat records a result with every given voter (default: all present and not
    recused) voting for it; approvals take the recommended term and conditions."""
    item = item_of(meeting, app)
    if result in (Result.APPROVE, Result.APPROVE_AMENDED):
        fields.setdefault("term_start", board.world.today)
        fields.setdefault("term_end", board.world.today + dt.timedelta(days=730))
        fields.setdefault("conditions", ["시속 5km 이하"])
    if result == Result.REJECT:
        fields.setdefault("reasons", "안전성 검증 자료 부족")
    if voters is None:
        recused = set(item.recusals.values_list("seat__user_id", flat=True))
        present = set(
            meeting.attendance.filter(present=True).values_list("seat__user_id", flat=True)
        )
        voters = [u for u in board.members() if u.pk in present and u.pk not in recused]
    votes = votes_for(board, *voters) if board.committee.records_votes else {}
    return services.item_record_result(
        item=item,
        by=board.secretary,
        result=result,
        votes=votes,
        **fields,  # type: ignore[arg-type]
    )


def approve_minutes(board: Board, meeting: Meeting) -> Meeting:
    meeting.refresh_from_db()
    return services.minutes_approve(meeting=meeting, by=board.chair)


def other_programme_member(world: World) -> User:
    """A member of another programme's committee (FIN), who must see nothing of ICT's."""
    program = ProgramFactory.create(code="FIN", lead_ministry=world.other_ministry)
    TrackFactory.create(program=program)
    committee = Committee.objects.create(
        program=program,
        name="혁신금융심사위원회",
        name_en="Innovative Financial Services Review Committee",
    )
    user = person(Role.COMMITTEE_MEMBER, "fin_member", "정금융")
    Seat.objects.create(
        committee=committee,
        user=user,
        role=SeatRole.CHAIR,
        term_start=world.today - dt.timedelta(days=30),
    )
    return user
