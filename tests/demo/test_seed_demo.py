"""``seed_demo`` (``demo/``): what the demo holds, read from one seeding per module, and that
running it again changes nothing.

Seeding takes seconds, so the module seeds once (``demo``, inside a transaction rolled back when
the module ends) and each test reads it in a savepoint of its own (pytest-django's ``db``), which
its writes cannot outlive. What each part of the demo must show:

- every status, with real, verifiable audit trails; the Korean tracks' timings; each sample case
  with its own coherent story (issue 16a);
- committees: the ICT committee with its members, one meeting held with approved minutes and
  issued decisions, one planned with the deferred case back on its agenda;
- sanctions: a waiver under prior notice with the company's opinion in, a suspended waiver with
  its period and cure steps (reached through notice and opinion), a revoked one after a hearing
  request; FinISA's continuation cap and the ICT/ICP conversion tracks;
- supervision: an active waiver with a reporting schedule, one report accepted (after a
  revision), one overdue, a serious incident awaiting the company's answer, an accepted
  insurance policy with its cover and certificate, user-notice evidence and the conditions
  register; the supervision settings of the Korean exemption tracks.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction

from applications.audit import audit_verify
from applications.models import (
    Application,
    AuditEvent,
    Consultation,
    Decision,
    Program,
    Track,
)
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from committees.models import Committee, Meeting, MeetingStatus, Result, Seat
from demo.cases import STORIES
from register.models import TradeSecretClaim
from sanctions.models import NoticeStatus, PriorNotice, Suspension, SuspensionStatus
from supervision.models import (
    ConditionRecord,
    FilingStatus,
    Incident,
    Report,
    ReportStatus,
    SupervisionSettings,
    UserNotice,
)


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[str]:
    """The demo seeded once for the module, in a transaction rolled back at its end; what the
    command printed."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(seeded: str, db: None) -> str:
    return seeded


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_running_it_again_changes_nothing(demo):
    before = _row_counts()
    call_command("seed_demo", stdout=io.StringIO())
    after = _row_counts()
    assert {
        label: (before[label], after[label]) for label in before if before[label] != after[label]
    } == {}
    assert before["applications.AuditEvent"] > 0 and before["committees.Meeting"] > 0


def test_seed_demo_builds_every_status_with_real_audit_trails(demo):
    assert "password for all" in demo
    assert set(Application.objects.values_list("status", flat=True)) == set(S.values)
    assert set(Program.objects.values_list("code", flat=True)) == {"ICT", "ICP", "FIN", "RZ", "SC"}
    for role in Role:
        if role != Role.SYSTEM:
            assert User.objects.filter(groups__name=role).exists(), role
    for app in Application.objects.exclude(status=S.DRAFT):
        actions = list(app.events.values_list("action", flat=True))
        assert actions[0] == "draft_created" and "submit" in actions, app.title
    report = audit_verify()
    assert report.ok and report.events_checked == AuditEvent.objects.count()


def test_seeded_tracks_carry_the_korean_timings(demo):
    ict_demo = Track.objects.get(program__code="ICT", code="demonstration")
    assert (ict_demo.agenda_days, ict_demo.max_term_days, ict_demo.max_extensions) == (90, 730, 1)
    assert ict_demo.law_amendment_lead_days == 60
    fast = Track.objects.get(program__code="ICT", code="fast_confirmation")
    assert (fast.review_days, fast.deemed_outcome) == (30, "deemed_no_regulation")
    icp_demo = Track.objects.get(program__code="ICP", code="demonstration")
    assert icp_demo.max_term_days > 4 * 365 - 1  # four years since the 2026 amendment
    fin = Track.objects.get(program__code="FIN")
    assert (fin.review_days, fin.law_amendment_lead_days) == (120, 90)


def test_each_sample_case_has_its_own_coherent_story_and_a_plain_title(demo):
    cases = list(
        Application.objects.filter(organization__registration_number="220-81-12341")
        .prefetch_related("regulations", "data_items")
        .order_by("pk")
    )
    assert len(cases) >= 20
    for app in cases:
        assert not re.match(r"^\s*\[", app.title), app.title  # no status tag
        story = STORIES[app.title]
        assert app.service_description == story.service
        assert app.problem_solved == story.problem and app.existing_offers == story.offers
        (regulation,) = app.regulations.all()
        assert (regulation.statute, regulation.requirement, regulation.exemption_requested) == (
            story.regulation.statute,
            story.regulation.requirement,
            story.regulation.exemption,
        )
    descriptions = [app.service_description for app in cases]
    assert len(set(descriptions)) == len({app.title for app in cases})
    # the delivery-robot text once copied onto every case is gone, parking included
    assert not any("자율주행 배송 로봇이 보도를 이용하여" in a.service_description for a in cases)
    parking = next(a for a in cases if a.title == "스마트 주차 공유 플랫폼")
    assert "주차" in parking.service_description and "로봇" not in parking.service_description
    with_kpis = [a for a in cases if a.data_items.exists()]
    assert with_kpis and all(item.target for a in with_kpis for item in a.data_items.all())
    # what the ministries wrote about each case speaks of that case: the consultation question,
    # the recommendation's and the approval's conditions
    decided = [a for a in cases if a.title in STORIES and a.decisions.filter(kind="approval")]
    assert len(decided) >= 4
    for app in decided:
        story = STORIES[app.title]
        approval = app.decisions.get(kind="approval")
        told = " ".join((story.service, story.technology, story.safety, story.scale))
        if "km" not in told:  # no speed limit on a case whose story has no speed in it
            assert "시속" not in " ".join(approval.conditions), app.title
        for item in Consultation.objects.filter(application=app):
            assert story.regulation.statute in item.question, app.title
    assert len({tuple(a.decisions.get(kind="approval").conditions) for a in decided}) == len(
        decided
    )


def test_every_demo_track_explains_itself_in_both_languages(demo):
    for track in Track.objects.all():
        assert track.help and track.help_en, track
    fast = Track.objects.filter(similar_review_days=15).values_list("program__code", flat=True)
    assert set(fast) == {"ICT", "ICP"}


def test_the_demo_has_a_committee_with_members_a_held_meeting_with_minutes_and_a_planned_one(
    demo,
):
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


def test_the_demo_has_a_waiver_under_notice_and_one_suspended(demo):
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


def test_the_demo_has_a_waiver_under_supervision(demo):
    app = Application.objects.get(title="자율주행 순찰 로봇 아파트 단지 운행")
    assert app.status == S.ACTIVE
    reports = list(Report.objects.filter(application=app).order_by("due_on"))
    assert len(reports) == 8 and reports[-1].kind == "final"
    assert reports[0].status == ReportStatus.ACCEPTED
    assert [f.outcome for f in reports[0].submissions.order_by("number")] == [
        "revision_requested",
        "accepted",
    ]
    assert reports[1].status == ReportStatus.DUE and reports[1].overdue_at is not None
    incident = Incident.objects.get(application=app)
    assert incident.is_serious and incident.status == "awaiting_answer"
    proof = app.insurance_proofs.get()
    assert (proof.coverage_per_person, proof.policy.status) == (100_000_000, FilingStatus.ACCEPTED)
    assert proof.policy.certificate is not None
    assert UserNotice.objects.filter(application=app).exists()
    assert list(
        ConditionRecord.objects.filter(application=app).values_list("status", flat=True)
    ) == ["met", "open", "open"]
    assert app.data_items.count() == 3
    exemption_tracks = Track.objects.filter(kind="exemption").count()
    assert SupervisionSettings.objects.count() == exemption_tracks
    # The earlier sample cases were approved before supervision was set up: no schedule. The
    # committee's meeting decided after it (demo/committees.py): its approval has a schedule,
    # none of it due yet.
    committee_approved = set(
        Decision.objects.filter(kind="approval")
        .exclude(committee_reference="")
        .filter(application__agenda_items__isnull=False)
        .values_list("application_id", flat=True)
    )
    # The public register's sample (demo/register.py) is approved with supervision set up too,
    # ten days into its term.
    (public_sample,) = set(TradeSecretClaim.objects.values_list("application_id", flat=True))
    scheduled = set(Report.objects.values_list("application_id", flat=True))
    assert scheduled - committee_approved == {app.pk, public_sample}
    assert not Report.objects.exclude(application=app).filter(overdue_at__isnull=False).exists()
