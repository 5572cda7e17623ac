"""Internal deliberation stays internal: consultation opinions, the officer's recommendation and
its reasons, assignment and conflict records are for staff. Each is seeded with a phrase of its
own; nothing the applicant can reach — every page of the site, every email the organisation
gets, every API endpoint and export an applicant's token or session reaches — may show one.
The same phrases do reach staff (so the walk would see a leak)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from api.auth import api_token_issue
from applications import services
from applications.workflow import ApplicationStatus as S
from tests.builders import drive, recommend, term
from tests.urlwalk import concrete_urls

OPINION = "OPINION-PHRASE-7Q"
QUESTION = "QUESTION-PHRASE-7Q"
RECOMMENDATION = "RECOMMENDATION-PHRASE-7Q"
CONFLICT = "CONFLICT-PHRASE-7Q"
REMAND = "REMAND-PHRASE-7Q"
SECRETS = (OPINION, QUESTION, RECOMMENDATION, CONFLICT, REMAND)


def deliberated_case(world, django_capture_on_commit_callbacks):
    """A case that went through every kind of internal record, then was approved and became
    active (so the applicant's pages show all they can)."""
    with django_capture_on_commit_callbacks(execute=True):
        app = drive(world, S.SUBMITTED)
        services.conflict_declare(application=app, by=world.other_officer, details=CONFLICT)
        services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
        (consultation,) = services.consultation_request(
            application=app, by=world.officer, ministries=[world.other_ministry], question=QUESTION
        )
        services.consultation_answer(
            consultation=consultation, by=world.consultee, opinion="object", reasons=OPINION
        )
        recommend(world, app, reasons=RECOMMENDATION)
        services.application_remand(application=app, by=world.decider, reason=REMAND)
        recommend(world, app, reasons=RECOMMENDATION)
        start, end = term(world)
        services.application_approve(
            application=app,
            by=world.decider,
            committee_reference="제1차 심의위원회",
            term_start=start,
            term_end=end,
            conditions=["시속 5km 이하"],
        )
    app.refresh_from_db()
    return app


def leaks(text: str) -> list[str]:
    return [phrase for phrase in SECRETS if phrase in text]


def walk(client, app, **headers):
    """Every URL of the site for this case, as this client: the bodies it may read."""
    values = {"pk": str(app.pk), "reference": app.reference, "application": str(app.pk)}
    bodies = {}
    for url in concrete_urls(values):
        response = client.get(url, **headers)
        if response.status_code == 200:
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            bodies[url] = content.decode("utf-8", "replace")
    return bodies


class TokenClient:
    def __init__(self, user):
        _, self.raw = api_token_issue(username=user.username, name="test")
        self.client = Client()

    def get(self, path, **params):
        return self.client.get(path, params, headers={"Authorization": f"Bearer {self.raw}"})


@pytest.fixture
def api_token(db):
    return TokenClient


@pytest.fixture
def case(world, django_capture_on_commit_callbacks):
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    return deliberated_case(world, django_capture_on_commit_callbacks)


def test_no_page_or_api_an_applicant_reaches_shows_internal_deliberation(client, world, case):
    client.force_login(world.applicant)
    bodies = walk(client, case)
    assert f"/apply/{case.pk}/" in bodies and f"/api/v1/applications/{case.reference}/" in bodies
    for url, body in bodies.items():
        assert not leaks(body), url
    for export in ("csv", "ndjson"):
        response = client.get("/api/v1/events/", {"format": export})
        assert response.status_code == 200
        assert not leaks(b"".join(response.streaming_content).decode())
    detail = client.get(f"/api/v1/applications/{case.reference}/").json()
    assert detail["consultations"] == [] and detail["recommendation"] is None
    actions = {event["action"] for event in detail["events"]}
    assert {"submit", "approve"} <= actions
    assert not actions & {"claimed", "assigned", "conflict_declared", "recommend", "remand"}
    assert [d["outcome"] for d in detail["decisions"]] == ["approval"]
    assert detail["decisions"][0]["recommender"] is None


def test_an_applicants_api_token_reads_no_internal_deliberation(world, case, api_token):
    api = api_token(world.applicant)
    for path in (
        "/api/v1/applications/",
        f"/api/v1/applications/{case.reference}/",
        f"/api/v1/applications/{case.reference}/history/",
        "/api/v1/events/",
        "/api/v1/decisions/",
    ):
        response = api.get(path)
        assert response.status_code == 200, path
        assert not leaks(response.content.decode()), path


def test_no_email_to_the_applicant_tells_internal_deliberation(world, case):
    to_applicant = [m for m in mail.outbox if "applicant@example.test" in m.to]
    assert to_applicant, "the case's emails were sent"
    for message in to_applicant:
        texts = [message.subject, message.body, *(body for body, _ in message.alternatives)]
        assert not leaks(" ".join(texts)), message.subject


def test_staff_do_read_the_internal_records(world, case, api_token):
    """The phrases are where staff look: the walk above would see them if they leaked."""
    detail = api_token(world.officer).get(f"/api/v1/applications/{case.reference}/")
    assert set(SECRETS) - {CONFLICT} <= set(leaks(detail.content.decode()))
    events = api_token(world.auditor).get("/api/v1/events/", limit=1000)
    assert set(leaks(events.content.decode())) == set(SECRETS) - {QUESTION}
