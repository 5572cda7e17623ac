"""/api/v1/audit/verify/: walks the chain, names the first broken event."""

from __future__ import annotations

from django.db import connection

from applications.models import AuditChainHead, AuditEvent
from tests.api.problems import problem_of
from tests.builders import World, drive


def _tamper(seq: int, action: str) -> None:
    """Change a stored event behind the application's back, as an intruder with SQL would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the append-only trigger refuses UPDATE
            # Deferred foreign-key checks of this test's transaction must run before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE applications_auditevent "
                "DISABLE TRIGGER applications_auditevent_append_only"
            )
        cursor.execute(
            "UPDATE applications_auditevent SET action = %s WHERE seq = %s", [action, seq]
        )
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE applications_auditevent "
                "ENABLE TRIGGER applications_auditevent_append_only"
            )


def test_a_sound_chain_verifies(world: World, api_as):
    drive(world, "approved")
    head = AuditChainHead.objects.get(pk=1)
    body = api_as(world.auditor).get("/api/v1/audit/verify/").json()
    assert body == {
        "ok": True,
        "started_from": "genesis",  # no checkpoint has been signed yet
        "from_seq": 0,
        "checkpoint_url": None,
        "checkpoints_checked": 0,
        "events_checked": head.seq,
        "head_seq": head.seq,
        "head_hash": head.hash,
        "first_broken_seq": None,
        "problem": "",
    }


def test_a_tampered_event_is_named(world: World, api_as):
    drive(world, "approved")
    events = list(AuditEvent.objects.order_by("seq"))
    target = events[3]
    _tamper(target.seq, "reject")
    body = api_as(world.auditor).get("/api/v1/audit/verify/").json()
    assert body == {
        "ok": False,
        "started_from": "genesis",
        "from_seq": 0,
        "checkpoint_url": None,
        "checkpoints_checked": 0,
        "head_seq": events[-1].seq,
        "events_checked": 3,
        "head_hash": events[2].hash,
        "first_broken_seq": target.seq,
        "problem": f"event #{target.seq} was altered",
    }


def test_only_auditors_may_verify(world: World, api_as):
    for persona in ("applicant", "officer", "decider", "consultee"):
        response = api_as(world.persona(persona)).get("/api/v1/audit/verify/")
        body = problem_of(response, 403, "permission_denied")
        assert body["detail"] == "Only auditors may verify the audit chain."
    assert api_as(None).get("/api/v1/audit/verify/").status_code == 401
