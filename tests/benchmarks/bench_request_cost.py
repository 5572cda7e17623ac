"""What each request of the load mix costs the server, by kind: the Django process's CPU
(``time.process_time``), the CPU of its PostgreSQL backend (``/proc/<pg_backend_pid>/stat``)
and the queries it runs — through Django's test client and the whole middleware stack, with the
production settings (``DEBUG=0``, database task queue) on PostgreSQL.

The requests are the load test's (``bench_load``): an applicant starting a draft, every form
page and its save, the regulation, the upload, the check page and the submit; a case officer's
queue page; an auditor's NDJSON pull of the newest thousand
events. ``ROUNDS`` applicants go through the whole form; every figure is the mean per
request of its kind (PostgreSQL's CPU is counted in clock ticks of 10 ms, so only a mean over
many requests says anything).

    python -m tests.pgcluster -- python -m tests.benchmarks.bench_request_cost
    REQUEST_COST_PROFILE=submit  ...   # also print the cProfile of that kind ("*": of all)
    REQUEST_COST_QUERIES=submit  ...   # also print the SQL of the last request of that kind
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from tests.benchmarks.common import Figure, emit, setup_django, test_client_environment

ROUNDS = int(os.environ.get("REQUEST_COST_ROUNDS", "20"))
PROFILE_KIND = os.environ.get("REQUEST_COST_PROFILE", "")
# Print the SQL of the last request of this kind (what its query count is made of).
QUERIES_KIND = os.environ.get("REQUEST_COST_QUERIES", "")
TICKS = os.sysconf("SC_CLK_TCK")

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
CASE = re.compile(r"/apply/(\d+)/")


def backend_cpu_seconds(pid: int) -> float:
    """CPU seconds the PostgreSQL backend ``pid`` has used (user + system)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Costs:
    python: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    postgres: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    queries: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    profiles: dict[str, cProfile.Profile] = field(default_factory=dict)
    last_sql: list[str] = field(default_factory=list)


class Meter:
    """Runs one request and books its costs under a kind."""

    def __init__(self, costs: Costs, backend_pid: int) -> None:
        self.costs, self.backend_pid = costs, backend_pid

    def __call__(self, kind: str, send: Callable[[], Any]) -> Any:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        profiler = None
        if kind == PROFILE_KIND or PROFILE_KIND == "*":
            profiler = self.costs.profiles.setdefault(
                PROFILE_KIND, cProfile.Profile(time.process_time)
            )
        with CaptureQueriesContext(connection) as captured:
            pg_before = backend_cpu_seconds(self.backend_pid)
            start = time.process_time()
            if profiler is not None:
                profiler.enable()
            response = send()
            if profiler is not None:
                profiler.disable()
            python = time.process_time() - start
            postgres = backend_cpu_seconds(self.backend_pid) - pg_before
        self.costs.python[kind].append(python)
        self.costs.postgres[kind].append(postgres)
        self.costs.queries[kind].append(len(captured.captured_queries))
        if kind == QUERIES_KIND:
            self.costs.last_sql = [query["sql"] for query in captured.captured_queries]
        assert response.status_code < 400, (kind, response.status_code)
        return response


def applicant_round(client: Any, meter: Meter, track: int) -> None:
    """The load test's applicant iteration (bench_load.applicant_iteration), step for step."""
    from tests.benchmarks.bench_load import PDF, REGULATION, STEPS

    page = meter("page GET (new)", lambda: client.get("/apply/new/")).content.decode()
    csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
    started = meter(
        "form POST (new)",
        lambda: client.post(
            "/apply/new/",
            {"csrfmiddlewaretoken": csrf, "track": track, "title": "부하 시험 서비스"},
        ),
    )
    pk = CASE.search(started["Location"]).group(1)  # type: ignore[union-attr]
    for slug, data in STEPS:
        url = f"/apply/{pk}/step/{slug}/"
        page = meter("page GET (step)", partial(client.get, url)).content.decode()
        version = VERSION.search(page).group(1)  # type: ignore[union-attr]
        body = {**data, "version": version, "csrfmiddlewaretoken": csrf}
        meter("form POST (step)", partial(client.post, url, body))
    meter(
        "form POST (regulation)",
        lambda: client.post(
            f"/apply/{pk}/step/regulations/", {**REGULATION, "csrfmiddlewaretoken": csrf}
        ),
    )

    def upload() -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        plan = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
        return client.post(
            f"/apply/{pk}/step/documents/",
            {"csrfmiddlewaretoken": csrf, "doc_type": "business_plan", "file": plan},
        )

    meter("upload", upload)
    page = meter("page GET (check)", lambda: client.get(f"/apply/{pk}/check/")).content.decode()
    version = VERSION.search(page).group(1)  # type: ignore[union-attr]
    submitted = meter(
        "submit",
        lambda: client.post(
            f"/apply/{pk}/check/", {"version": version, "csrfmiddlewaretoken": csrf}
        ),
    )
    assert submitted["Location"].rstrip("/").endswith(f"/apply/{pk}"), submitted["Location"]


def measure(rounds: int) -> Costs:
    from django.db import connection
    from django.test import Client

    from tests.benchmarks.bench_load import prepare_accounts

    test_client_environment()
    accounts = prepare_accounts(rounds)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend_pid,) = cursor.fetchone()
    costs = Costs()
    meter = Meter(costs, backend_pid)
    for index in range(rounds):
        client = Client(enforce_csrf_checks=True)
        client.cookies["sessionid"] = accounts.applicants[index]
        # As in the load test, a session's first page has checked the personal-data consent
        # (once a session) before anything is measured.
        client.get("/apply/")
        applicant_round(client, meter, accounts.track)
        officer = Client(enforce_csrf_checks=True)
        officer.cookies["sessionid"] = accounts.reviewers[index % len(accounts.reviewers)]
        meter("queue page", partial(officer.get, accounts.queue_path))
        auditor = Client(HTTP_AUTHORIZATION=f"Bearer {accounts.api_token}")
        meter("NDJSON pull", partial(auditor.get, accounts.export_path))
    return costs


def figures_of(costs: Costs) -> list[Figure]:
    figures = []
    for kind in costs.python:
        python = statistics.fmean(costs.python[kind]) * 1000
        postgres = statistics.fmean(costs.postgres[kind]) * 1000
        queries = statistics.fmean(costs.queries[kind])
        figures.append(Figure("request cost", f"{kind}: Django CPU", python, "ms"))
        figures.append(Figure("request cost", f"{kind}: PostgreSQL CPU", postgres, "ms"))
        figures.append(Figure("request cost", f"{kind}: queries", queries, "queries"))
    return figures


def table(costs: Costs) -> str:
    """A markdown table: kind, requests, Django CPU, PostgreSQL CPU, queries (means)."""
    lines = [
        "| Request kind | n | Django CPU (mean) | PostgreSQL CPU (mean) | queries |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind in costs.python:
        lines.append(
            f"| {kind} | {len(costs.python[kind])} "
            f"| {statistics.fmean(costs.python[kind]) * 1000:.1f} ms "
            f"| {statistics.fmean(costs.postgres[kind]) * 1000:.1f} ms "
            f"| {statistics.fmean(costs.queries[kind]):g} |"
        )
    return "\n".join(lines)


def run() -> list[Figure]:
    setup_django()
    costs = measure(ROUNDS)
    print(table(costs), flush=True)
    for kind, profiler in costs.profiles.items():
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(30)
        print(f"--- cProfile of {kind} (cumulative, then own time) ---")
        print(out.getvalue())
    if costs.last_sql:
        print(f"--- the queries of the last {QUERIES_KIND} ---")
        for number, sql in enumerate(costs.last_sql, 1):
            print(f"{number:3}. {sql[:400]}")
    return figures_of(costs)


if __name__ == "__main__":
    emit(run())
