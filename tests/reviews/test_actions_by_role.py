"""Each action on the case page, by each role: offered and accepted for exactly the personas
the rules allow, refused (403, or 404 where the case is not visible) for everyone else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from applications import services
from applications.models import Application, AuditEvent, Consultation
from applications.workflow import ApplicationStatus as S
from tests.builders import World, draft, drive, term
from tests.reviews.helpers import signed_in

pytestmark = pytest.mark.django_db

STAFF = (
    "officer",
    "other_officer",
    "foreign_officer",
    "consultee",
    "decider",
    "foreign_decider",
    "auditor",
)


def _consulted(world: World) -> Application:
    app = drive(world, S.UNDER_REVIEW)
    services.consultation_request(
        application=app, by=world.officer, ministries=[world.other_ministry], question="의견?"
    )
    return app


def _with_extension(world: World) -> Application:
    app = drive(world, S.ACTIVE)
    assert app.term_end is not None
    services.extension_request_file(
        application=app,
        by=world.applicant,
        new_end=app.term_end + dt.timedelta(days=100),
        reason="더 필요",
    )
    return app


def _with_law_amendment(world: World) -> Application:
    app = drive(world, S.ACTIVE)
    services.law_amendment_request_file(application=app, by=world.applicant, reason="법 개정")
    return app


def _insured_approved(world: World) -> Application:
    app = drive(world, S.APPROVED)
    services.insurance_proof_add(
        application=app,
        by=world.applicant,
        insurer="보험사",
        policy_number="P-9",
        coverage_start=app.term_start,
        coverage_end=app.term_end,
        insured_amount=100_000_000,
    )
    return app


def _citing(world: World) -> Application:
    """A submitted case citing an approved waiver for the fast review of similar cases."""
    world.exemption.similar_review_days = 15
    world.exemption.save()
    waiver = drive(world, S.ACTIVE)
    app = draft(world, title="유사 서비스", similar_reference=str(waiver.reference))
    services.application_submit(application=app, by=world.applicant)
    return app


def _status(status: str, track: str = "exemption") -> Callable[[World], Application]:
    return lambda world: drive(world, status, track=track)


# slug → (how to build the case, who may act, form data (may use world), audit action written)
CASES: dict[
    str, tuple[Callable[[World], Application], set[str], Callable[[World], dict[str, Any]], str]
] = {
    "claim": (
        _status(S.SUBMITTED),
        {"officer", "other_officer"},
        lambda w: {"declaration": "none"},
        "claimed",
    ),
    "assign": (
        _status(S.SUBMITTED),
        {"officer", "other_officer"},
        lambda w: {"officer": w.other_officer.pk},
        "assigned",
    ),
    "accept": (
        _status(S.SUBMITTED),
        {"officer", "other_officer"},
        lambda w: {"no_conflict_declared": "on"},
        "accept",
    ),
    "similarity": (
        _citing,
        {"officer", "other_officer"},
        lambda w: {"decision": "confirmed"},
        "similarity_confirmed",
    ),
    "supplement": (
        _status(S.UNDER_REVIEW),
        {"officer"},
        lambda w: {"deficiencies": "시험성적서\n\n보험 증권"},
        "request_supplement",
    ),
    "release": (_status(S.UNDER_REVIEW), {"officer"}, lambda w: {"reason": "휴가"}, "released"),
    "consult": (
        _status(S.UNDER_REVIEW),
        {"officer"},
        lambda w: {"ministries": [w.other_ministry.pk], "question": "보도 통행 의견?"},
        "consultation_requested",
    ),
    "opinion": (_consulted, {"consultee"}, lambda w: {"opinion": "agree"}, "consultation_answered"),
    "confirmation": (
        _status(S.UNDER_REVIEW, "confirmation"),
        {"officer"},
        lambda w: {"outcome": "no_regulation"},
        "answer_confirmation",
    ),
    "recommend": (
        _status(S.UNDER_REVIEW),
        {"officer"},
        lambda w: {
            "outcome": "approve",
            "proposed_term_days": "365",
            "proposed_conditions": "A\nB",
        },
        "recommend",
    ),
    "approve": (
        _status(S.DELIBERATION),
        {"decider"},
        lambda w: {
            "committee_reference": "제3차",
            "term_start": term(w)[0].isoformat(),
            "term_end": term(w, 365)[1].isoformat(),
            "conditions": "조건 1",
        },
        "approve",
    ),
    "reject": (_status(S.DELIBERATION), {"decider"}, lambda w: {"reasons": "위험"}, "reject"),
    "remand": (_status(S.DELIBERATION), {"decider"}, lambda w: {"reason": "보완"}, "remand"),
    "activate": (_insured_approved, {"officer", "other_officer"}, lambda w: {}, "activate"),
    "extension": (
        _with_extension,
        {"decider"},
        lambda w: {"decision": "grant", "reason": "타당"},
        "extend",
    ),
    "law-amendment": (
        _with_law_amendment,
        {"decider"},
        lambda w: {"decision": "grant", "reason": "타당"},
        "request_law_amendment",
    ),
    # Suspension, resumption and revocation are the due-process pages' (tests/sanctions/).
    "regularize": (_status(S.CONTINUING), {"decider"}, lambda w: {"reason": "시행"}, "regularize"),
}


@pytest.mark.parametrize("slug", list(CASES))
def test_each_action_is_offered_to_and_accepted_from_exactly_the_allowed_roles(
    world: World, slug: str
) -> None:
    build, allowed, data_for, event = CASES[slug]
    app = build(world)
    app.refresh_from_db()
    url = f"/review/{app.pk}/{slug}/"
    clients: dict[str, Client] = {name: signed_in(world.persona(name)) for name in STAFF}
    data = {**data_for(world), "version": app.version}
    for name in STAFF:
        client = clients[name]
        page = client.get(f"/review/{app.pk}/")
        if page.status_code == 404:
            assert name not in allowed
            assert client.post(url, data).status_code == 404
            continue
        offered = f'href="{url}?v=' in page.content.decode()
        assert offered == (name in allowed), f"{slug} offered to {name}: {offered}"
        if name not in allowed:
            before = AuditEvent.objects.count()
            response = client.post(url, data)
            assert response.status_code == 403, (name, response.status_code)
            assert AuditEvent.objects.count() == before  # nothing written
    actor = sorted(allowed)[0]
    response = clients[actor].post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/review/{app.pk}/"
    last = AuditEvent.objects.filter(application=app).order_by("-seq").first()
    assert last is not None and last.action == event
    assert last.actor == world.persona(actor)


def test_the_auditor_sees_every_case_but_is_offered_nothing(world: World) -> None:
    app = drive(world, S.DELIBERATION)
    page = signed_in(world.auditor).get(f"/review/{app.pk}/")
    assert page.status_code == 200
    assert "Nothing is open to you on this case now." in page.content.decode()


def test_a_consulted_ministry_sees_the_case_and_loses_the_answer_form_once_answered(
    world: World,
) -> None:
    app = _consulted(world)
    consultee = signed_in(world.consultee)
    assert f"/review/{app.pk}/opinion/" in consultee.get(f"/review/{app.pk}/").content.decode()
    consultation = Consultation.objects.get(application=app)
    services.consultation_answer(consultation=consultation, by=world.consultee, opinion="agree")
    page = consultee.get(f"/review/{app.pk}/").content.decode()
    assert f"/review/{app.pk}/opinion/" not in page
    assert "Agree" in page
