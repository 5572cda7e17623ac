"""The approval letter lists the report due dates and the minimum insured amount (supervision's
section, through ``documents.letter_data.register_section``), in the letter's language; an
extension letter lists the schedule as extended. Real WeasyPrint and pdftotext."""

from __future__ import annotations

import datetime as dt

import pytest

from applications import services
from documents.models import LetterKind
from documents.storage import letter_pdf_path
from tests.documents.helpers import issue_all, pdf_text
from tests.supervision.helpers import T0, approved, at, policy, supervised

pytestmark = pytest.mark.django_db


def letter_text(app, kind: str) -> str:
    letter = next(item for item in issue_all(app) if item.kind == kind)
    return pdf_text(letter_pdf_path(letter))


def test_the_korean_approval_letter_lists_the_schedule_and_the_minimum_cover(world):
    supervised(world)
    with at(T0):
        app = approved(world)
        text = letter_text(app, LetterKind.APPROVAL)
    assert "보고 일정" in text and "Reporting schedule" in text  # bilingual heading
    assert (
        "정기 보고 1회차 (대상 기간 2026년 3월 2일 – 2026년 6월 1일): 2026년 7월 1일까지 제출"
        in text
    )
    assert "정기 보고 7회차" in text and "정기 보고 8회차" not in text
    assert "결과 보고 (대상 기간 2026년 3월 2일 – 2028년 3월 1일): 2028년 3월 31일까지 제출" in text
    assert "책임보험 최저 보상한도: 1인당 100,000,000원, 총 보상한도 300,000,000원" in text
    assert "중대한 사고는 인지한 때부터 24시간 이내에 보고해야 합니다." in text


def test_the_english_letter_says_it_in_english(world):
    supervised(world)
    with at(T0):
        app = approved(world, language="en")
        text = letter_text(app, LetterKind.APPROVAL)
    assert "Periodic report 1 (period 2 March 2026 – 1 June 2026): due by 1 July 2026" in text
    assert (
        "Minimum liability insurance cover: KRW 100,000,000 per person, KRW 300,000,000 in aggregate"
        in text
    )


def test_the_extension_letter_lists_the_schedule_as_extended(world):
    supervised(world)
    with at(T0):
        app = approved(world)
        policy(world, app)
        services.application_activate(application=app, by=world.officer)
        request = services.extension_request_file(
            application=app, by=world.applicant, new_end=dt.date(2029, 3, 1), reason="더 필요"
        )
        services.extension_request_decide(
            extension_request=request, by=world.decider, grant=True, reason="타당"
        )
        text = letter_text(app, LetterKind.EXTENSION)
    assert "결과 보고 (대상 기간 2026년 3월 2일 – 2029년 3월 1일): 2029년 3월 31일까지 제출" in text
    assert "정기 보고 11회차" in text


def test_a_track_without_supervision_settings_adds_nothing_to_the_letter(world):
    with at(T0):
        app = approved(world)
        text = letter_text(app, LetterKind.APPROVAL)
    assert "보고 일정" not in text and "최저 보상한도" not in text
