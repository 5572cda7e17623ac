"""/api/v1/meetings/: committee meetings for auditors — the meeting, its agenda items with
results, votes and recusals, attendance, and the sealed agenda papers and minutes (metadata and
file). Members of another programme's committee, applicants and anyone outside get 404."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine

from committees import services
from committees.models import Result
from documents.storage import paper_pdf_path
from tests.builders import World
from tests.committees.board import (
    approve_minutes,
    build_board,
    deliberating,
    hold,
    item_of,
    other_programme_member,
    plan,
    record,
)

T0 = dt.datetime(2026, 5, 12, 5, 0, tzinfo=dt.UTC)  # 14:00 in Seoul


@pytest.fixture
def decided(world: World):
    """A held meeting: one approval with a recusal, one deferral; minutes approved; the
    decision issued."""
    board = build_board(world)
    with time_machine.travel(T0 - dt.timedelta(days=10), tick=False):
        approved, deferred = deliberating(world, "승인 안건"), deliberating(world, "보류 안건")
        meeting = plan(board, [approved, deferred], starts_at=T0)
        services.meeting_send_papers(meeting=meeting, by=board.secretary)
        services.recusal_declare(
            item=item_of(meeting, approved), by=board.expert, reason="자문 계약"
        )
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        meeting = hold(
            board, meeting, present=[board.chair, board.vice, board.member, board.expert]
        )
        record(board, meeting, approved, Result.APPROVE)
        record(board, meeting, deferred, Result.DEFER, voters=[])
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        meeting = approve_minutes(board, meeting)
        services.meeting_issue_decisions(meeting=meeting, by=world.decider)
    meeting.refresh_from_db()
    return board, meeting, approved, deferred


def test_the_auditor_reads_the_whole_meeting(world, api_as, decided):
    board, meeting, approved, deferred = decided
    body = api_as(world.auditor).get(f"/api/v1/meetings/{meeting.pk}/").json()
    agenda, minutes = meeting.agenda_paper, meeting.minutes_paper
    decision = approved.decisions.get()
    base = "http://testserver/api/v1/meetings"
    assert body == {
        "id": meeting.pk,
        "program": "ICT",
        "committee": "신기술·서비스 심의위원회",
        "committee_en": "Deliberation Committee for New Technologies and Services",
        "number": 1,
        "starts_at": "2026-05-12T05:00:00Z",
        "time_zone": "Asia/Seoul",
        "venue": "in_person",
        "place": "정부과천청사 대회의실",
        "status": "minutes_approved",
        "agenda_sent_at": "2026-05-02T05:00:00Z",
        "members_in_office": 5,
        "members_present": 4,
        "quorum_required": 3,
        "quorum_met": True,
        "minutes_approved_at": "2026-05-13T05:00:00Z",
        "minutes_approved_by": "chair",
        "decisions_issued_at": "2026-05-13T05:00:00Z",
        "url": f"{base}/{meeting.pk}/",
        "attendance": [
            {"member": "chair", "role": "chair", "present": True},
            {"member": "vice", "role": "vice_chair", "present": True},
            {"member": "member", "role": "member", "present": True},
            {"member": "expert", "role": "member", "present": True},
            {"member": "other_officer", "role": "ministry_representative", "present": False},
        ],
        "items": [
            {
                "position": 1,
                "application": approved.reference,
                "deferred_from": None,
                "dropped_at": None,
                "dropped_status": "",
                "result": "approve",
                "term_start": "2026-05-12",
                "term_end": "2028-05-11",
                "conditions": ["시속 5km 이하"],
                "reasons": "",
                "result_recorded_at": "2026-05-12T07:00:00Z",
                "votes": [
                    {"member": "chair", "vote": "for"},
                    {"member": "vice", "vote": "for"},
                    {"member": "member", "vote": "for"},
                ],
                "recusals": [
                    {
                        "member": "expert",
                        "reason": "자문 계약",
                        "declared_at": "2026-05-02T05:00:00Z",
                    }
                ],
                "decision": decision.pk,
            },
            {
                "position": 2,
                "application": deferred.reference,
                "deferred_from": None,
                "dropped_at": None,
                "dropped_status": "",
                "result": "defer",
                "term_start": None,
                "term_end": None,
                "conditions": [],
                "reasons": "",
                "result_recorded_at": "2026-05-12T07:00:00Z",
                "votes": [],
                "recusals": [],
                "decision": None,
            },
        ],
        "agenda_paper": {
            "reference": f"ICT-C{board.committee.pk}-M1-AGENDA",
            "sha256": agenda.sha256,
            "size": agenda.size,
            "created_at": "2026-05-02T05:00:00Z",
            "created_by": "secretary",
        },
        "agenda_pdf_url": f"{base}/{meeting.pk}/agenda/",
        "minutes": {
            "reference": f"ICT-C{board.committee.pk}-M1-MINUTES",
            "sha256": minutes.sha256,
            "size": minutes.size,
            "created_at": "2026-05-13T05:00:00Z",
            "created_by": "chair",
        },
        "minutes_pdf_url": f"{base}/{meeting.pk}/minutes/",
    }
    assert decision.committee_reference == "제1차 신기술·서비스 심의위원회 (2026년 5월 12일)"


def test_the_minutes_and_agenda_files_are_the_stored_sealed_papers(world, api_as, decided):
    _board, meeting, *_ = decided
    api = api_as(world.auditor)
    for which, paper in (("minutes", meeting.minutes_paper), ("agenda", meeting.agenda_paper)):
        response = api.get(f"/api/v1/meetings/{meeting.pk}/{which}/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        data = b"".join(response.streaming_content)
        assert data == paper_pdf_path(paper).read_bytes()
        assert hashlib.sha256(data).hexdigest() == paper.sha256


def test_the_list_filters_and_names_each_meeting(world, api_as, decided):
    _board, meeting, *_ = decided
    api = api_as(world.auditor)
    listed = api.get("/api/v1/meetings/").json()["results"]
    assert [m["id"] for m in listed] == [meeting.pk]
    assert set(listed[0]) == {
        "id", "program", "committee", "committee_en", "number", "starts_at", "time_zone",
        "venue", "place", "status", "agenda_sent_at", "members_in_office", "members_present",
        "quorum_required", "quorum_met", "minutes_approved_at", "minutes_approved_by",
        "decisions_issued_at", "url",
    }  # fmt: skip
    assert api.get("/api/v1/meetings/", status="planned").json()["results"] == []
    assert api.get("/api/v1/meetings/", starts_from="2026-05-13").json()["results"] == []
    assert api.get("/api/v1/meetings/", status="").status_code == 400


def test_outsiders_see_nothing_of_the_meeting(world, api_as, decided):
    board, meeting, *_ = decided
    for outsider in (other_programme_member(world), world.applicant, world.foreign_officer):
        api = api_as(outsider)
        assert api.get("/api/v1/meetings/").json()["results"] == []
        for path in ("", "minutes/", "agenda/"):
            assert api.get(f"/api/v1/meetings/{meeting.pk}/{path}").status_code == 404
    for insider in (board.chair, board.secretary, world.decider):
        assert api_as(insider).get(f"/api/v1/meetings/{meeting.pk}/").status_code == 200


def test_a_meeting_without_minutes_has_no_minutes_file(world, api_as):
    board = build_board(world)
    meeting = plan(board, [deliberating(world)])
    api = api_as(world.auditor)
    body = api.get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert (body["agenda_paper"], body["minutes"], body["minutes_pdf_url"]) == (None, None, None)
    assert api.get(f"/api/v1/meetings/{meeting.pk}/minutes/").status_code == 404
    assert api.request("POST", "/api/v1/meetings/").status_code == 405
