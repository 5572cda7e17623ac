"""The term after approval: extensions, law-amendment continuation, and the system's own
transitions (lapse, deemed confirmation, expiry), which no person may trigger."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_fsm import has_transition_perm

from applications import services
from applications.models import Application, AuditEvent, Decision, RequestStatus
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput, NotPermitted, WrongState
from tests.builders import PERSONAS, drive


def _last_event():
    return AuditEvent.objects.order_by("-seq").first()


@pytest.mark.parametrize("status", [S.APPROVED, S.ACTIVE])
def test_granting_an_extension_moves_the_term_end_in_the_same_status(world, status):
    app = drive(world, status)
    new_end = app.term_end + dt.timedelta(days=365)
    request = services.extension_request_file(
        application=app, by=world.applicant, new_end=new_end, reason="추가 실증 필요"
    )
    services.extension_request_decide(
        extension_request=request, by=world.decider, grant=True, reason="타당"
    )
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.status, fresh.term_end, fresh.extensions_used) == (status, new_end, 1)
    event = _last_event()
    assert (event.action, event.from_status, event.to_status) == ("extend", status, status)
    assert fresh.decisions.last().kind == "extension"
    request.refresh_from_db()
    assert request.status == RequestStatus.GRANTED


def test_extensions_stop_at_the_track_maximum(world):
    app = drive(world, S.ACTIVE)
    first = services.extension_request_file(
        application=app,
        by=world.applicant,
        new_end=app.term_end + dt.timedelta(days=30),
        reason="1차",
    )
    services.extension_request_decide(extension_request=first, by=world.decider, grant=True)
    with pytest.raises(InvalidInput, match="used all 1 extension"):
        services.extension_request_file(
            application=app,
            by=world.applicant,
            new_end=app.term_end + dt.timedelta(days=60),
            reason="2차",
        )


def test_an_extension_longer_than_the_track_allows_is_refused_naming_the_field(world):
    app = drive(world, S.ACTIVE)
    with pytest.raises(InvalidInput) as caught:
        services.extension_request_file(
            application=app,
            by=world.applicant,
            new_end=app.term_end + dt.timedelta(days=731),
            reason="너무 김",
        )
    assert "new_end" in caught.value.errors
    assert not app.extension_requests.exists()


def test_denying_an_extension_needs_a_reason_and_keeps_the_term(world):
    app = drive(world, S.ACTIVE)
    request = services.extension_request_file(
        application=app,
        by=world.applicant,
        new_end=app.term_end + dt.timedelta(days=30),
        reason="연장",
    )
    with pytest.raises(InvalidInput):
        services.extension_request_decide(extension_request=request, by=world.decider, grant=False)
    services.extension_request_decide(
        extension_request=request, by=world.decider, grant=False, reason="안전 우려"
    )
    fresh = Application.objects.get(pk=app.pk)
    assert fresh.term_end == app.term_end
    assert _last_event().action == "extension_denied"


def test_only_a_decision_maker_decides_extensions(world):
    app = drive(world, S.ACTIVE)
    request = services.extension_request_file(
        application=app,
        by=world.applicant,
        new_end=app.term_end + dt.timedelta(days=30),
        reason="연장",
    )
    with pytest.raises(NotPermitted):
        services.extension_request_decide(extension_request=request, by=world.officer, grant=True)
    with pytest.raises(NotPermitted):
        services.extension_request_decide(
            extension_request=request, by=world.officer, grant=False, reason="x"
        )


def test_law_amendment_requests_must_come_before_the_lead_days(world):
    app = drive(world, S.ACTIVE)
    noon_in_seoul = dt.time(3, 0, tzinfo=dt.UTC)
    too_late = dt.datetime.combine(app.term_end - dt.timedelta(days=59), noon_in_seoul)
    in_time = dt.datetime.combine(app.term_end - dt.timedelta(days=60), noon_in_seoul)
    with (
        time_machine.travel(too_late, tick=False),
        pytest.raises(InvalidInput, match="at least 60 days"),
    ):
        services.law_amendment_request_file(application=app, by=world.applicant, reason="개정")
    with time_machine.travel(in_time, tick=False):
        services.law_amendment_request_file(application=app, by=world.applicant, reason="개정")
    assert app.law_amendment_requests.count() == 1


def test_an_accepted_law_amendment_request_keeps_the_waiver_continuing(world):
    app = drive(world, S.CONTINUING)
    fresh = Application.objects.get(pk=app.pk)
    assert fresh.status == S.CONTINUING
    assert fresh.decisions.last().kind == "law_amendment"
    assert _last_event().action == "request_law_amendment"
    with pytest.raises(WrongState):
        services.application_expire(application=app, now=timezone.now() + dt.timedelta(days=5000))


@pytest.mark.parametrize("name", ["lapse", "deem_confirmed", "expire"])
def test_no_person_may_take_a_system_action(world, name):
    status = {"lapse": S.SUPPLEMENT_REQUESTED, "deem_confirmed": S.SUBMITTED, "expire": S.ACTIVE}
    app = Application.objects.get(
        pk=drive(
            world, status[name], track="confirmation" if name == "deem_confirmed" else "exemption"
        ).pk
    )
    for persona in PERSONAS:
        assert not has_transition_perm(getattr(app, name), world.persona(persona))


def test_lapse_withdraws_only_after_the_response_deadline(world):
    app = drive(world, S.SUPPLEMENT_REQUESTED)
    due = Application.objects.get(pk=app.pk).supplement_due_at
    with pytest.raises(WrongState):
        services.application_lapse(application=app, now=due - dt.timedelta(minutes=1))
    services.application_lapse(application=app, now=due + dt.timedelta(minutes=1))
    event = _last_event()
    assert (event.action, event.actor_name, event.actor_role, event.to_status) == (
        "lapse",
        "system",
        "system",
        S.WITHDRAWN,
    )


def test_deemed_confirmation_applies_the_tracks_deemed_outcome(world):
    app = drive(world, S.UNDER_REVIEW, track="confirmation")
    due = Application.objects.get(pk=app.pk).due_at
    with pytest.raises(WrongState):
        services.application_deem_confirmed(application=app, now=due - dt.timedelta(minutes=1))
    decision = services.application_deem_confirmed(
        application=app, now=due + dt.timedelta(minutes=1)
    )
    assert decision.kind == "deemed_confirmation"
    assert decision.confirmation_outcome == "deemed_no_regulation"
    assert Application.objects.get(pk=app.pk).status == S.CONFIRMED


def test_a_pending_extension_request_keeps_the_waiver_in_force(world):
    app = drive(world, S.ACTIVE)
    services.extension_request_file(
        application=app,
        by=world.applicant,
        new_end=app.term_end + dt.timedelta(days=30),
        reason="연장",
    )
    after_end = timezone.now() + dt.timedelta(days=800)
    with pytest.raises(WrongState, match="pending request"):
        services.application_expire(application=app, now=after_end)
    assert Application.objects.get(pk=app.pk).status == S.ACTIVE
    assert not Decision.objects.filter(application=app, kind="expiry").exists()
