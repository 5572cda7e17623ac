"""The due-process rules, each with time-machine at its edges: the opinion deadline, urgent
suspensions, suspension periods and their end, resumption, and who may do what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from applications import services
from applications.models import Application, AuditEvent, Decision
from applications.visibility import can_view_application
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput, NotPermitted, NotVisible, WrongState
from documents.models import Letter
from sanctions import availability
from sanctions import services as sanctions
from sanctions.deadlines import due_suspension_ends
from sanctions.models import (
    NoticeStatus,
    PriorNotice,
    ResumptionStatus,
    Suspension,
    SuspensionStatus,
)
from sanctions.selectors import suspensions_awaiting_decision
from tests.builders import World, drive
from tests.supervision.helpers import T0, at, seoul_midnight

OPINION_DUE = dt.date(2026, 3, 12)  # T0 is 2 March 2026 in Seoul; the track gives 10 days


def _active(world: World) -> Application:
    with at(T0 - dt.timedelta(days=1)):
        return drive(world, S.ACTIVE)


def _notice(world: World, app: Application, measure: str = "suspend") -> PriorNotice:
    with at(T0):
        return sanctions.notice_send(
            application=app,
            by=world.decider,
            measure=measure,
            grounds="야간 운행 금지 조건 위반",
            period_days=30 if measure == "suspend" else None,
        )


def _take(world: World, notice: PriorNotice, **kwargs: Any) -> Decision:
    fields: dict[str, Any] = {
        "reason": "조건 위반 확인",
        "ends_on": dt.date(2026, 5, 1),
        "cure_steps": ["야간 운행 차단 장치 설치"],
    }
    fields.update(kwargs)
    return sanctions.measure_take(notice=notice, by=world.decider, **fields)


def _snapshot(app: Application) -> tuple:
    fresh = Application.objects.get(pk=app.pk)
    return (fresh.status, fresh.version, AuditEvent.objects.count(), Decision.objects.count())


# --- prior notice and the opinion deadline -------------------------------------------------------------


def test_a_notice_sets_the_opinion_deadline_from_the_track_and_issues_its_letter(world):
    app = _active(world)
    notice = _notice(world, app)
    assert notice.opinion_due == OPINION_DUE
    assert notice.letter_decision.kind == "prior_notice"
    assert Letter.objects.filter(application=app, kind="prior_notice").count() == 1
    event = AuditEvent.objects.filter(application=app).order_by("-seq").first()
    assert event.action == "prior_notice_sent"
    assert event.payload["opinion_due"] == "2026-03-12"


def test_the_opinion_deadline_is_a_track_setting(world):
    world.exemption.opinion_days = 28  # the FCA's representations period
    world.exemption.save()
    app = _active(world)
    assert _notice(world, app).opinion_due == dt.date(2026, 3, 30)


def test_the_measure_is_refused_with_the_date_until_the_deadline_has_passed(world):
    app = _active(world)
    notice = _notice(world, app)
    last_minute = seoul_midnight(OPINION_DUE + dt.timedelta(days=1)) - dt.timedelta(minutes=1)
    with at(last_minute):
        before = _snapshot(app)
        with pytest.raises(WrongState, match="2026") as refused:
            _take(world, notice)
        assert refused.value.status_code == 409
        assert _snapshot(app) == before
        # the kernel's own transition is refused the same way: no way around the procedure
        with pytest.raises(WrongState):
            services.application_suspend(application=app, by=world.decider, reason="우회")
        assert _snapshot(app) == before
    with at(seoul_midnight(OPINION_DUE + dt.timedelta(days=1))):
        decision = _take(world, notice)
    app.refresh_from_db()
    assert app.status == S.SUSPENDED
    assert decision.kind == "suspension"
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DECIDED and notice.measure_decision == decision
    assert decision.details["opinion"] is None  # none came: the letter says so


def test_an_opinion_opens_the_measure_before_the_deadline_and_the_letter_cites_both(world):
    app = _active(world)
    notice = _notice(world, app)
    with at(T0 + dt.timedelta(days=2)):
        sanctions.opinion_submit(notice=notice, by=world.applicant, text="시정했습니다.")
        with pytest.raises(InvalidInput) as missing:
            _take(world, notice)  # an opinion must be answered
        assert set(missing.value.errors) == {"assessment_outcome", "assessment"}
        decision = _take(
            world, notice, assessment_outcome="partly", assessment="일부 시정이 확인됨"
        )
    assert decision.details["notice"]["number"] == 1
    assert decision.details["opinion"]["summary"] == "시정했습니다."
    assert decision.details["assessment"] == {"outcome": "partly", "why": "일부 시정이 확인됨"}
    suspension = Suspension.objects.get(application=app)
    assert (suspension.starts_on, suspension.ends_on) == (dt.date(2026, 3, 4), dt.date(2026, 5, 1))


def test_an_opinion_after_the_deadline_is_refused_and_nothing_is_written(world):
    app = _active(world)
    notice = _notice(world, app)
    with at(seoul_midnight(OPINION_DUE + dt.timedelta(days=1))):
        before = _snapshot(app)
        with pytest.raises(WrongState, match="12 March 2026"):
            sanctions.opinion_submit(notice=notice, by=world.applicant, text="늦은 의견")
    assert _snapshot(app) == before
    with at(seoul_midnight(OPINION_DUE) + dt.timedelta(hours=23)):  # still the last day
        sanctions.opinion_submit(notice=notice, by=world.applicant, text="마지막 날 의견")


def test_an_opinion_by_another_organisation_is_not_found(world):
    app = _active(world)
    notice = _notice(world, app)
    before = _snapshot(app)
    with at(T0), pytest.raises(NotVisible):
        sanctions.opinion_submit(notice=notice, by=world.other_applicant, text="남의 의견")
    assert _snapshot(app) == before


def test_an_empty_opinion_without_a_hearing_request_is_refused(world):
    app = _active(world)
    notice = _notice(world, app)
    with at(T0), pytest.raises(InvalidInput) as refused:
        sanctions.opinion_submit(notice=notice, by=world.applicant, text="  ")
    assert "text" in refused.value.errors


def test_a_notice_on_another_ministrys_case_is_not_found_and_staff_without_the_power_refused(world):
    app = _active(world)
    before = _snapshot(app)
    with at(T0):
        for persona in ("foreign_decider", "foreign_officer", "other_applicant"):
            assert not can_view_application(world.persona(persona), app)
            with pytest.raises(NotVisible):
                sanctions.notice_send(
                    application=app, by=world.persona(persona), measure="revoke", grounds="x"
                )
        for persona in ("officer", "applicant", "auditor"):
            with pytest.raises(NotPermitted):
                sanctions.notice_send(
                    application=app, by=world.persona(persona), measure="revoke", grounds="x"
                )
    assert _snapshot(app) == before


def test_a_second_notice_waits_for_the_first_and_a_closed_notice_allows_nothing(world):
    app = _active(world)
    notice = _notice(world, app)
    with at(T0), pytest.raises(WrongState):
        sanctions.notice_send(application=app, by=world.decider, measure="revoke", grounds="x")
    with at(T0 + dt.timedelta(days=1)):
        sanctions.notice_close(notice=notice, by=world.decider, reason="시정 확인")
    with at(T0 + dt.timedelta(days=20)), pytest.raises(WrongState):
        _take(world, notice)
    assert Application.objects.get(pk=app.pk).status == S.ACTIVE


def test_a_notice_needs_grounds_a_measure_and_for_a_suspension_its_period(world):
    app = _active(world)
    with at(T0), pytest.raises(InvalidInput) as refused:
        sanctions.notice_send(application=app, by=world.decider, measure="fine", grounds=" ")
    assert {"measure", "grounds"} <= set(refused.value.errors)
    with at(T0), pytest.raises(InvalidInput) as refused:
        sanctions.notice_send(application=app, by=world.decider, measure="suspend", grounds="g")
    assert set(refused.value.errors) == {"period_days"}


def test_a_hearing_is_scheduled_with_its_letter_and_recorded_once_held(world):
    app = _active(world)
    notice = _notice(world, app, "revoke")
    when = T0 + dt.timedelta(days=5)
    with at(T0):
        hearing = sanctions.hearing_schedule(
            notice=notice, by=world.decider, at=when, place="세종청사 회의실"
        )
        with pytest.raises(WrongState):
            sanctions.hearing_record(hearing=hearing, by=world.decider, attendees="a", minutes="m")
    assert hearing.letter_decision.kind == "hearing_notice"
    with at(when + dt.timedelta(hours=2)):
        sanctions.hearing_record(
            hearing=hearing, by=world.decider, attendees="대표이사, 담당관", minutes="의견 청취"
        )
    hearing.refresh_from_db()
    assert hearing.held_at == when
    with at(seoul_midnight(OPINION_DUE + dt.timedelta(days=1))):
        decision = sanctions.measure_take(notice=notice, by=world.decider, reason="반복 위반")
    assert decision.details["hearing"]["place"] == "세종청사 회의실"
    assert Application.objects.get(pk=app.pk).status == S.REVOKED


# --- urgent suspension ---------------------------------------------------------------------------------


def test_an_urgent_suspension_needs_its_ground_and_the_notice_follows(world):
    app = _active(world)
    before = _snapshot(app)
    with at(T0):
        with pytest.raises(InvalidInput) as refused:
            sanctions.urgent_suspend(
                application=app,
                by=world.decider,
                ground="",
                explanation="위험",
                ends_on=dt.date(2026, 3, 20),
                cure_steps=["점검"],
            )
        assert "ground" in refused.value.errors
        assert _snapshot(app) == before
        decision = sanctions.urgent_suspend(
            application=app,
            by=world.decider,
            ground="life",
            explanation="제동 장치 결함",
            ends_on=dt.date(2026, 3, 20),
            cure_steps=["제동 장치 교체"],
        )
    assert decision.kind == "urgent_suspension"
    app.refresh_from_db()
    assert app.status == S.SUSPENDED
    # the notice procedure follows: it is asked for, and its measure maintains the suspension
    assert "send_notice" in availability.case_actions(world.decider, app)
    with at(T0 + dt.timedelta(hours=1)):
        notice = sanctions.notice_send(
            application=app, by=world.decider, measure="suspend", grounds="결함", period_days=18
        )
    assert notice.follows is not None
    with at(seoul_midnight(OPINION_DUE + dt.timedelta(days=1))):
        confirmed = _take(world, notice, ends_on=dt.date(2026, 3, 31))
    assert confirmed.kind == "suspension"
    assert Suspension.objects.get(application=app).ends_on == dt.date(2026, 3, 31)
    assert Application.objects.get(pk=app.pk).status == S.SUSPENDED


# --- suspension, its end and resumption -------------------------------------------------------------


def _suspended(world: World) -> Application:
    app = _active(world)
    notice = _notice(world, app)
    with at(T0 + dt.timedelta(days=1)):
        sanctions.opinion_submit(notice=notice, by=world.applicant, text="의견")
        _take(world, notice, assessment_outcome="not_accepted", assessment="근거 부족")
    app.refresh_from_db()
    return app


def test_a_suspension_reaching_its_end_without_a_cure_goes_to_the_decision_makers_queue(world):
    app = _suspended(world)
    assert not due_suspension_ends(
        now=seoul_midnight(dt.date(2026, 5, 2)) - dt.timedelta(minutes=1)
    )
    moment = seoul_midnight(dt.date(2026, 5, 2))
    (item,) = due_suspension_ends(now=moment)
    with at(moment):
        sanctions.suspension_period_end(suspension=item, now=moment, rule="suspension_end: test")
    event = AuditEvent.objects.filter(application=app).order_by("-seq").first()
    assert (event.action, event.from_status, event.to_status) == (
        "suspension_ends",
        S.SUSPENDED,
        S.SUSPENDED,
    )
    assert not due_suspension_ends(now=moment)  # marked once
    assert list(suspensions_awaiting_decision()) == [item]
    with at(moment + dt.timedelta(hours=1)):
        extended = sanctions.suspension_decide(
            application=app,
            by=world.decider,
            resume=False,
            reason="시정 미완료",
            new_end=dt.date(2026, 6, 1),
        )
    assert extended.kind == "suspension_extension"
    item.refresh_from_db()
    assert (item.ends_on, item.period_ended_at, item.times_extended) == (
        dt.date(2026, 6, 1),
        None,
        1,
    )


def test_resumption_is_requested_with_evidence_and_returns_the_waiver_to_active(world):
    app = _suspended(world)
    with at(T0 + dt.timedelta(days=10)):
        request = sanctions.resumption_request(
            application=app, by=world.applicant, evidence="차단 장치 설치 완료"
        )
        with pytest.raises(WrongState):
            sanctions.resumption_request(application=app, by=world.applicant, evidence="again")
        decision = sanctions.suspension_decide(
            application=app, by=world.decider, resume=True, reason="시정 확인"
        )
    request.refresh_from_db()
    assert request.status == ResumptionStatus.GRANTED
    assert decision.kind == "resumption"
    app.refresh_from_db()
    assert app.status == S.ACTIVE
    assert Suspension.objects.get(application=app).status == SuspensionStatus.RESUMED
    assert Letter.objects.filter(application=app, kind="resumption").exists()


def test_resumption_of_a_case_that_is_not_suspended_is_refused_and_nothing_written(world):
    app = _active(world)
    before = _snapshot(app)
    with at(T0), pytest.raises(WrongState, match="not suspended"):
        sanctions.resumption_request(application=app, by=world.applicant, evidence="x")
    assert _snapshot(app) == before


def test_a_continuing_waiver_is_suspended_and_resumed_back_to_continuing(world):
    with at(T0 - dt.timedelta(days=1)):
        app = drive(world, S.CONTINUING)
    notice = _notice(world, app)
    with at(T0 + dt.timedelta(days=1)):
        sanctions.opinion_submit(notice=notice, by=world.applicant, text="의견")
        _take(world, notice, assessment_outcome="not_accepted", assessment="근거 부족")
        app.refresh_from_db()
        assert (app.status, app.suspended_from) == (S.SUSPENDED, S.CONTINUING)
        sanctions.suspension_decide(application=app, by=world.decider, resume=True, reason="해소")
    app.refresh_from_db()
    assert (app.status, app.suspended_from) == (S.CONTINUING, "")
    event = AuditEvent.objects.filter(application=app, action="resume_continuing").get()
    assert (event.from_status, event.to_status) == (S.SUSPENDED, S.CONTINUING)


def test_a_continuing_waiver_can_be_revoked_after_notice(world):
    with at(T0 - dt.timedelta(days=1)):
        app = drive(world, S.CONTINUING)
    notice = _notice(world, app, "revoke")
    with at(seoul_midnight(OPINION_DUE + dt.timedelta(days=1))):
        sanctions.measure_take(notice=notice, by=world.decider, reason="위반")
    assert Application.objects.get(pk=app.pk).status == S.REVOKED


@pytest.mark.parametrize("persona", ["officer", "applicant", "foreign_decider", "consultee"])
def test_only_the_lead_ministrys_decision_maker_takes_the_measure_or_decides_a_suspension(
    world, persona
):
    app = _suspended(world)
    before = _snapshot(app)
    with at(T0 + dt.timedelta(days=3)), pytest.raises((NotPermitted, NotVisible)):
        sanctions.suspension_decide(
            application=app, by=world.persona(persona), resume=True, reason="x"
        )
    assert _snapshot(app) == before
