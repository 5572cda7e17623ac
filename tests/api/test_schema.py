"""The OpenAPI schema validates, documents every answer, and the API keeps to it: schemathesis
runs every check it has against each operation, with a token, in-process (WSGI)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config._checks import ChecksConfig

from api.auth import ApiTokenThrottle, api_token_issue
from api.checkpoints import checkpoint_create
from api.webhooks import deliveries_create, webhook_subscribe
from applications.models import AuditEvent, Decision
from tests.api.test_letters_api import _letter
from tests.builders import World, drive

load_all_checks()
ALL_CHECKS: list[Any] = list(CHECKS.get_all())
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def test_the_schema_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    text = out.getvalue()
    assert text.startswith("openapi: 3.0.3")
    for path in (
        "/api/v1/applications/:",
        "/api/v1/applications/{reference}/:",
        "/api/v1/applications/{reference}/history/:",
        "/api/v1/decisions/:",
        "/api/v1/events/:",
        "/api/v1/letters/{number}/:",
        "/api/v1/letters/{number}/pdf/:",
        "/api/v1/audit/verify/:",
    ):
        assert f"\n  {path}\n" in text, path


def test_every_operation_documents_its_error_answers():
    raw = SCHEMA.raw_schema
    for path, item in raw["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"401", "406", "429"} <= codes, (method, path, codes)
            if method == "get":  # where writes are refused
                assert "405" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            if [p for p in query if p["name"] != "format"]:  # a bad format is a 404
                assert "400" in codes, (method, path)
            assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]


def test_schemathesis_runs_both_generation_modes_in_every_phase_with_no_check_relaxed():
    """What ``test_the_api_keeps_to_its_schema`` runs: positive and negative data, in the
    examples, coverage and fuzzing phases, with every check and no check configuration."""
    config = SCHEMA.config
    assert [mode.value for mode in config.generation.modes] == ["positive", "negative"]
    assert all(getattr(config.phases, name).enabled for name in ("examples", "coverage", "fuzzing"))
    default = ChecksConfig()  # nothing switched off, no expected statuses widened
    for name in vars(default):
        if not name.startswith("_"):
            assert repr(getattr(config.checks, name)) == repr(getattr(default, name)), name
    assert {check.__name__ for check in ALL_CHECKS} >= {
        "not_a_server_error",
        "negative_data_rejection",
        "positive_data_acceptance",
        "response_schema_conformance",
        "ignored_auth",
    }


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Django's WSGI handler closes the connection after each request; the test client turns
    that off so requests run inside the test's transaction, and so do we."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


KNOWN: dict[str, Any] = {}


@pytest.fixture
def token(world: World, monkeypatch: Any, in_test_transaction: None) -> str:
    """An auditor's token, and one object of each kind the paths name."""
    monkeypatch.setattr(ApiTokenThrottle, "THROTTLE_RATES", {"api": "100000/min"})
    app = drive(world, "approved")
    _letter(Decision.objects.get(application=app), "ICT-L-2026-0001")
    checkpoint, _ = checkpoint_create()
    # A documentation address (TEST-NET-1): deliveries to it are refused without a connection.
    subscription, _ = webhook_subscribe(
        by=world.auditor, url="https://192.0.2.1/hook", event_types=["audit.*"]
    )
    last_event = AuditEvent.objects.order_by("-seq").values_list("pk", flat=True).first()
    assert last_event is not None
    (delivery,) = deliveries_create(event_id=last_event)
    KNOWN.update(
        reference=app.reference,
        number="ICT-L-2026-0001",
        seq=checkpoint.seq,
        id=subscription.pk,
        pk=subscription.pk,
        delivery=delivery,
    )
    _, raw = api_token_issue(username=world.auditor.username)
    return raw


@SCHEMA.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case: Any, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    case.call_and_validate(headers=headers, checks=ALL_CHECKS)
    negative = case.meta is not None and case.meta.generation.mode.value == "negative"
    if case.path_parameters and set(case.path_parameters) <= set(KNOWN) and not negative:
        # And once more on an object that exists, so the 200 answers are checked too (for
        # valid data only: with real path values a negative case may have become valid).
        case.path_parameters = {name: KNOWN[name] for name in case.path_parameters}
        case.call_and_validate(headers=headers, checks=ALL_CHECKS)
