"""The API's date and key filters (``api.base.LocalDayFilter``, ``api.base.KeyFilter``): the
same records as the conditions they replaced (``<moment>__date`` in the current time zone, and
the code tested through a join), on both databases; a key that names nothing answers without a
query of the records; on PostgreSQL a date range, the decisions' order and the events' actor
and moments are read from their indexes (migrations ``applications.0024`` and ``0025``), not
by reading every record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.base import KeyFilter, LocalDayFilter
from api.views import ApplicationFilter, DecisionFilter, EventFilter
from applications.models import Application, AuditEvent, Decision, Program
from applications.workflow import ApplicationStatus as S
from tests.builders import drive

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Moments around the day's edges in Seoul (UTC+9) and in UTC, a microsecond apart.
MOMENTS = [
    dt.datetime(2026, 3, 1, 14, 59, 59, 999999, tzinfo=UTC),  # 1 March, 23:59:59.999999 in Seoul
    dt.datetime(2026, 3, 1, 15, 0, tzinfo=UTC),  # 2 March, midnight in Seoul
    dt.datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC),
    dt.datetime(2026, 3, 2, 0, 0, tzinfo=UTC),  # 2 March, midnight in UTC; 09:00 in Seoul
    dt.datetime(2026, 3, 2, 14, 59, 59, 999999, tzinfo=UTC),
    dt.datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
    dt.datetime(2026, 3, 2, 20, 0, tzinfo=UTC),  # 3 March in Seoul, 2 March in New York
]
DAYS = [
    dt.date.min,
    dt.date(2026, 2, 28),
    dt.date(2026, 3, 1),
    dt.date(2026, 3, 2),
    dt.date(2026, 3, 3),
    dt.date(2026, 3, 4),
    dt.date.max,
]


def cases_at(world: Any) -> dict[dt.datetime, int]:
    """A submitted case per moment, submitted (and decided) at that moment."""
    made = {}
    for moment in MOMENTS:
        app = drive(world, S.SUBMITTED)
        Application.objects.filter(pk=app.pk).update(submitted_at=moment, decided_at=moment)
        made[moment] = app.pk
    return made


def picked(queryset: QuerySet[Any]) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("zone", ["Asia/Seoul", "UTC", "America/New_York"])
def test_a_day_filter_keeps_what_the_date_of_the_moment_kept(world, zone):
    made = cases_at(world)
    cases = Application.objects.filter(pk__in=made.values())
    with timezone.override(zone):
        for field in ("submitted_at", "decided_at"):
            for lookup in ("gte", "lte"):
                day_filter = LocalDayFilter(field_name=field, lookup_expr=lookup)
                for day in DAYS:
                    oracle = cases.filter(**{f"{field}__date__{lookup}": day})
                    assert picked(day_filter.filter(cases, day)) == picked(oracle), (
                        field,
                        lookup,
                        day,
                    )
    with timezone.override("Asia/Seoul"):  # worked by hand: 2 March in Seoul
        on_the_second = ApplicationFilter(
            {"submitted_from": "2026-03-02", "submitted_to": "2026-03-02"}, queryset=cases
        ).qs
        assert picked(on_the_second) == {made[m] for m in MOMENTS[1:5]}


def test_the_api_answers_a_day_range_in_the_sites_time_zone(world, api_as):
    made = cases_at(world)
    api = api_as(world.auditor)
    body = api.get("/api/v1/applications/", decided_from="2026-03-03").json()
    assert {item["reference"] for item in body["results"]} == set(
        Application.objects.filter(pk__in=[made[MOMENTS[5]], made[MOMENTS[6]]]).values_list(
            "reference", flat=True
        )
    )
    for first, last in (("0001-01-01", "9999-12-31"), ("9999-12-31", "0001-01-01")):
        answer = api.get("/api/v1/applications/", submitted_from=first, submitted_to=last)
        assert answer.status_code == 200, answer.content
    assert len(answer.json()["results"]) == 0  # from the last day to the first: nothing
    every = api.get("/api/v1/applications/", submitted_from="0001-01-01", submitted_to="9999-12-31")
    assert len(every.json()["results"]) == len(MOMENTS)


def test_a_key_filter_keeps_what_the_join_kept(world):
    drive(world, S.SUBMITTED)
    other_program = Program.objects.exclude(pk=world.program.pk).first()
    cases = Application.objects.all()
    for key, table, target in (
        ("code", Program, "program"),
        ("lead_ministry__code", Program, "program"),
    ):
        key_filter = KeyFilter(table=table, key=key, field_name=target)
        values = set(Program.objects.values_list(key, flat=True)) | {"NOPE", ""}
        for value in values:
            expected = cases.filter(**{f"program__{key}": value}) if value else cases
            assert picked(key_filter.filter(cases, value)) == picked(expected), (key, value)
    assert other_program is None or not picked(
        ApplicationFilter({"program": other_program.code}, queryset=cases).qs
    )


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/applications/", {"program": "NOPE"}),
        ("/api/v1/applications/", {"track": "NOPE"}),
        ("/api/v1/applications/", {"ministry": "NOPE", "status": "active"}),
        ("/api/v1/applications/", {"organization": "0000000000"}),
        ("/api/v1/decisions/", {"program": "NOPE"}),
        ("/api/v1/letters/", {"program": "NOPE"}),
        ("/api/v1/events/", {"program": "NOPE"}),
        ("/api/v1/events/", {"ministry": "NOPE"}),
        ("/api/v1/access-log/", {"user": "nobody-at-all"}),
    ],
)
def test_a_key_that_names_nothing_reads_no_record(world, api_as, url, params):
    drive(world, S.APPROVED)
    api = api_as(world.auditor)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, **params)
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []
    read = [q["sql"] for q in queries.captured_queries]
    records = ("applications_application", "applications_auditevent", "applications_decision")
    for table in (*records, "documents_letter", "applications_apiaccesslog"):
        assert not any(
            sql.lstrip().startswith("SELECT") and f'FROM "{table}"' in sql for sql in read
        ), (
            table,
            read,
        )


def plan_of(queryset: QuerySet[Any], *, walks: bool = True) -> str:
    """The plan PostgreSQL makes when reading a whole table or sorting it costs it the most
    (and, without ``walks``, walking an index with the condition as a filter): with a few rows
    its own choice would follow their statistics."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        if not walks:
            cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_on_postgresql_a_day_range_is_read_from_its_index(world):
    cases_at(world)
    for field, index in (
        ("submitted_at", "application_submitted_at"),
        ("decided_at", "application_decided_at"),
    ):
        narrow = ApplicationFilter(
            {
                field.replace("_at", "_from"): "2026-03-02",
                field.replace("_at", "_to"): "2026-03-02",
            },
            queryset=Application.objects.all(),
        ).qs.values("pk")
        plan = plan_of(narrow)
        assert index in plan, plan


@pytest.mark.postgres
def test_on_postgresql_the_decisions_register_is_read_in_its_order(world):
    drive(world, S.APPROVED)
    newest = Decision.objects.order_by("-decided_at", "-id")[:50]
    plan = plan_of(newest.values("pk"))
    assert "decision_decided_at" in plan and "Sort" not in plan, plan
    within = DecisionFilter(
        {"decided_from": "2026-03-02"}, queryset=Decision.objects.order_by("-decided_at", "-id")
    ).qs.values("pk")
    plan = plan_of(within)
    assert "decision_decided_at" in plan and "Sort" not in plan, plan


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_an_export_for_a_key_that_names_nothing_is_an_empty_export(world, api_as, fmt):
    """The same bytes as another filter that matches nothing (on PostgreSQL the database writes
    the export, from SQL an empty answer has none of)."""
    drive(world, S.APPROVED)
    api = api_as(world.auditor)

    def export(**params: str) -> bytes:
        response = api.get("/api/v1/events/", format=fmt, **params)
        assert response.status_code == 200
        return b"".join(response.streaming_content)

    nothing = export(program="NOPE")
    assert nothing == export(actor="nobody-at-all")
    assert b"approve" in export(program=world.program.code)


@pytest.mark.postgres
def test_on_postgresql_the_events_by_actor_and_by_moment_are_read_from_indexes(world):
    drive(world, S.APPROVED)
    events = AuditEvent.objects.order_by("seq")
    by_actor = EventFilter({"actor": "nobody-at-all"}, queryset=events).qs.values("pk")[:100]
    plan = plan_of(by_actor, walks=False)
    assert "auditevent_actor_seq" in plan, plan
    later = EventFilter({"occurred_from": "2030-01-01T00:00:00Z"}, queryset=events).qs
    # the range alone (in chain order it needs a sort, which the plan is told to shun)
    plan = plan_of(later.order_by().values("pk"), walks=False)
    assert "auditevent_occurred_brin" in plan, plan
