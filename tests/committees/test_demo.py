"""``seed_demo`` sets up the ICT committee with its members, one meeting held with approved
minutes and issued decisions, and one planned with the deferred case back on its agenda."""

from __future__ import annotations

from django.core.management import call_command

from applications.workflow import ApplicationStatus as S
from committees.models import Committee, Meeting, MeetingStatus, Result, Seat


def test_the_demo_has_a_committee_with_members_a_held_meeting_with_minutes_and_a_planned_one(db):
    call_command("seed_demo")
    call_command("seed_demo")  # converges
    committee = Committee.objects.get(program__code="ICT")
    roles = sorted(Seat.objects.filter(committee=committee).values_list("role", flat=True))
    assert roles == ["chair", "member", "ministry_representative", "vice_chair"]
    held, planned = Meeting.objects.filter(committee=committee).order_by("number")
    assert held.status == MeetingStatus.MINUTES_APPROVED and held.minutes_paper is not None
    assert held.agenda_paper is not None and held.decisions_issued_at is not None
    results = dict(held.items.values_list("application__title", "result"))
    assert results == {
        "실내 자율주행 안내 로봇": Result.APPROVE,
        "드론 야간 택배": Result.REJECT,
        "수요응답형 자율주행 버스": Result.DEFER,
    }
    assert held.items.filter(recusals__isnull=False).count() == 1
    statuses = {i.application.title: i.application.status for i in held.items.all()}
    assert statuses["실내 자율주행 안내 로봇"] == S.APPROVED
    assert statuses["드론 야간 택배"] == S.REJECTED
    assert planned.status == MeetingStatus.PLANNED
    assert [i.application.title for i in planned.items.order_by("position")] == [
        "수요응답형 자율주행 버스",
        "도심 항공 모빌리티 시범 운항",
    ]
