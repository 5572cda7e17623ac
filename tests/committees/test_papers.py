"""The agenda papers and the minutes are sealed PDFs made with the letters' machinery; their
text (as poppler's pdftotext reads it) carries what the committee needs: each case's summary,
the recommendation, the ministries' opinions and the proposed conditions; then attendance,
quorum, results, votes, recusals and the chair's approval."""

from __future__ import annotations

import hashlib
import json
from io import BytesIO

import pytest
from pypdf import PdfReader

from applications.models import AuditEvent
from committees import paper_wording, services
from committees.models import Result
from committees.vocabulary import CommitteeAction
from documents.storage import paper_pdf_path
from tests.committees.board import (
    COMMITTEE_EN,
    approve_minutes,
    build_board,
    deliberating,
    hold,
    item_of,
    plan,
    record,
    send,
)
from tests.documents.helpers import pdf_text


@pytest.fixture
def korean_meeting(world):
    """Papers sent, held with four of five members, one recusal, three results, minutes."""
    board = build_board(world)
    first = deliberating(world, "자율주행 배송 로봇 보도 통행")
    second = deliberating(world, "공유 전동킥보드 헬멧 대여")
    third = deliberating(world, "도심 항공 모빌리티 시범 운항")
    meeting = send(board, plan(board, [first, second, third]))
    agenda = meeting.agenda_paper
    services.recusal_declare(item=item_of(meeting, second), by=board.expert, reason="자문 계약")
    meeting = hold(board, meeting, present=[board.chair, board.vice, board.member, board.expert])
    record(board, meeting, first, Result.APPROVE)
    record(board, meeting, second, Result.REJECT, reasons="헬멧 위생 관리 방안 미흡")
    record(board, meeting, third, Result.DEFER, voters=[])
    meeting = approve_minutes(board, meeting)
    return board, meeting, agenda, (first, second, third)


def test_the_agenda_papers_carry_each_cases_summary_recommendation_opinions_and_conditions(
    korean_meeting,
):
    _board, _meeting, agenda, cases = korean_meeting
    text = pdf_text(paper_pdf_path(agenda))
    assert "신기술·서비스 심의위원회 제1차 회의 안건" in text
    assert "정부과천청사 대회의실" in text
    for name in ("김위원장", "이부위원장", "박위원", "최위원"):
        assert name in text
    for app in cases:
        assert app.reference in text and app.title in text
    assert text.count("아파트 단지 내 로봇 배송") == 3  # each case's summary
    assert text.count("승인 권고") == 3  # the recommendation
    assert text.count("안전 조건 하에서 실증 필요성 인정") == 3
    assert text.count("시속 5km 이하") >= 3  # proposed conditions (and the opinions' reasons)
    assert text.count("조건부 동의") == 3  # each consulted ministry's opinion
    assert "학교 주변 시속 5km 이하 조건으로 동의" in text and "국토교통부" in text
    assert "730일" in text  # proposed term
    assert "도로교통법 제2조 제10호" in text  # regulation concerned
    assert "회피" in text  # members are told how to recuse


def test_the_stored_agenda_is_the_sealed_file_the_audit_event_names(korean_meeting):
    _board, _meeting, agenda, cases = korean_meeting
    data = paper_pdf_path(agenda).read_bytes()
    assert hashlib.sha256(data).hexdigest() == agenda.sha256
    event = AuditEvent.objects.get(action=CommitteeAction.MEETING_PAPERS_SENT)
    assert event.payload["sha256"] == agenda.sha256 and event.payload["paper"] == agenda.reference
    record_json = json.loads(PdfReader(BytesIO(data)).attachments["committee_agenda.json"][0])
    assert [i["application"] for i in record_json["items"]] == [c.reference for c in cases]
    assert b"/ByteRange" in data  # sealed (the signature itself: tests/documents/test_papers.py)


def test_the_minutes_record_attendance_quorum_results_votes_recusals_and_the_approval(
    korean_meeting,
):
    _board, meeting, _agenda, (_first, _second, _third) = korean_meeting
    text = pdf_text(paper_pdf_path(meeting.minutes_paper))
    assert "신기술·서비스 심의위원회 제1차 회의 회의록" in text
    assert "재적위원 5명 중 4명 출석 (의사정족수 3명): 성원" in text
    assert "불참 위원 Absent 정부위원 정부위원" in text  # role, then the name
    assert "원안 승인" in text and "불승인" in text and "보류 (차기 회의 재상정)" in text
    assert "찬성 4, 반대 0, 기권 0" in text  # the approval, everyone present voting for it
    assert "찬성 3, 반대 0, 기권 0" in text  # the rejection, without the recused member
    assert "헬멧 위생 관리 방안 미흡" in text
    assert "회피 위원 Recused 최위원" in text
    assert "위 회의록이 사실과 같음을 확인합니다." in text and "위원장 김위원장" in text
    data = paper_pdf_path(meeting.minutes_paper).read_bytes()
    record_json = json.loads(PdfReader(BytesIO(data)).attachments["committee_minutes.json"][0])
    assert record_json["items"][1]["recused"] == ["expert"]
    assert record_json["approved_by"] == "chair"


def test_an_english_committee_writes_its_papers_in_english(world):
    board = build_board(world, language="en")
    app = deliberating(world, "Delivery robots on pavements")
    meeting = hold(board, plan(board, [app]), present=[board.chair, board.member])
    record(board, meeting, app, Result.DEFER, voters=[])
    meeting = approve_minutes(board, meeting)
    agenda = pdf_text(paper_pdf_path(meeting.agenda_paper))
    minutes = pdf_text(paper_pdf_path(meeting.minutes_paper))
    assert f"Agenda papers: 1st meeting of the {COMMITTEE_EN}" in agenda
    assert "Recommendation" in agenda and "Agree with conditions" in agenda
    assert "2 of 5 members present (quorum 3): no quorum, no decision could be taken" in minutes
    assert "Deferred to a later meeting" in minutes
    assert "Approved as a true record on" in minutes and "by 김위원장, Chair." in minutes


@pytest.mark.parametrize(
    ("n", "korean", "english"),
    [(1, "1일", "1 day"), (2, "2일", "2 days"), (365, "365일", "365 days")],
)
def test_a_number_of_days_on_a_paper_reads_as_one_day_or_many(n, korean, english):
    assert (paper_wording.days(n, "ko"), paper_wording.days(n, "en")) == (korean, english)
