"""Papers that are not letters: a template and data rendered with the letters' machinery,
sealed, stored with their SHA-256 and an audit event — in one transaction with the asking
app's own change, so that a refusal there keeps no row, event or file."""

from __future__ import annotations

import hashlib
import json
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from applications.models import AuditEvent
from applications.roles import Role
from core.errors import WrongState
from documents import signing
from documents.models import Paper
from documents.papers import PaperSpec
from documents.services import paper_issue
from documents.storage import paper_pdf_path
from documents.vocabulary import DocumentAction
from tests.documents.helpers import pdf_text

SPEC = PaperSpec(
    reference="TEST-PAPER-1",
    kind="committee_agenda",
    title="시험 문서",
    language="ko",
    template="committees/papers/agenda.html",
    context={
        "lang": "ko",
        "h": {},
        "title": {"main": "회의 안건", "alt": "Agenda papers"},
        "authority": {"ministry": "과학기술정보통신부", "department": "신기술·서비스 심의위원회"},
        "committee": "신기술·서비스 심의위원회",
        "meeting": {"label": "제7차 회의", "when": "2026년 5월 12일 14:00", "venue": "대면 회의"},
        "reference": "TEST-PAPER-1",
        "intro": "다음 안건을 심의합니다.",
        "items": [],
        "members": [{"name": "김위원장", "role": "위원장", "affiliation": ""}],
        "no_items": "안건 없음",
    },
    record={"format": "test/1", "n": 7},
)


def test_a_paper_is_rendered_sealed_stored_and_audited_with_the_callers_change(db):
    user = None
    seen: list[Paper] = []
    result = paper_issue(spec=SPEC, by=user, role=Role.SYSTEM, then=lambda p: seen.append(p) or 42)
    assert result == 42
    (paper,) = Paper.objects.all()
    assert seen == [paper]
    data = paper_pdf_path(paper).read_bytes()
    assert hashlib.sha256(data).hexdigest() == paper.sha256 and len(data) == paper.size
    text = pdf_text(paper_pdf_path(paper))
    assert "제7차 회의" in text and "김위원장" in text and "안건 없음" in text
    (signature,) = PdfFileReader(BytesIO(data)).embedded_signatures
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[signing.signing_certificate()])
    )
    assert status.intact and status.valid
    attached = PdfReader(BytesIO(data)).attachments
    assert json.loads(attached["committee_agenda.json"][0]) == {"format": "test/1", "n": 7}
    event = AuditEvent.objects.get(action=DocumentAction.PAPER_ISSUED)
    assert event.application is None
    assert event.payload == {
        "paper": paper.pk,
        "reference": "TEST-PAPER-1",
        "kind": "committee_agenda",
        "sha256": paper.sha256,
        "size": paper.size,
    }


def test_when_the_callers_change_is_refused_nothing_is_kept(db, settings):
    def refuse(paper: Paper) -> None:
        raise WrongState("the meeting changed meanwhile")

    folder = settings.PRIVATE_STORAGE_ROOT / "papers"
    before = set(folder.rglob("*")) if folder.exists() else set()
    with pytest.raises(WrongState):
        paper_issue(spec=SPEC, by=None, role=Role.SYSTEM, then=refuse)
    assert not Paper.objects.exists()
    assert not AuditEvent.objects.filter(action=DocumentAction.PAPER_ISSUED).exists()
    after = set(folder.rglob("*")) if folder.exists() else set()
    assert {p for p in after - before if p.is_file()} == set()
