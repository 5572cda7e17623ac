"""Fast bulk seeding for benchmarks on PostgreSQL: applications in every status and an audit
chain of a million events that verifies, written with COPY rather than the services.

    python -m tests.benchmarks.seed            # BENCH_SEED_APPS=100000 BENCH_SEED_EVENTS=1000000

The rows are what the services would leave behind in shape (statuses, references, clocks,
terms) but not in history: each case gets ``events / apps`` events whose hashes chain
correctly (``applications.audit.chain_hash``), so ``verify_audit_chain`` passes. Seeding is
for reading benchmarks (queue, exports, verification); transitions are measured through the
services themselves (``bench_transitions``)."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterable, Iterator
from types import SimpleNamespace
from typing import Any

from tests.benchmarks.common import setup_django, stopwatch

SEED_APPS = int(os.environ.get("BENCH_SEED_APPS", "100000"))
SEED_EVENTS = int(os.environ.get("BENCH_SEED_EVENTS", "1000000"))
ORGANIZATIONS = 2000
SEED_TAG = "BULK"

# Status mix of a programme that has run for a few years.
STATUS_MIX = {
    "draft": 4,
    "submitted": 12,
    "supplement_requested": 5,
    "under_review": 15,
    "deliberation": 8,
    "approved": 4,
    "active": 22,
    "suspended": 1,
    "continuing": 3,
    "rejected": 6,
    "withdrawn": 6,
    "confirmed": 6,
    "expired": 6,
    "revoked": 1,
    "regularized": 1,
}


def copy_rows(model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """COPY ``rows`` (values in ``columns`` order; JSON already wrapped) into ``model``'s table."""
    from django.db import connection

    table = model._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def model_defaults(model: Any, now: dt.datetime) -> dict[str, Any]:
    """A value for every concrete column that a seeded row does not set itself."""
    from django.db import models

    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = str(field.column)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[column] = now
        elif field.has_default():
            values[column] = field.get_default()
        elif field.null:
            values[column] = None
        elif isinstance(field, models.CharField | models.TextField):
            values[column] = ""
        elif isinstance(field, models.BooleanField):
            values[column] = False
    return values


def reference_data() -> SimpleNamespace:
    """Ministry, programme, tracks, organisations and staff of the seeded world (idempotent)."""
    from applications.models import Ministry, Organization, Program
    from applications.roles import Role
    from tests.factories import (
        ConfirmationTrackFactory,
        MinistryFactory,
        ProgramFactory,
        TrackFactory,
        make_user,
    )

    ministry = Ministry.objects.filter(code=f"{SEED_TAG}M").first() or MinistryFactory.create(
        code=f"{SEED_TAG}M", name="과학기술정보통신부(벤치)", name_en="MSIT (bench)"
    )
    program = Program.objects.filter(code=SEED_TAG).first() or ProgramFactory.create(
        code=SEED_TAG, lead_ministry=ministry
    )
    exemption = program.tracks.filter(kind="exemption").first() or TrackFactory.create(
        program=program
    )
    confirmation = program.tracks.filter(kind="confirmation").first()
    if confirmation is None:
        confirmation = ConfirmationTrackFactory.create(program=program)
    existing = Organization.objects.filter(name__startswith=f"{SEED_TAG} ").count()
    Organization.objects.bulk_create(
        Organization(
            name=f"{SEED_TAG} 스타트업 {index:05d}",
            registration_number=f"9{index:09d}",
            representative="홍길동",
            address="서울특별시 종로구 세종대로 209",
        )
        for index in range(existing, ORGANIZATIONS)
    )
    orgs = list(
        Organization.objects.filter(name__startswith=f"{SEED_TAG} ").values_list("id", flat=True)
    )
    from django.contrib.auth.models import User

    officers = []
    for index in range(10):
        name = f"bulk-officer-{index}"
        user = User.objects.filter(username=name).first() or make_user(
            Role.CASE_OFFICER, ministry=ministry, username=name
        )
        officers.append(user.pk)
    applicant = User.objects.filter(username="bulk-applicant").first() or make_user(
        Role.APPLICANT, username="bulk-applicant"
    )
    return SimpleNamespace(
        ministry=ministry,
        program=program,
        exemption=exemption,
        confirmation=confirmation,
        organizations=orgs,
        officers=officers,
        applicant=applicant.pk,
    )


def seed(apps: int = SEED_APPS, events: int = SEED_EVENTS) -> dict[str, float]:
    """Add ``apps`` applications and ``events`` chained events; returns timings in seconds."""
    from django.db import connection, transaction
    from psycopg.types.json import Jsonb

    from applications.audit import GENESIS_HASH, chain_hash, event_body, utc_text
    from applications.models import Application, AuditChainHead, AuditEvent

    rng = random.Random(2026)
    now = dt.datetime.now(dt.UTC)
    world = reference_data()
    timings: dict[str, float] = {}
    with transaction.atomic():
        first_id = (
            Application.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ) + 1
        statuses = rng.choices(list(STATUS_MIX), weights=list(STATUS_MIX.values()), k=apps)
        defaults = model_defaults(Application, now)
        ids = range(first_id, first_id + apps)
        references = {
            pk: None if status == "draft" else f"{SEED_TAG}-{pk:08d}"
            for pk, status in zip(ids, statuses, strict=True)
        }

        def application_rows() -> Iterator[tuple[Any, ...]]:
            for offset, (pk, status) in enumerate(zip(ids, statuses, strict=True)):
                confirmation = status == "confirmed"
                track = world.confirmation if confirmation else world.exemption
                submitted = (
                    None
                    if status == "draft"
                    else now - dt.timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1439))
                )
                row = {**defaults, "id": pk}
                row.update(
                    program_id=world.program.pk,
                    track_id=track.pk,
                    organization_id=world.organizations[offset % len(world.organizations)],
                    created_by_id=world.applicant,
                    status=status,
                    reference=references[pk],
                    title=f"실증 서비스 {pk} — 자율주행 배송 로봇",
                    summary="아파트 단지 내 로봇 배송",
                    language="ko",
                    submitted_at=submitted,
                    due_at=None if submitted is None else submitted + dt.timedelta(days=90),
                    assigned_officer_id=(
                        world.officers[pk % len(world.officers)]
                        if status not in ("draft", "submitted", "supplement_requested")
                        else None
                    ),
                )
                if status in (
                    "approved",
                    "active",
                    "suspended",
                    "continuing",
                    "expired",
                    "revoked",
                ):
                    start = (submitted or now).date() + dt.timedelta(days=60)
                    row.update(
                        decided_at=(submitted or now) + dt.timedelta(days=50),
                        term_start=start,
                        term_end=start + dt.timedelta(days=730),
                    )
                yield tuple(
                    Jsonb(row[c]) if isinstance(row[c], dict | list) else row[c] for c in columns
                )

        columns = [f.column for f in Application._meta.concrete_fields]
        with stopwatch() as elapsed:
            copy_rows(Application, columns, application_rows())
        timings["applications_s"] = elapsed()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM "
                f"{Application._meta.db_table}))",
                [Application._meta.db_table],
            )

        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditChainHead.objects.create(pk=1, seq=0, hash=GENESIS_HASH)
        per_app = max(events // max(apps, 1), 1)
        actions = ["draft_created", "submit", "accept", "document_uploaded", "consultation_request"]

        def event_rows() -> Iterator[tuple[Any, ...]]:
            prev, seq = head.hash, head.seq
            written = 0
            for pk, status in zip(ids, statuses, strict=True):
                at = now - dt.timedelta(days=700)
                for step in range(per_app):
                    if written >= events:
                        break
                    seq += 1
                    at += dt.timedelta(hours=rng.randint(1, 48))
                    action = actions[step] if step < len(actions) else "note"
                    event = SimpleNamespace(
                        actor_name="bulk-officer-0",
                        actor_role="case_officer",
                        from_status="",
                        to_status=status if step == per_app - 1 else "",
                        payload={"step": step, "note": "벤치마크 시드"},
                    )
                    digest = chain_hash(
                        prev,
                        event_body(
                            seq=seq,
                            occurred_at=utc_text(at),
                            application=references[pk],
                            actor=event.actor_name,
                            actor_role=event.actor_role,
                            action=action,
                            from_status=event.from_status,
                            to_status=event.to_status,
                            payload=event.payload,
                        ),
                    )
                    yield (
                        seq,
                        pk,
                        at,
                        None,
                        event.actor_name,
                        event.actor_role,
                        action,
                        event.from_status,
                        event.to_status,
                        Jsonb(event.payload),
                        prev,
                        digest,
                    )
                    prev = digest
                    written += 1
            head.seq, head.hash = seq, prev

        columns = [
            "seq",
            "application_id",
            "occurred_at",
            "actor_id",
            "actor_name",
            "actor_role",
            "action",
            "from_status",
            "to_status",
            "payload",
            "prev_hash",
            "hash",
        ]
        with stopwatch() as elapsed:
            copy_rows(AuditEvent, columns, event_rows())
        timings["events_s"] = elapsed()
        head.save(update_fields=["seq", "hash"])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Application._meta.db_table}")
        cursor.execute(f"ANALYZE {AuditEvent._meta.db_table}")
    return timings


def main() -> None:
    setup_django()
    timings = seed()
    print(
        f"seeded {SEED_APPS:,} applications in {timings['applications_s']:.1f} s and "
        f"{SEED_EVENTS:,} chained events in {timings['events_s']:.1f} s"
    )


if __name__ == "__main__":
    main()
