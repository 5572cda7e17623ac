"""User-notice evidence (filed by the company, accepted or returned by the officer) and the
conditions register (each numbered condition open, met or breached, with evidence and a note)."""

from __future__ import annotations

import pytest

from applications import services
from applications.models import AuditEvent
from core.errors import InvalidInput, NotPermitted, NotVisible, StaleVersion, WrongState
from supervision import services as supervision
from supervision.models import ConditionRecord, FilingStatus, UserNotice
from tests.portal import samples
from tests.supervision.helpers import T0, active, at, file_notice, supervised

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world):
    supervised(world)
    with at(T0):
        return active(world)


def test_the_company_files_notice_evidence_and_the_officer_returns_then_accepts(world, case):
    first = file_notice(world, case, attachments=[("screen.png", [samples.PNG])])
    assert [d.doc_type for d in first.attachments.all()] == ["user_notice"]
    supervision.user_notice_review(
        notice=first, by=world.officer, accept=False, reasons="기간 누락"
    )
    second = file_notice(
        world, case, notice_text="실증특례, 기간 2026-03-02 ~ 2028-03-01, 문의 1588"
    )
    supervision.user_notice_review(notice=second, by=world.officer, accept=True)
    statuses = list(UserNotice.objects.order_by("number").values_list("status", "review_reasons"))
    assert statuses == [(FilingStatus.RETURNED, "기간 누락"), (FilingStatus.ACCEPTED, "")]
    actions = list(
        AuditEvent.objects.filter(application=case, action__startswith="user_notice").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "user_notice_filed",
        "user_notice_returned",
        "user_notice_filed",
        "user_notice_accepted",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channels": ""}, "channels"),
        ({"notice_text": " "}, "notice_text"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": ""}, "attachments"),
    ],
)
def test_bad_notice_evidence_is_refused(world, case, change, field):
    with pytest.raises(InvalidInput) as refused:
        file_notice(world, case, **change)
    assert field in refused.value.errors
    assert not UserNotice.objects.exists()


def test_a_returned_notice_needs_reasons_and_the_company_cannot_review(world, case):
    filed = file_notice(world, case)
    with pytest.raises(InvalidInput):
        supervision.user_notice_review(notice=filed, by=world.officer, accept=False)
    with pytest.raises(NotPermitted):
        supervision.user_notice_review(notice=filed, by=world.applicant, accept=True)
    with pytest.raises(NotVisible):
        supervision.user_notice_file(
            application=case,
            by=world.other_applicant,
            channels="x",
            notice_text="y",
            url="https://x.test",
        )
    with pytest.raises(StaleVersion):
        file_notice(world, case, expected_count=0)


def test_the_conditions_register_is_kept_by_the_officer(world, case):
    first, second = ConditionRecord.objects.filter(application=case).order_by("number")
    with pytest.raises(InvalidInput) as no_evidence:
        supervision.condition_update(record=first, by=world.officer, status="met")
    with pytest.raises(InvalidInput) as no_note:
        supervision.condition_update(record=second, by=world.officer, status="breached")
    supervision.condition_update(
        record=first, by=world.officer, status="met", evidence="1분기 보고서 주행 기록"
    )
    supervision.condition_update(
        record=second, by=world.officer, status="breached", note="사고 보고가 30시간 늦었습니다."
    )
    assert "evidence" in no_evidence.value.errors and "note" in no_note.value.errors
    assert list(
        ConditionRecord.objects.filter(application=case)
        .order_by("number")
        .values_list("status", "evidence", "note")
    ) == [
        ("met", "1분기 보고서 주행 기록", ""),
        ("breached", "", "사고 보고가 30시간 늦었습니다."),
    ]
    breach = AuditEvent.objects.get(application=case, action="condition_breached")
    assert breach.payload["condition"] == 2 and breach.payload["reason"].startswith("사고 보고")


def test_a_stale_condition_form_is_refused(world, case):
    record = ConditionRecord.objects.filter(application=case).first()
    opened = record.version
    supervision.condition_update(record=record, by=world.officer, status="met", evidence="e")
    with pytest.raises(StaleVersion):
        supervision.condition_update(
            record=record, by=world.other_officer, status="open", expected_version=opened
        )


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("applicant", NotPermitted),
        ("decider", NotPermitted),
        ("auditor", NotPermitted),
        ("foreign_officer", NotVisible),
    ],
)
def test_only_the_lead_ministrys_officers_keep_the_register(world, case, persona, error):
    record = ConditionRecord.objects.filter(application=case).first()
    with pytest.raises(error):
        supervision.condition_update(
            record=record, by=world.persona(persona), status="met", evidence="e"
        )


def test_no_notice_is_filed_once_the_waiver_has_ended(world, case):
    with at(T0.replace(year=2029)):
        services.application_expire(application=case)
    with pytest.raises(WrongState):
        file_notice(world, case)
