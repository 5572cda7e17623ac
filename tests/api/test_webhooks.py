"""Webhooks per the Standard Webhooks specification: an auditor subscribes a local HTTP server
(started by the test) to event types; deliveries arrive signed, and the spec's reference
library (``standardwebhooks``) verifies them; failures are retried with back-off (by the
database task queue, and by the scheduler's tick), every attempt is logged, deliveries can be
replayed; private destinations are refused unless allowed."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from standardwebhooks import Webhook, WebhookVerificationError

from api.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.tasks import deliver_due
from applications.models import AuditEvent
from applications.roles import Role
from tests.api.problems import named, problem_of
from tests.builders import World, drive
from tests.factories import make_user


class Receiver:
    """A local HTTP server that records what is POSTed and answers with the next status."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.received.append({"headers": headers, "body": body})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/sandbox"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_RETRY_DELAYS = [5, 60]
    server = Receiver()
    yield server
    server.close()


def _subscribe(api: Any, url: str, types: list[str]) -> dict[str, Any]:
    answer = api.client.post(
        "/api/v1/webhooks/",
        {"url": url, "event_types": types, "description": "decisions"},
        content_type="application/json",
        headers=api.headers(),
    )
    assert answer.status_code == 201, answer.content
    return dict(answer.json())


def _verified(secret: str, request: dict[str, Any]) -> Any:
    """What the reference library makes of a received request (it raises if unsigned)."""
    return Webhook(secret).verify(request["body"], request["headers"])


def test_deliveries_arrive_signed_and_the_reference_library_verifies_them(
    world: World, api_as, receiver, django_capture_on_commit_callbacks
):
    api = api_as(world.auditor)
    subscription = _subscribe(api, receiver.url, ["audit.submit", "audit.approve"])
    assert subscription["secret"].startswith("whsec_")
    assert "secret" not in api.get(f"/api/v1/webhooks/{subscription['id']}/").json()
    with django_capture_on_commit_callbacks(execute=True):
        app = drive(world, "approved")
    assert len(receiver.received) == 2
    feed = api.get("/api/v1/events/", action=["submit", "approve"]).json()["results"]
    for request, event in zip(receiver.received, feed, strict=True):
        payload = _verified(subscription["secret"], request)
        assert payload == {
            "type": f"audit.{event['action']}",
            "timestamp": event["occurred_at"],
            "data": event,
        }
        assert request["headers"]["content-type"] == "application/json"
        assert request["headers"]["webhook-id"].startswith("msg_")
    assert feed[1]["application"] == app.reference
    forged = dict(receiver.received[0])
    forged["body"] = forged["body"].replace(b"submit", b"reject")
    with pytest.raises(WebhookVerificationError):
        _verified(subscription["secret"], forged)
    deliveries = api.get(f"/api/v1/webhooks/{subscription['id']}/deliveries/").json()["results"]
    assert [(d["event_type"], d["status"], d["attempts"]) for d in deliveries] == [
        ("audit.approve", "succeeded", 1),
        ("audit.submit", "succeeded", 1),
    ]
    assert deliveries[0]["log"][0]["trigger"] == "first"
    assert deliveries[0]["log"][0]["status_code"] == 204


def test_a_failed_delivery_is_retried_after_its_delay_and_logged(
    world: World, api_as, receiver, django_capture_on_commit_callbacks
):
    api = api_as(world.auditor)
    subscription = _subscribe(api, receiver.url, ["audit.submit"])
    receiver.statuses = [500]
    t0 = dt.datetime.now(dt.UTC)
    with time_machine.travel(t0, tick=False), django_capture_on_commit_callbacks(execute=True):
        drive(world, "submitted")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == t0 + dt.timedelta(seconds=5)
    with time_machine.travel(t0 + dt.timedelta(seconds=4), tick=False):
        assert deliver_due() == ""  # not yet due
    with time_machine.travel(t0 + dt.timedelta(seconds=6), tick=False):
        assert deliver_due() == "webhooks: 1 of 1 due deliveries delivered"
    first, retry = receiver.received
    assert first["headers"]["webhook-id"] == retry["headers"]["webhook-id"]  # the same message
    assert first["body"] == retry["body"]
    _verified(subscription["secret"], retry)
    log = list(WebhookAttempt.objects.order_by("id").values_list("trigger", "status_code"))
    assert log == [("first", 500), ("retry", 204)]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("succeeded", 2, None)


def test_after_the_last_retry_a_delivery_is_failed(
    world, api_as, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_DELAYS = [1]
    _subscribe(api_as(world.auditor), receiver.url, ["audit.*"])
    receiver.statuses = [503] * 10
    with django_capture_on_commit_callbacks(execute=True):
        drive(world, "draft")
    delivery = WebhookDelivery.objects.order_by("id").first()
    assert delivery is not None
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2), tick=False):
        deliver_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)


@pytest.mark.django_db(transaction=True)
def test_the_database_task_queue_waits_out_the_back_off(world: World, api_as, receiver, settings):
    """As in production: the retry is a queued task that runs only once its delay is over."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    subscription = _subscribe(api_as(world.auditor), receiver.url, ["audit.submit"])
    receiver.statuses = [500]
    t0 = dt.datetime.now(dt.UTC)
    with time_machine.travel(t0, tick=False):
        drive(world, "submitted")  # commits: the delivery is queued, not sent
        assert receiver.received == []
        call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    assert len(receiver.received) == 1  # the first attempt failed: a retry is queued for +5 s
    with time_machine.travel(t0 + dt.timedelta(seconds=3), tick=False):
        call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    assert len(receiver.received) == 1
    with time_machine.travel(t0 + dt.timedelta(seconds=6), tick=False):
        call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    assert len(receiver.received) == 2
    _verified(subscription["secret"], receiver.received[1])
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_a_delivery_can_be_replayed(
    world: World, api_as, receiver, django_capture_on_commit_callbacks
):
    api = api_as(world.auditor)
    subscription = _subscribe(api, receiver.url, ["audit.submit"])
    with django_capture_on_commit_callbacks(execute=True):
        drive(world, "submitted")
    delivery = WebhookDelivery.objects.get()
    answer = api.request(
        "POST", f"/api/v1/webhooks/{subscription['id']}/deliveries/{delivery.pk}/replay/"
    )
    assert answer.status_code == 202
    assert (answer.json()["status"], answer.json()["attempts"]) == ("succeeded", 1)
    assert [entry["trigger"] for entry in answer.json()["log"]] == ["first", "replay"]
    assert len(receiver.received) == 2
    assert (
        receiver.received[0]["headers"]["webhook-id"]
        == receiver.received[1]["headers"]["webhook-id"]
    )
    _verified(subscription["secret"], receiver.received[1])


def test_private_destinations_are_refused_unless_allowed(
    world: World, api_as, receiver, settings, django_capture_on_commit_callbacks
):
    _subscribe(api_as(world.auditor), receiver.url, ["audit.submit"])
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    with django_capture_on_commit_callbacks(execute=True):
        drive(world, "submitted")
    assert receiver.received == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error == "not called: 127.0.0.1 is not a public address"


def test_subscriptions_are_checked_and_each_auditor_sees_only_their_own(
    world: World, api_as, settings
):
    api = api_as(world.auditor)

    def post(body: dict[str, Any]) -> Any:
        return api.client.post(
            "/api/v1/webhooks/", body, content_type="application/json", headers=api.headers()
        )

    assert named(
        problem_of(
            post({"url": "http://example.org/h", "event_types": ["audit.*"]}), 400, "invalid_body"
        )
    ) == {"url": ["Give an https address: a host name, maybe a port, a path and a query."]}
    bad_types = post({"url": "https://example.org/h", "event_types": ["audit.*", "audit.*"]})
    assert named(problem_of(bad_types, 400, "invalid_body")) == {
        "event_types": ["Give each item once."]
    }
    empty = post({"url": "https://example.org/h", "event_types": []})
    assert list(named(problem_of(empty, 400, "invalid_body"))) == ["event_types"]
    made = post({"url": "https://example.org/h", "event_types": ["audit.approve"]})
    assert made.status_code == 201
    assert made["Location"] == f"http://testserver/api/v1/webhooks/{made.json()['id']}/"
    other_auditor = api_as(make_user(Role.AUDITOR, username="auditor2"))
    assert other_auditor.get("/api/v1/webhooks/").json()["results"] == []
    problem_of(
        other_auditor.get(made["Location"].removeprefix("http://testserver")), 404, "not_found"
    )
    for persona in ("applicant", "officer", "decider"):
        refused = api_as(world.persona(persona)).get("/api/v1/webhooks/")
        assert problem_of(refused, 403, "permission_denied")["detail"] == (
            "Only auditors may manage webhooks."
        )
    gone = api.request("DELETE", f"/api/v1/webhooks/{made.json()['id']}/")
    assert gone.status_code == 204
    assert api.get("/api/v1/webhooks/").json()["results"] == []
    assert WebhookSubscription.objects.get().deleted_at is not None  # kept, with its log


def test_an_event_is_delivered_once_per_subscription_even_if_the_hook_runs_twice(
    world: World, api_as, receiver
):
    from api.webhooks import deliveries_create

    _subscribe(api_as(world.auditor), receiver.url, ["audit.*"])
    drive(world, "draft")
    event = AuditEvent.objects.order_by("seq").first()
    assert event is not None
    assert len(deliveries_create(event_id=event.pk)) == 1
    assert deliveries_create(event_id=event.pk) == []
    assert json.loads(WebhookDelivery.objects.get().body)["data"]["seq"] == event.seq


def test_the_live_subscriptions_come_from_kept_sql_as_the_orm_reads_them(
    world: World, settings: Any
):
    """Every committed event asks for the live subscriptions: the kept SQL gives what the ORM's
    query gives, field for field, as subscriptions come and go, and compiles nothing again."""
    from unittest import mock

    from django.db.models.sql.compiler import SQLCompiler

    from api.webhooks import live_subscriptions, webhook_subscribe, webhook_unsubscribe

    settings.WEBHOOKS_ALLOW_HTTP = settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True

    def fields(rows: list[WebhookSubscription]) -> list[dict[str, Any]]:
        return [
            {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}
            for row in rows
        ]

    def orm() -> list[WebhookSubscription]:
        return list(WebhookSubscription.objects.filter(deleted_at__isnull=True))

    assert live_subscriptions() == orm() == []
    made = [
        webhook_subscribe(by=world.auditor, url=f"http://127.0.0.1:9/{n}", event_types=types)[0]
        for n, types in enumerate([["audit.*"], ["audit.submit"], ["audit.*"]])
    ]
    webhook_unsubscribe(by=world.auditor, subscription=made[1])
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True) as as_sql:
        mine = live_subscriptions()
    as_sql.assert_not_called()
    assert fields(mine) == fields(orm()) and len(mine) == 2
    assert all(type(row) is WebhookSubscription and not row._state.adding for row in mine)
    for subscription in (made[0], made[2]):
        webhook_unsubscribe(by=world.auditor, subscription=subscription)
    assert live_subscriptions() == orm() == []
