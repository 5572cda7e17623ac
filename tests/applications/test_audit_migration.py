"""Moving a chain written with the first hash rule (internal case id, ``+00:00`` times) to the
rule an export can be checked with: verified first, rewritten, verified again, both heads kept
in an ``audit_chain_migrated`` event. Run through Django's migration executor, as ``migrate``
runs it on a deployed database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from applications import services
from applications.audit import (
    GENESIS_HASH,
    ChainNotMigrated,
    audit_verify,
    chain_migrate,
    legacy_event_hash,
)
from applications.models import AuditChainHead, AuditEvent
from applications.roles import Role
from tests.applications.test_audit_tamper import _behind_the_orm
from tests.builders import World, drive

BEFORE = ("applications", "0006_data_items_insurance_cover_staff_language")
AFTER = ("applications", "0007_audit_hash_rule_from_exports")
COLUMNS = (
    "seq",
    "application_id",
    "occurred_at",
    "actor_name",
    "actor_role",
    "action",
    "from_status",
    "to_status",
    "payload",
    "prev_hash",
    "hash",
)


def _first_rule_moments(value: Any) -> Any:
    """Payload moments as the first rule wrote them (``+00:00``)."""
    if isinstance(value, dict):
        return {key: _first_rule_moments(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_first_rule_moments(item) for item in value]
    if isinstance(value, str) and value.endswith("Z") and "T" in value and value[:4].isdigit():
        return value[:-1] + "+00:00"
    return value


def _rewrite_with_the_first_rule() -> tuple[int, str]:
    """Turn the stored chain into one the first rule wrote; returns its head."""
    prev = GENESIS_HASH
    payload_field = AuditEvent._meta.get_field("payload")
    rows = list(AuditEvent.objects.order_by("seq").values(*COLUMNS))
    with _behind_the_orm() as cursor:
        for row in rows:
            row["payload"] = _first_rule_moments(row["payload"])
            row["payload"].pop("draft_events", None)  # the first rule had no such list
            digest = legacy_event_hash(prev, row)
            cursor.execute(
                f"UPDATE {AuditEvent._meta.db_table} SET payload = %s, prev_hash = %s, hash = %s "
                "WHERE seq = %s",
                [
                    payload_field.get_db_prep_save(row["payload"], connection),
                    prev,
                    digest,
                    row["seq"],
                ],
            )
            prev = digest
    AuditChainHead.objects.filter(pk=1).update(hash=prev)
    return rows[-1]["seq"], prev


def _a_chain(world: World) -> None:
    app = drive(world, "approved")
    moment = dt.datetime(2026, 3, 2, 1, 0, 0, 250000, tzinfo=dt.UTC)
    with transaction.atomic():
        services.event_record(
            app, world.officer, Role.CASE_OFFICER, "claimed", {"due": moment, "n": [moment]}
        )
    drive(world, "draft")  # events recorded while a case is a draft hash no reference


def _migrate(target: tuple[str, str] | None) -> None:
    """To ``target``, or (None) to the latest state of every app again."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


@pytest.fixture
def back_to_the_latest_state() -> Any:
    """Going back to 0005 unapplies what depends on 0006 (the api app's tables too): whatever
    happens, the database ends where every other test expects it."""
    yield
    _migrate(None)


@pytest.mark.django_db(transaction=True)
def test_migrate_moves_a_first_rule_chain_to_the_exportable_rule(
    world: World, back_to_the_latest_state: None
):
    _a_chain(world)
    _migrate(BEFORE)  # the state the data migration starts from
    old_head = _rewrite_with_the_first_rule()
    assert not audit_verify().ok  # the current rule cannot read it yet

    _migrate(AFTER)
    _migrate(None)  # and whatever depends on it, as `migrate` would

    report = audit_verify()
    assert report.ok, report
    marker = AuditEvent.objects.order_by("-seq").first()
    assert marker is not None
    assert marker.seq == old_head[0] + 1
    assert marker.action == "audit_chain_migrated"
    assert (marker.actor_name, marker.actor_role, marker.application_id) == (
        "system",
        "system",
        None,
    )
    rewritten = AuditEvent.objects.get(seq=old_head[0])
    assert marker.payload == {
        "rule": "sha256(prev_hash + canonical JSON of the exported fields), v2",
        "events": old_head[0],
        "previous_head": {"seq": old_head[0], "hash": old_head[1]},
        "rewritten_head": {"seq": old_head[0], "hash": rewritten.hash},
        "moments_normalised": 2,
        "submissions_sealed": 1,
    }
    assert rewritten.hash != old_head[1]
    claimed = AuditEvent.objects.get(action="claimed")
    submit = AuditEvent.objects.get(action="submit")
    drafted = AuditEvent.objects.filter(application=submit.application, to_status="draft")
    assert submit.payload["draft_events"] == [e.seq for e in drafted.order_by("seq")]
    assert len(submit.payload["draft_events"]) >= 2
    assert claimed.payload == {
        "due": "2026-03-02T01:00:00.250000Z",
        "n": ["2026-03-02T01:00:00.250000Z"],
    }
    # Nothing left to do: a second run changes nothing.
    assert chain_migrate() is None
    assert AuditChainHead.objects.get().hash == marker.hash


@pytest.mark.django_db(transaction=True)
def test_a_broken_first_rule_chain_is_refused_and_left_as_it_was(world: World):
    _a_chain(world)
    head = _rewrite_with_the_first_rule()
    victim = AuditEvent.objects.order_by("seq")[2]
    with _behind_the_orm() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET action = 'reject' WHERE seq = %s",
            [victim.seq],
        )
    before = list(AuditEvent.objects.order_by("seq").values_list("seq", "payload", "hash"))
    with pytest.raises(ChainNotMigrated, match=f"event #{victim.seq}"):
        chain_migrate()
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "payload", "hash")) == before
    assert AuditChainHead.objects.get().hash == head[1]
    assert not AuditEvent.objects.filter(action="audit_chain_migrated").exists()


def test_a_chain_under_the_current_rule_and_an_empty_one_need_nothing(db, world: World):
    assert chain_migrate() is None
    drive(world, "submitted")
    count = AuditEvent.objects.count()
    assert chain_migrate() is None
    assert AuditEvent.objects.count() == count
    assert audit_verify().ok
