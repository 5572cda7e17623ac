"""Letters in the form of a Korean official document (DOMAIN.md §4): the sending department,
the responsible officer with telephone and email, the disclosure class (공개구분), the end mark
(끝.), the approval line where the programme uses one, durations in years and months, the legal
basis named once, no further extension offered after the last one, a closing that never leaves
the verification block alone on a last page, and no loopback verification address in production.
Real WeasyPrint and pdftotext."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from applications import services
from documents import letter_data, letters
from documents import letter_wording as w
from documents.checks import letter_site_url_check
from documents.issuing import letter_issue
from documents.models import Letter, LetterKind, LetterStatus
from documents.storage import letter_pdf_path
from tests.documents.helpers import activate, approved_case, issue_all, pdf_text

# What these check is rendered output; the PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.rendering

APPROVAL_LINE = [
    {"ko": "주무관", "en": "Officer"},
    {"ko": "사무관", "en": "Deputy Director"},
    {"ko": "과장", "en": "Director"},
]


@pytest.fixture
def official(world):
    program = world.program
    program.department, program.department_en = "정보통신산업정책과", "ICT Industry Policy Division"
    program.phone, program.email = "044-202-6211", "ict-sandbox@msit.example.go.kr"
    program.approval_line = APPROVAL_LINE
    program.save()
    world.officer.first_name, world.officer.email = "박서연", "officer@msit.example.go.kr"
    world.officer.save()
    world.officer.staff_profile.phone = "044-202-6213"
    world.officer.staff_profile.save()
    world.decider.first_name = "한지우"
    world.decider.save()
    return world


def _text(letter: Letter) -> str:
    return pdf_text(letter_pdf_path(letter))


def test_the_approval_letter_carries_the_official_form(official):
    app = approved_case(official)
    (letter,) = issue_all(app)
    text = _text(letter)
    for element in (
        "담당 부서 Department 정보통신산업정책과",
        "담당자 Responsible officer 박서연",
        "전화 Telephone 044-202-6213",  # the officer's own line, not the department's
        "전자우편 Email officer@msit.example.go.kr",
        "공개구분 Disclosure 공개",
        "결재 Approval 주무관 박서연",  # the drafter's box
        "과장 한지우",  # the last box: the decision maker
    ):
        assert element in text, element
    assert "행정소송을 제기할 수 있습니다. 끝." in text  # the end mark closes the text
    assert "1회 2년 이내" in text and "730일" not in text  # durations in years and months
    assert "기간 만료 2개월 전" in text
    # the legal basis names the statute once
    assert "정보통신융합법 — 정보통신융합법" not in text
    assert f"Legal basis {letter.application.track.legal_basis}" in text


def test_the_english_letter_reads_the_same_in_english(official):
    app = approved_case(official, title="Autonomous delivery robot", language="en")
    (letter,) = issue_all(app)
    text = _text(letter)
    for element in (
        "Department 담당 부서 ICT Industry Policy Division",
        "Disclosure 공개구분 Public",
        "Approval 결재",
        "Deputy Director",
        "Director 한지우",
        "by up to 2 years each",
    ):
        assert element in text, element


def test_without_an_approval_line_or_officer_phone_the_department_answers(official):
    program = official.program
    program.approval_line = []
    program.save()
    official.officer.staff_profile.phone = ""
    official.officer.staff_profile.save()
    (letter,) = issue_all(approved_case(official))
    text = _text(letter)
    assert "결재 Approval" not in text
    assert "전화 Telephone 044-202-6211" in text


def test_the_extension_letter_after_the_last_allowed_extension_offers_no_other(official):
    app = approved_case(official, days=365)
    activate(official, app)
    assert app.track.max_extensions == 1
    request = services.extension_request_file(
        application=app,
        by=official.applicant,
        new_end=app.term_end + dt.timedelta(days=300),
        reason="실증 데이터 추가 확보",
    )
    services.extension_request_decide(extension_request=request, by=official.decider, grant=True)
    approval, extension = issue_all(app)
    assert "만료 전에 신청할 수 있습니다" in _text(approval)
    text = _text(extension)
    assert "더 이상 기간 연장을 신청할 수 없습니다" in text
    assert "만료 전에 신청할 수 있습니다" not in text


@pytest.mark.parametrize(
    ("days", "korean", "english"),
    [
        (1, "1일", "1 day"),
        (30, "30일", "30 days"),
        (60, "2개월", "2 months"),
        (180, "6개월", "6 months"),
        (365, "1년", "1 year"),
        (545, "1년 6개월", "1 year and 6 months"),
        (730, "2년", "2 years"),
        (1461, "4년", "4 years"),
        (1000, "1000일", "1000 days"),
    ],
)
def test_durations_read_in_years_and_months(days, korean, english):
    assert (w.duration(days, "ko"), w.duration(days, "en")) == (korean, english)


def test_the_legal_basis_names_the_statute_once():
    assert letter_data.legal_basis_line("정보통신융합법", "정보통신융합법 제38조의2") == (
        "정보통신융합법 제38조의2"
    )
    assert letter_data.legal_basis_line("정보통신융합법", "제38조의2") == "정보통신융합법 제38조의2"
    assert letter_data.legal_basis_line("정보통신융합법", "") == "정보통신융합법"


def _pages(pdf: bytes) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "letter.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
        ).stdout.decode("utf-8")
    return [" ".join(page.split()) for page in out.split("\f") if page.strip()]


def test_the_verification_block_never_sits_alone_on_a_last_page(official):
    app = approved_case(official)
    (letter,) = issue_all(app)
    data = letter_data.letter_input(letter, issued_at=letter.issued_at)
    authority = data.context["authority"]["name"]
    verification = w.heading("verification", "ko")["main"]
    page_counts = set()
    # Letters of every length: as the conditions grow, the closing reaches each place on a page.
    for count in range(0, 40, 4):
        conditions = [f"부가조건 {n}: 안전 관리 계획에 따라 운행할 것" for n in range(count)]
        context = {**data.context, "conditions": conditions}
        pages = _pages(letters.render(dataclasses.replace(data, context=context)))
        page_counts.add(len(pages))
        last = pages[-1]
        assert verification in last, count
        assert authority in last and "공개구분" in last, (count, last[:200])
    assert len(page_counts) > 1  # the lengths did cross a page boundary


def test_a_loopback_verification_address_is_refused_when_debug_is_off(official):
    app = approved_case(official)
    letter = Letter.objects.get(application=app)
    with override_settings(SITE_URL="http://127.0.0.1:8000", LETTER_LOOPBACK_OK=False):
        assert [m.id for m in letter_site_url_check()] == ["documents.E001"]
        with pytest.raises(ImproperlyConfigured, match="SITE_URL"):
            letter_issue(letter=letter)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.PENDING
    with override_settings(SITE_URL="https://sandbox.example.go.kr", LETTER_LOOPBACK_OK=False):
        assert letter_site_url_check() == []
        issued = letter_issue(letter=letter)
    assert issued.status == LetterStatus.ISSUED
    assert "https://sandbox.example.go.kr/verify/" in _text(issued)
    assert issued.kind == LetterKind.APPROVAL


def test_the_default_follows_debug():
    with override_settings(SITE_URL="http://localhost:8000", DEBUG=True):
        from django.conf import settings

        del settings.LETTER_LOOPBACK_OK
        assert letter_data.letter_url_problem() == ""
    for url in (
        "http://127.0.0.1:8000",
        "http://localhost",
        "http://[::1]:8000",
        "http://a.localhost",
    ):
        assert letter_data.is_loopback_url(url), url
    assert not letter_data.is_loopback_url("https://sandbox.example.go.kr")
