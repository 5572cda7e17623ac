"""The standalone verifier (``api/verifier.py``), run as an auditor would: a separate Python
process without site-packages (standard library only) on real CSV and NDJSON exports pulled
through the API. Its answers agree with the server's own walk (``audit_verify``)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from applications import services
from applications.audit import audit_verify
from applications.models import AuditChainHead, AuditEvent
from applications.roles import Role
from tests.api.chain import append_bulk
from tests.applications.test_audit_tamper import _behind_the_orm
from tests.builders import World, drive

VERIFIER = Path(__file__).resolve().parents[2] / "api" / "verifier.py"
TABLE = AuditEvent._meta.db_table


def _export(api: Any, tmp_path: Path, fmt: str, **params: Any) -> Path:
    response = api.get("/api/v1/events/", format=fmt, **params)
    assert response.status_code == 200
    path = tmp_path / f"events.{fmt}"
    with path.open("wb") as handle:
        for chunk in response.streaming_content:
            handle.write(chunk)
    return path


def _run(*args: Any) -> subprocess.CompletedProcess[str]:
    """``python -I -S``: isolated, no site-packages, so only the standard library is there."""
    return subprocess.run(
        [sys.executable, "-I", "-S", str(VERIFIER), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def trail(world: World) -> None:
    """Cases in several states (a draft among them), payload moments, Korean text."""
    drive(world, "approved")
    app = drive(world, "supplement_requested")
    with transaction.atomic():
        services.event_record(
            app,
            world.officer,
            Role.CASE_OFFICER,
            "claimed",
            {"due": dt.datetime(2026, 3, 2, 1, 0, 0, 250000, tzinfo=dt.UTC), "메모": '확인 "중"'},
        )
    drive(world, "draft")
    drive(world, "submitted", track="confirmation")


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_the_verifier_checks_a_whole_export_and_prints_the_head(
    world: World, api_as, trail, tmp_path, fmt
):
    head = AuditChainHead.objects.get()
    path = _export(api_as(world.auditor), tmp_path, fmt)
    result = _run(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"OK: {head.seq} events, each matching its hash",
        "every link followed from the genesis",
        f"head: #{head.seq} {head.hash}",
    ]
    assert audit_verify().head_hash == head.hash  # the server agrees


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_an_altered_event_is_named_by_the_verifier_and_the_server_alike(
    world: World, api_as, trail, tmp_path, fmt
):
    victim = AuditEvent.objects.filter(action="recommend").get()
    with _behind_the_orm() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET payload = %s WHERE seq = %s", ['{"outcome": "reject"}', victim.seq]
        )
    result = _run(_export(api_as(world.auditor), tmp_path, fmt))
    assert result.returncode == 1
    assert result.stdout == (
        f"BROKEN: event #{victim.seq} was altered: its content does not give its hash\n"
    )
    assert audit_verify().first_broken_seq == victim.seq


def test_a_draft_event_moved_to_another_case_is_caught(world: World, api_as, trail, tmp_path):
    """Events recorded on a draft hash no reference; the submission's list binds them."""
    first = AuditEvent.objects.get(seq=1)  # the first case's draft_created
    other = AuditEvent.objects.filter(action="submit").exclude(application=first.application)
    target = other.values_list("application_id", flat=True).first()
    with _behind_the_orm() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET application_id = %s WHERE seq = %s", [target, first.seq]
        )
    result = _run(_export(api_as(world.auditor), tmp_path, "ndjson"))
    assert result.returncode == 1
    assert result.stdout.startswith(
        "BROKEN: event #1: its case does not match the draft events that submission #"
    )
    report = audit_verify()
    assert (report.ok, report.first_broken_seq) == (False, 1)


def test_a_filtered_export_is_checked_event_by_event(world: World, api_as, trail, tmp_path):
    path = _export(api_as(world.auditor), tmp_path, "csv", action="submit")
    result = _run(path)
    assert result.returncode == 0, result.stdout
    submits = list(AuditEvent.objects.filter(action="submit").order_by("seq"))
    assert result.stdout.splitlines() == [
        f"OK: {len(submits)} events, each matching its hash",
        f"a filtered export ({len(submits) - 1} gaps): links checked between consecutive "
        "events only",
        f"head: #{submits[-1].seq} {submits[-1].hash}",
    ]


def test_unreadable_input_is_exit_status_2(tmp_path):
    garbage = tmp_path / "events.csv"
    garbage.write_text("seq,occurred_at\nnot-a-number,x\n")
    result = _run(garbage)
    assert result.returncode == 2
    assert result.stderr.startswith("cannot read the export:")
    assert _run(tmp_path / "missing.csv").returncode == 2


@pytest.mark.postgres  # 100k events: the PostgreSQL pass (timed in make bench too)
def test_the_verifier_checks_a_100k_event_export(world: World, api_as, tmp_path):
    drive(world, "approved")
    append_bulk(100_000)
    head = AuditChainHead.objects.get()
    api = api_as(world.auditor)
    for fmt in ("csv", "ndjson"):
        path = _export(api, tmp_path, fmt)
        started = time.monotonic()
        result = _run(path)
        took = time.monotonic() - started
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.splitlines()[-1] == f"head: #{head.seq} {head.hash}"
        assert f"OK: {head.seq} events" in result.stdout
        assert took < 300, took
