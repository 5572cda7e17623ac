"""Every letter kind rendered, sealed and stored once per module (real WeasyPrint, real
pyHanko, real poppler), then checked: text, fonts, signature, embedded JSON, hash, PDF/A."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from applications import services
from applications.models import AuditEvent, Decision
from applications.workflow import ApplicationStatus as S
from documents import signing
from documents.models import Letter, LetterKind, LetterStatus
from documents.storage import letter_pdf_path
from sanctions import services as sanctions
from tests.builders import build_world, draft, drive, sanction
from tests.documents.helpers import CONDITIONS, activate, approved_case, issue_all, pdf_text
from tests.factories import TrackFactory

# What these check is rendered output; the PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.rendering

KINDS = [k.value for k in LetterKind]


@dataclass(frozen=True)
class Sample:
    kind: str
    language: str
    number: str
    reference: str
    company: str
    representative: str
    registration: str
    pdf: bytes
    text: str
    sha256: str
    decision: dict[str, Any]
    audit_payloads: list[dict[str, Any]]


class _Rollback(Exception):
    pass


def _expected_decision(decision: Decision) -> dict[str, Any]:
    """The decision as the database holds it, written out field by field."""
    return {
        "id": decision.pk,
        "kind": decision.kind,
        "decided_at": decision.decided_at.astimezone(dt.UTC).isoformat(),
        "decided_by": decision.decided_by.username if decision.decided_by else "system",
        "committee_reference": decision.committee_reference,
        "legal_basis": decision.legal_basis,
        "term_start": decision.term_start.isoformat() if decision.term_start else None,
        "term_end": decision.term_end.isoformat() if decision.term_end else None,
        "conditions": decision.conditions,
        "exempted_provisions": decision.exempted_provisions,
        "reasons": decision.reasons,
        "confirmation_outcome": decision.confirmation_outcome,
        "permits": decision.permits,
        "competent_authority": decision.competent_authority,
        "details": decision.details,
    }


def _build_samples() -> dict[str, Sample]:
    world = build_world()
    apps = []
    # approval → extension → suspension → revocation on one case
    app = approved_case(world, days=365)
    activate(world, app)
    assert app.term_end is not None
    request = services.extension_request_file(
        application=app,
        by=world.applicant,
        new_end=app.term_end + dt.timedelta(days=300),
        reason="실증 데이터 추가 확보",
    )
    services.extension_request_decide(extension_request=request, by=world.decider, grant=True)
    # prior notice → opinion → suspension; then a revocation notice with a hearing
    sanction(world, app, "suspend", "이용자 안전 사고 조사")
    notice = sanctions.notice_send(
        application=app, by=world.decider, measure="revoke", grounds="부가조건 제1호 위반 반복"
    )
    sanctions.hearing_schedule(
        notice=notice,
        by=world.decider,
        at=timezone.now() + dt.timedelta(days=5),
        place="정부세종청사 4동 회의실",
    )
    sanctions.opinion_submit(
        notice=notice, by=world.applicant, text="속도 제한을 지켰습니다.", hearing_requested=True
    )
    sanctions.measure_take(
        notice=notice,
        by=world.decider,
        reason="부가조건 위반 반복",
        assessment_outcome="not_accepted",
        assessment="운행 기록이 위반을 보여 줌",
    )
    apps.append(app)
    # urgent suspension → extended → resumed
    app = approved_case(world, days=365)
    activate(world, app)
    sanctions.urgent_suspend(
        application=app,
        by=world.decider,
        ground="safety",
        explanation="제동 장치 결함으로 보행자 충돌 위험",
        ends_on=world.today + dt.timedelta(days=14),
        cure_steps=["제동 장치 교체", "안전 점검 보고서 제출"],
    )
    sanctions.suspension_decide(
        application=app,
        by=world.decider,
        resume=False,
        reason="점검 보고서 미제출",
        new_end=world.today + dt.timedelta(days=30),
    )
    sanctions.suspension_decide(application=app, by=world.decider, resume=True, reason="시정 확인")
    apps.append(app)
    # continuation pending law amendment (capped), conversion, the end of the continuation
    permit = TrackFactory.create(program=world.program, code="temporary_permit", name="임시허가")
    world.exemption.continuation_cap_months = 18
    world.exemption.conversion_track = permit
    world.exemption.save()
    app = approved_case(world, days=365)
    activate(world, app)
    amendment = services.law_amendment_request_file(
        application=app, by=world.applicant, reason="법령 정비 필요"
    )
    services.law_amendment_request_decide(
        law_amendment_request=amendment, by=world.decider, accept=True, reason="필요성 인정"
    )
    services.application_convert(application=app, by=world.decider, reason="임시허가 요건 충족")
    assert app.continuation_until is not None
    services.application_end_continuation(
        application=app,
        now=timezone.now() + dt.timedelta(days=(app.continuation_until - world.today).days + 2),
    )
    apps.append(app)
    # expiry
    app = approved_case(world, offset=-30, days=29)
    activate(world, app)
    services.application_expire(application=app)
    apps.append(app)
    apps.append(drive(world, S.REJECTED))
    apps.append(drive(world, S.CONFIRMED))
    app = draft(world, track=world.confirmation, requested_term_days=None)
    services.application_submit(application=app, by=world.applicant)
    services.application_deem_confirmed(
        application=app, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=40)
    )
    apps.append(app)
    apps.append(approved_case(world, title="Autonomous delivery robot", language="en"))

    samples: dict[str, Sample] = {}
    for app in apps:
        for letter in issue_all(app):
            key = letter.kind if letter.language == "ko" else f"{letter.kind}-{letter.language}"
            path = letter_pdf_path(letter)
            events = AuditEvent.objects.filter(application=app, action="letter_issued")
            samples[key] = Sample(
                kind=letter.kind,
                language=letter.language,
                number=letter.number,
                reference=app.reference or "",
                company=world.organization.name,
                representative=world.organization.representative,
                registration=world.organization.registration_number,
                pdf=path.read_bytes(),
                text=pdf_text(path),
                sha256=letter.sha256,
                decision=_expected_decision(letter.decision),
                audit_payloads=[e.payload for e in events if e.payload["number"] == letter.number],
            )
    return samples


@pytest.fixture(scope="module")
def samples(django_db_setup: None, django_db_blocker: Any) -> dict[str, Sample]:
    """One letter of every kind (and an English one), issued in a transaction rolled back
    afterwards; tests read the plain results."""
    built: dict[str, Sample] = {}
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                built = _build_samples()
                raise _Rollback
        except _Rollback:
            pass
    return built


def test_every_kind_of_letter_is_issued(samples):
    assert set(KINDS) <= set(samples)
    assert samples["approval-en"].language == "en"


@pytest.mark.parametrize("kind", KINDS)
def test_each_letter_names_its_number_case_recipient_and_korean_title(samples, kind):
    sample = samples[kind]
    for expected in (
        sample.number,
        sample.reference,
        sample.company,
        sample.representative,
        sample.registration,
        "과학기술정보통신부장관",  # signatory
        # appeal notice (a notice of an intended measure or of a hearing is no disposition)
        *(() if kind in ("prior_notice", "hearing_notice") else ("행정심판",)),
        "/verify/" + sample.number,  # verification URL
    ):
        assert expected in sample.text, (kind, expected)
    assert sample.number.startswith(sample.reference + "-L")


def test_the_approval_letter_lists_every_numbered_condition_scope_and_obligations(samples):
    text = samples["approval"].text
    assert "실증을 위한 규제특례 지정 통지" in text
    for condition in CONDITIONS:
        assert condition in text
    for expected in (
        "부가조건",
        "책임보험",
        "법령 정비",
        "도로교통법 제2조 제10호",
        "서울 강남구",
        "누리집에 공개",
    ):
        assert expected in text
    assert "제1차 신기술·서비스 심의위원회" in text


def test_kind_specific_content_is_printed(samples):
    assert "불승인" in samples["rejection"].text, samples["rejection"].text
    assert "근거 부족" in samples["rejection"].text
    assert "신속확인 결과 통지" in samples["confirmation"].text
    assert "간주" in samples["deemed_confirmation"].text
    assert "이용자 안전 사고 조사" in samples["suspension"].text
    assert "부가조건 위반 반복" in samples["revocation"].text
    assert "즉시 중단" in samples["revocation"].text
    assert "기간 만료" in samples["expiry"].text
    assert "기간 연장" in samples["extension"].text
    assert "결과 보고" in samples["expiry"].text  # the result-report duty


def test_due_process_letters_print_the_procedure(samples):
    notice = samples["prior_notice"].text
    assert "처분 사전통지서" in notice
    assert "부가조건 제1호 위반 반복" in notice
    assert "의견 제출 기한" in notice
    assert "행정심판" not in notice  # not a disposition: no appeal section
    assert "행정심판" in samples["suspension"].text
    assert "지정 취소" in notice
    hearing = samples["hearing_notice"].text
    assert "정부세종청사 4동 회의실" in hearing
    revocation = samples["revocation"].text
    assert "사전통지 (제2호)" in revocation  # the notice it follows
    assert "속도 제한을 지켰습니다." in revocation  # the opinion
    assert "청문 요청" in revocation
    assert "의견을 반영하지 아니함: 운행 기록이 위반을 보여 줌" in revocation
    suspension = samples["suspension"].text
    assert "사전통지 (제1호)" in suspension
    assert "정지 기간" in suspension and "시정 조치" in suspension
    assert "효력 재개 요청" in suspension  # how to ask for resumption
    urgent = samples["urgent_suspension"].text
    assert "안전에 대한 위험" in urgent and "제동 장치 교체" in urgent
    assert "정지 기간 연장" in samples["suspension_extension"].text
    assert "효력 재개" in samples["resumption"].text
    continuation = samples["law_amendment"].text
    assert "18개월" in continuation
    assert "임시허가" in samples["conversion"].text and "실증특례" in samples["conversion"].text
    assert "상한" in samples["continuation_end"].text


def test_an_english_letter_is_in_english_with_korean_headings_beside(samples):
    text = samples["approval-en"].text
    assert "Notice of designation" in text
    assert "Autonomous delivery robot" in text
    assert "administrative appeal" in text
    assert "수신" in text  # bilingual heading
    assert "Minister" not in samples["approval"].text  # the Korean letter has no English body


def test_page_footer_counts_pages(samples):
    assert re.search(r"1 ?/ ?\d+ ?쪽", samples["approval"].text)
    assert re.search(r"page 1 ?/ ?\d+", samples["approval-en"].text)


def test_fonts_are_embedded(tmp_path, samples):
    path = tmp_path / "letter.pdf"
    path.write_bytes(samples["approval"].pdf)
    rows = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    fonts = rows.stdout.splitlines()[2:]
    assert any("Noto-Sans-CJK-KR" in row for row in fonts)
    for row in fonts:
        # columns: name type encoding emb sub uni object id — "emb" must be yes
        assert row.split()[-5] == "yes", row


def _signatures(pdf: bytes) -> list[Any]:
    return list(PdfFileReader(BytesIO(pdf)).embedded_signatures)


def test_the_pades_signature_validates_against_the_authority_certificate(samples):
    context = ValidationContext(trust_roots=[signing.signing_certificate()])
    for kind in KINDS:
        (signature,) = _signatures(samples[kind].pdf)
        status = validate_pdf_signature(signature, context)
        assert status.intact and status.valid and status.trusted, (
            kind,
            status.pretty_print_details(),
        )
        assert status.coverage.name == "ENTIRE_FILE"


def test_a_tampered_letter_fails_validation(samples):
    pdf = bytearray(samples["approval"].pdf)
    position = pdf.index(b"/Producer")  # inside the signed first revision
    pdf[position + 1 : position + 2] = b"Q"
    (signature,) = _signatures(bytes(pdf))
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[signing.signing_certificate()])
    )
    assert not status.intact


def test_the_embedded_json_equals_the_decision(samples):
    for kind in KINDS:
        sample = samples[kind]
        attachments = PdfReader(BytesIO(sample.pdf)).attachments
        (content,) = attachments["decision.json"]
        record = json.loads(content)
        assert record["decision"] == sample.decision
        assert record["letter"]["number"] == sample.number
        assert record["letter"]["kind"] == kind
        assert record["recipient"]["name"] == sample.company


def test_the_recorded_sha256_is_the_stored_file_and_the_audit_event_carries_it(samples):
    for kind in KINDS:
        sample = samples[kind]
        assert hashlib.sha256(sample.pdf).hexdigest() == sample.sha256
        assert sample.audit_payloads == [
            {
                "number": sample.number,
                "sha256": sample.sha256,
                "kind": kind,
                "decision": sample.decision["id"],
                "version": 1,
                "supersedes": "",
            }
        ]


def test_the_pdf_is_pdfa_3b_with_title_author_and_keywords(samples):
    sample = samples["approval"]
    reader = PdfReader(BytesIO(sample.pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    # the PDF/A identification survives the signature's incremental update
    assert re.search(r'pdfaid:part(="|>)3', raw), raw
    assert re.search(r'pdfaid:conformance(="|>)B', raw), raw
    info = reader.metadata
    assert info is not None
    assert sample.number in (info.title or "")
    assert info.author == "과학기술정보통신부장관"
    assert sample.number in reader.metadata["/Keywords"]
    assert samples["approval"].number != samples["extension"].number


@pytest.mark.django_db
def test_remand_makes_no_letter_and_resumption_makes_one(world):
    app = drive(world, S.DELIBERATION)
    services.application_remand(application=app, by=world.decider, reason="보완 검토")
    assert not Letter.objects.filter(application=app).exists()
    app = drive(world, S.SUSPENDED)
    before = Letter.objects.filter(application=app).count()
    services.application_resume(application=app, by=world.decider, reason="조사 완료")
    assert Letter.objects.filter(application=app).count() == before + 1
    assert Letter.objects.filter(application=app).last().kind == LetterKind.RESUMPTION


@pytest.mark.django_db
def test_the_pending_letter_is_created_in_the_decision_transaction(world):
    app = drive(world, S.APPROVED)
    (letter,) = Letter.objects.filter(application=app)
    assert letter.status == LetterStatus.PENDING
    assert letter.number == f"{app.reference}-L1"
    assert letter.decision.kind == "approval"
    assert letter.language == app.language


@pytest.mark.django_db
def test_long_conditions_wrap_inside_the_page_and_the_table_header_repeats(world):
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTTextContainer

    from documents import letter_data, letters
    from tests.documents.helpers import now

    long_korean = "가나다라마바사아자차카타파하" * 12  # no spaces at all
    long_latin = "https://example.org/" + "x" * 150
    conditions = [
        f"조건 항목 {i}: 운행 구역 내 보행자 안전 확보 조치를 이행할 것" for i in range(1, 41)
    ]
    conditions[5] = long_korean
    conditions[6] = long_latin
    app = approved_case(world, conditions=conditions)
    letter = Letter.objects.get(application=app)
    pdf = letters.render(letter_data.letter_input(letter, issued_at=now()))

    pages = list(extract_pages(BytesIO(pdf)))
    assert len(pages) >= 3
    left, right = 20 * 72 / 25.4, 20 * 72 / 25.4  # page margins in points
    table_pages = 0
    flat = ""
    for page in pages:
        text = ""
        for element in page:
            if not isinstance(element, LTTextContainer):
                continue
            text += element.get_text()
            for line in element:
                for char in line:
                    if isinstance(char, LTChar):
                        assert char.x0 >= left - 1 and char.x1 <= page.width - right + 1, (
                            char.get_text(),
                            char.x1,
                        )
        flat += "".join(text.split())
        if "조건항목" in "".join(text.split()):
            table_pages += 1
            assert "번호" in text  # the header row repeats on every page of the table
    assert table_pages >= 2
    assert long_korean in flat and long_latin in flat
    for i in (1, 20, 40):
        assert f"조건항목{i}:" in flat
