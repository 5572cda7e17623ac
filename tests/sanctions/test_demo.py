"""seed_demo shows due process at work: a waiver under prior notice with the company's opinion
in (the measure may now be taken), a suspended waiver with its period and cure steps (reached
through notice and opinion), a revoked one after a hearing request; FinISA's continuation cap
and the ICT/ICP conversion tracks; running it again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from applications.models import Application, Track
from applications.workflow import ApplicationStatus as S
from sanctions.models import NoticeStatus, PriorNotice, Suspension, SuspensionStatus

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_waiver_under_notice_and_one_suspended(capsys):
    call_command("seed_demo")
    noticed = Application.objects.get(title="자율주행 셔틀 심야 노선 확대")
    assert noticed.status == S.ACTIVE
    notice = PriorNotice.objects.get(application=noticed)
    assert notice.status == NoticeStatus.OPEN and notice.opinion.text
    suspended = Application.objects.get(title="원격 의료기기 모니터링")
    assert suspended.status == S.SUSPENDED
    suspension = Suspension.objects.get(application=suspended)
    assert suspension.status == SuspensionStatus.IN_FORCE and len(suspension.cure_steps) == 3
    assert suspension.notice is not None and suspension.notice.status == NoticeStatus.DECIDED
    revoked = Application.objects.get(title="무인 세탁 배달 로봇")
    assert PriorNotice.objects.get(application=revoked).opinion.hearing_requested
    assert set(
        Track.objects.filter(continuation_cap_months=18).values_list("program__code", flat=True)
    ) == {"FIN"}
    converting = Track.objects.filter(conversion_track__isnull=False)
    assert {(t.program.code, t.code, t.conversion_track.code) for t in converting} == {
        ("ICT", "demonstration", "temporary_permit"),
        ("ICP", "demonstration", "temporary_permit"),
    }
    before = PriorNotice.objects.count()
    call_command("seed_demo")
    assert PriorNotice.objects.count() == before
