"""Fast bulk seeding for benchmarks on PostgreSQL: applications in every status with the
casework their statuses imply, and an audit chain of a million events that verifies, written
with COPY rather than the services.

    python -m tests.benchmarks.seed            # BENCH_SEED_APPS=100000 BENCH_SEED_EVENTS=1000000

The rows are what the services would leave behind in shape (statuses, references, clocks,
terms) but not in history: each case gets ``events / apps`` events whose hashes chain
correctly (``applications.audit.chain_hash``), so ``verify_audit_chain`` passes. Seeding is
for reading benchmarks (queue, exports, verification); transitions are measured through the
services themselves (``bench_transitions``).

The casework (``seed_casework``) is what the review queue's tabs read besides the cases: the
opinions asked of another ministry (a partner ministry's programme holds one case in eleven, one
in three in a small seed, and consults the seeded ministry on them), and for every waiver whose
term has run its reporting schedule with the filings, a user notice, an insurance policy and,
on some, an incident, in the states a programme running for years holds, with the summary of
what awaits staff that the services keep (``supervision.models.CaseAttention``). Without it the
*Consultations* and *Supervision* tabs of the seeded officers were empty at any size, and their
figures compared an empty page with a query that found nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from tests.benchmarks.common import setup_django, stopwatch

SEED_APPS = int(os.environ.get("BENCH_SEED_APPS", "100000"))
SEED_EVENTS = int(os.environ.get("BENCH_SEED_EVENTS", "1000000"))
ORGANIZATIONS = 2000
# Every eleventh case (confirmation-track ones aside) is the partner ministry's programme's
# (not every tenth: the seeded officers take turns by the id's last digit).
PARTNER_EVERY = 11
# ... and every third in a seed of fewer than SMALL_SEED cases (the queue's 1k database), so
# that the seeded officers' *Consultations* tab holds more than a page there too (18 cases
# with one in eleven): "the same page at 1k" then shows as many rows as at 100k.
SMALL_SEED, SMALL_PARTNER_EVERY = 10_000, 3
# Statuses a case reaches once its review asked for opinions: pending under review, answered
# after it.
CONSULTED = frozenset(
    {
        "under_review",
        "deliberation",
        "approved",
        "active",
        "suspended",
        "continuing",
        "rejected",
        "expired",
        "revoked",
        "regularized",
    }
)
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


def copy_objects(model: Any, now: dt.datetime, rows: Iterable[dict[str, Any]]) -> int:
    """COPY ``rows`` (each a dict by column, ``id`` included) into ``model``'s table, every
    other column at its default (``model_defaults``), JSON values wrapped for psycopg; the id
    sequence then goes on after them."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    defaults = model_defaults(model, now)
    columns = [f.column for f in model._meta.concrete_fields]

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        merged = {**defaults, **row}
        return tuple(
            Jsonb(merged[c]) if isinstance(merged[c], dict | list) else merged[c] for c in columns
        )

    count = copy_rows(model, columns, (values(row) for row in rows))
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",
            [table],
        )
    return count


def next_ids(model: Any) -> Iterator[int]:
    """Ids after the table's highest."""
    first = (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    return itertools.count(first)


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
    # Another ministry's programme, which consults the seeded ministry on its cases (and is
    # consulted on some of the seeded ministry's): the seeded officers' *Consultations* tab.
    partner = Ministry.objects.filter(code=f"{SEED_TAG}P").first() or MinistryFactory.create(
        code=f"{SEED_TAG}P", name="산업통상자원부(벤치)", name_en="MOTIE (bench)"
    )
    partner_program = Program.objects.filter(code=f"{SEED_TAG}2").first() or ProgramFactory.create(
        code=f"{SEED_TAG}2", lead_ministry=partner
    )
    partner_track = partner_program.tracks.filter(kind="exemption").first() or TrackFactory.create(
        program=partner_program
    )
    partner_officers = []
    for index in range(3):
        name = f"bulk-partner-officer-{index}"
        user = User.objects.filter(username=name).first() or make_user(
            Role.CASE_OFFICER, ministry=partner, username=name
        )
        partner_officers.append(user.pk)
    return SimpleNamespace(
        ministry=ministry,
        program=program,
        exemption=exemption,
        confirmation=confirmation,
        organizations=orgs,
        officers=officers,
        applicant=applicant.pk,
        partner=partner,
        partner_program=partner_program,
        partner_track=partner_track,
        partner_officers=partner_officers,
    )


@dataclass(frozen=True)
class Case:
    """What the casework of a seeded case is made from."""

    pk: int
    status: str
    partner: bool  # the partner ministry's programme
    officer: int  # its case officer (or one of its ministry's)
    submitted: dt.datetime | None
    term_start: dt.date | None
    term_end: dt.date | None


def casework_tables() -> list[str]:
    """The tables ``seed_casework`` fills, and the case tally (``seed`` folds its rows), for
    the benchmarks' VACUUM."""
    from applications.models import CaseTally
    from supervision.models import CaseAttention

    return [model._meta.db_table for model in (*casework_models(), CaseAttention, CaseTally)]


def casework_models() -> tuple[Any, ...]:
    """The tables of ``seed_casework`` whose rows it numbers itself."""
    from applications.models import Consultation, InsuranceProof
    from supervision.models import Incident, InsurancePolicy, Report, ReportSubmission, UserNotice

    return (
        Consultation,
        Report,
        ReportSubmission,
        Incident,
        UserNotice,
        InsuranceProof,
        InsurancePolicy,
    )


def seed_casework(cases: list[Case], world: SimpleNamespace, now: dt.datetime) -> dict[str, float]:
    """What the cases' review and term left behind besides their status: the opinions asked of
    the other ministry (pending while the case is under review), and for every waiver whose term
    has run, the reporting schedule (``supervision.schedule.plan``, quarterly with a final
    report) with its filings, a user notice, an insurance proof, and incidents on some — each in
    the states a programme running for years holds (most accepted or closed, some awaiting
    review, some overdue). Returns the row counts."""
    from applications.models import Consultation, InsuranceProof
    from supervision import schedule
    from supervision.availability import AFTER_THE_TERM, RUNNING, SUPERVISED
    from supervision.models import (
        CaseAttention,
        Incident,
        InsurancePolicy,
        Report,
        ReportSubmission,
        UserNotice,
    )

    rng = random.Random(2027)  # apart from the cases' and events' draws, which stay as they were
    today = now.date()
    rules = schedule.Rules(interval_months=3, due_days=30, final_days=30)
    counts: dict[str, float] = {}
    # The cases with supervision work or filings waiting, as the services keep them
    # (``supervision.models.CaseAttention``).
    work: set[int] = set()
    filings: set[int] = set()
    # Every table's next ids, read before any COPY starts (the connection runs nothing else
    # while one runs).
    ids = {model: next_ids(model) for model in casework_models()}

    def day_time(day: dt.date, hours: int = 9) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hours), tzinfo=dt.UTC)

    def consultations() -> Iterator[dict[str, Any]]:
        for case in cases:
            if case.submitted is None or case.status not in CONSULTED:
                continue
            if not case.partner and case.pk % 3:
                continue  # the seeded ministry asks the partner's opinion on a third of its own
            asked, asking = (
                (world.ministry, world.partner_officers)
                if case.partner
                else (world.partner, world.officers)
            )
            answering = world.officers if case.partner else world.partner_officers
            # A pending opinion was asked within its 30 days (past them the deadline sweep
            # records it as lapsed); an answered one a week after the case came in.
            requested = (
                now - dt.timedelta(days=rng.randint(1, 29), hours=rng.randint(0, 23))
                if case.status == "under_review"
                else case.submitted + dt.timedelta(days=7)
            )
            row = {
                "id": next(ids[Consultation]),
                "application_id": case.pk,
                "ministry_id": asked.pk,
                "requested_by_id": asking[case.pk % len(asking)],
                "requested_at": requested,
                "due_at": requested + dt.timedelta(days=30),
                "question": "소관 법령상 문제가 없는지 의견을 주십시오.",
            }
            if case.status != "under_review":
                row.update(
                    status="answered",
                    opinion="agree" if rng.random() < 0.7 else "agree_with_conditions",
                    reasons="이견 없음",
                    answered_by_id=answering[case.pk % len(answering)],
                    answered_at=requested + dt.timedelta(days=rng.randint(3, 30)),
                )
            yield row

    counts["consultations"] = copy_objects(Consultation, now, consultations())

    supervised = [
        case
        for case in cases
        if case.status in SUPERVISED and case.term_start is not None and case.term_start <= today
    ]
    submissions: list[dict[str, Any]] = []

    def reports() -> Iterator[dict[str, Any]]:
        for case in supervised:
            assert case.term_start is not None and case.term_end is not None
            planned = schedule.plan(
                term_start=case.term_start, term_end=case.term_end, rules=rules, conditions=[]
            )
            for number, item in enumerate(planned, start=1):
                row = {
                    "id": next(ids[Report]),
                    "application_id": case.pk,
                    "number": number,
                    "kind": item.kind,
                    "period_start": item.period_start,
                    "period_end": item.period_end,
                    "due_on": item.due_on,
                    "created_at": day_time(case.term_start),
                    "status": "due",
                }
                draw = rng.random()
                if item.period_end >= today:
                    if case.status in AFTER_THE_TERM:
                        row["status"] = "cancelled"  # the term ended before this period did
                elif item.due_on >= today:
                    if draw < 0.35:
                        row["status"] = "submitted"
                elif item.due_on < today - dt.timedelta(days=90):
                    row["status"] = "accepted"  # older reports were chased and reviewed
                elif draw < 0.05:
                    row["overdue_at"] = day_time(item.due_on + dt.timedelta(days=1), 0)
                elif draw < 0.12:
                    row["status"] = "submitted"
                else:
                    row["status"] = "accepted"
                if row["status"] in ("submitted", "accepted"):
                    filed = day_time(min(item.period_end + dt.timedelta(days=20), today))
                    filing = {
                        "id": next(ids[ReportSubmission]),
                        "report_id": row["id"],
                        "period_start": item.period_start,
                        "period_end": item.period_end,
                        "users_served": rng.randint(10, 5000),
                        "transactions": rng.randint(100, 100_000),
                        "complaints": rng.randint(0, 5),
                        "submitted_by_id": world.applicant,
                        "submitted_at": filed,
                    }
                    if row["status"] == "accepted":  # reviewed: the filing says how
                        filing.update(
                            outcome="accepted",
                            reviewed_by_id=case.officer,
                            reviewed_at=filed + dt.timedelta(days=5),
                        )
                    submissions.append(filing)
                if row["status"] == "submitted" or "overdue_at" in row:
                    work.add(case.pk)
                yield row

    counts["reports"] = copy_objects(Report, now, reports())
    counts["report_filings"] = copy_objects(ReportSubmission, now, submissions)

    running = [case for case in supervised if case.status in RUNNING]
    accepted_or_not = ("accepted",) * 19 + ("submitted",)  # one in twenty awaits review

    def notices() -> Iterator[dict[str, Any]]:
        for case in running:
            assert case.term_start is not None
            status = rng.choice(accepted_or_not)
            if status == "submitted":
                filings.add(case.pk)
            yield {
                "id": next(ids[UserNotice]),
                "application_id": case.pk,
                "number": 1,
                "channels": "앱 공지, 이용약관",
                "notice_text": "본 서비스는 규제특례를 받아 실증 중입니다.",
                "filed_by_id": world.applicant,
                "filed_at": day_time(case.term_start),
                "status": status,
                "reviewed_by_id": case.officer if status == "accepted" else None,
                "reviewed_at": day_time(case.term_start, 15) if status == "accepted" else None,
            }

    counts["user_notices"] = copy_objects(UserNotice, now, notices())
    policies: list[dict[str, Any]] = []

    def proofs() -> Iterator[dict[str, Any]]:
        for case in running:
            assert case.term_start is not None and case.term_end is not None
            proof = next(ids[InsuranceProof])
            status = rng.choice(accepted_or_not)
            if status == "submitted":
                filings.add(case.pk)
            policies.append(
                {
                    "id": next(ids[InsurancePolicy]),
                    "proof_id": proof,
                    "status": status,
                    "reviewed_by_id": case.officer if status == "accepted" else None,
                    "reviewed_at": day_time(case.term_start, 15) if status == "accepted" else None,
                }
            )
            yield {
                "id": proof,
                "application_id": case.pk,
                "insurer": "한국손해보험(벤치)",
                "policy_number": f"BENCH-{case.pk:08d}",
                "coverage_start": case.term_start,
                "coverage_end": case.term_end,
                "insured_amount": 1_000_000_000,
                "coverage_per_person": 100_000_000,
                "coverage_per_accident": 300_000_000,
                "added_by_id": world.applicant,
                "added_at": day_time(case.term_start),
            }

    counts["insurance_proofs"] = copy_objects(InsuranceProof, now, proofs())
    counts["insurance_policies"] = copy_objects(InsurancePolicy, now, policies)

    def incidents() -> Iterator[dict[str, Any]]:
        for case in running:
            if rng.random() >= 0.05:  # one waiver in twenty has had an incident
                continue
            assert case.term_start is not None
            severity = rng.choices(("serious", "moderate", "minor"), weights=(15, 35, 50))[0]
            status = rng.choices(
                ("closed", "reported", "acknowledged", "awaiting_answer", "answered"),
                weights=(70, 15, 5, 5, 5),
            )[0]
            if status in ("reported", "answered") or (severity == "serious" and status != "closed"):
                work.add(case.pk)
            occurred = day_time(case.term_start) + dt.timedelta(
                hours=rng.randint(24, max(24, (today - case.term_start).days * 24))
            )
            yield {
                "id": next(ids[Incident]),
                "application_id": case.pk,
                "number": 1,
                "category": rng.choice(("safety", "health", "financial", "data", "other")),
                "severity": severity,
                "occurred_at": occurred,
                "detected_at": occurred + dt.timedelta(hours=1),
                "reported_at": occurred + dt.timedelta(hours=10),
                "affected_users": rng.randint(1, 50),
                "description": "배송 로봇이 보행자와 접촉",
                "actions_taken": "운행 중지 후 점검",
                "deadline_hours": 24 if severity == "serious" else 72,
                "status": status,
                "reported_by_id": world.applicant,
            }

    counts["incidents"] = copy_objects(Incident, now, incidents())
    copy_rows(
        CaseAttention,
        ["application_id", "work", "filings"],
        ((case, case in work, case in filings) for case in sorted(work | filings)),
    )
    counts["cases_with_supervision_waiting"] = len(work | filings)
    return counts


def seed(apps: int = SEED_APPS, events: int = SEED_EVENTS) -> dict[str, float]:
    """Add ``apps`` applications and ``events`` chained events; returns timings in seconds."""
    from django.db import connection, transaction
    from psycopg.types.json import Jsonb

    from applications import tally
    from applications.audit import GENESIS_HASH, chain_hash, event_body, utc_text
    from applications.models import Application, AuditChainHead, AuditEvent

    rng = random.Random(2026)
    now = dt.datetime.now(dt.UTC)
    world = reference_data()
    timings: dict[str, float] = {}
    with transaction.atomic():
        first_id = next(next_ids(Application))
        statuses = rng.choices(list(STATUS_MIX), weights=list(STATUS_MIX.values()), k=apps)
        every = PARTNER_EVERY if apps >= SMALL_SEED else SMALL_PARTNER_EVERY
        ids = range(first_id, first_id + apps)
        references = {
            pk: None if status == "draft" else f"{SEED_TAG}-{pk:08d}"
            for pk, status in zip(ids, statuses, strict=True)
        }

        cases: list[Case] = []

        def application_rows() -> Iterator[dict[str, Any]]:
            for offset, (pk, status) in enumerate(zip(ids, statuses, strict=True)):
                confirmation = status == "confirmed"
                partner = not confirmation and pk % every == 0
                track = (
                    world.confirmation
                    if confirmation
                    else world.partner_track
                    if partner
                    else world.exemption
                )
                officers = world.partner_officers if partner else world.officers
                submitted = (
                    None
                    if status == "draft"
                    else now - dt.timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1439))
                )
                row: dict[str, Any] = {"id": pk}
                row.update(
                    program_id=track.program_id,
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
                        officers[pk % len(officers)]
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
                cases.append(
                    Case(
                        pk=pk,
                        status=status,
                        partner=partner,
                        officer=row["assigned_officer_id"] or officers[0],
                        submitted=submitted,
                        term_start=row.get("term_start"),
                        term_end=row.get("term_end"),
                    )
                )
                yield row

        with stopwatch() as elapsed:
            copy_objects(Application, now, application_rows())
        timings["applications_s"] = elapsed()

        with stopwatch() as elapsed:
            timings.update(seed_casework(cases, world, now))
        timings["casework_s"] = elapsed()

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
    # The case tally's triggers wrote a row for each case COPY added: one per combination now,
    # as the deadline sweep leaves it in service.
    tally.compact()
    with connection.cursor() as cursor:
        # Every table's statistics, as autovacuum keeps them in service: those COPY filled and
        # those the ORM wrote (the 2,000 organisations, the people, ministries and programmes).
        # Left to autovacuum, the organisations went unanalysed through a whole benchmark, and
        # the planner, taking them for 123 rows, read the *Supervision* tab's rows starting from
        # every organisation (18 ms at 10k cases instead of 7).
        cursor.execute("ANALYZE")
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
