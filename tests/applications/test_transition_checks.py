"""``effects.on_transition_check``: a higher app vetoes a transition under the case lock, after
the transition's own guards, with a message next to a field; nothing is written when it does."""

from __future__ import annotations

import pytest

from applications import effects, services
from applications.models import AuditEvent
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput
from tests.builders import drive, notice_ready


def test_a_subscribed_check_vetoes_the_transition_and_nothing_is_written(world, monkeypatch):
    app = drive(world, S.APPROVED)
    services.insurance_proof_add(
        application=app,
        by=world.applicant,
        insurer="X",
        policy_number="P",
        coverage_start=app.term_start,
        coverage_end=app.term_end,
        insured_amount=1,
    )
    seen = []

    def check(*, application, arguments):
        seen.append((application.status, arguments))
        return {"insurance": "Not enough cover."}

    monkeypatch.setattr(effects, "_transition_checks", {"activate": [check]})
    events, version = AuditEvent.objects.count(), app.version
    with pytest.raises(InvalidInput) as refused:
        services.application_activate(application=app, by=world.officer)
    assert refused.value.errors == {"insurance": ["Not enough cover."]}
    assert seen == [(S.APPROVED, {})]
    app.refresh_from_db()
    assert (app.status, app.version, AuditEvent.objects.count()) == (S.APPROVED, version, events)


def test_a_check_gets_the_transitions_arguments_and_other_transitions_are_not_asked(
    world, monkeypatch
):
    app = drive(world, S.ACTIVE)
    seen = []
    monkeypatch.setattr(
        effects,
        "_transition_checks",
        {"extend": [lambda *, application, arguments: seen.append(arguments) or {}]},
    )
    request = services.extension_request_file(
        application=app,
        by=world.applicant,
        new_end=app.term_end.replace(year=app.term_end.year + 1),
        reason="r",
    )
    services.extension_request_decide(extension_request=request, by=world.decider, grant=True)
    notice_ready(world, app, "suspend")
    services.application_suspend(application=app, by=world.decider, reason="s")
    assert seen == [{"new_end": request.new_end}]


def test_the_kernel_guard_speaks_first(world, monkeypatch):
    app = drive(world, S.APPROVED)
    monkeypatch.setattr(
        effects, "_transition_checks", {"activate": [lambda **_: {"insurance": "from the hook"}]}
    )
    with pytest.raises(InvalidInput) as refused:
        services.application_activate(application=app, by=world.officer)
    assert "No liability insurance on file covers the term" in refused.value.errors["insurance"][0]
