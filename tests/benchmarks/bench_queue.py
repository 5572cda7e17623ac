"""Benchmark (not a test): the review queue's first page, every tab, at scale on PostgreSQL.

    make bench-queue                                   # 10k applications, 100k events
    BENCH_SEED_APPS=100000 BENCH_SEED_EVENTS=1000000 make bench-queue

Seeds the data with ``tests.benchmarks.seed`` (COPY, a valid audit chain) unless ``make bench``
already did, signs a case officer of the seeded ministry in through the real TOTP page, then
times each tab's first page (Django's test client through the whole stack) against two
baselines of the same run:

* the raw SQL of the same rows (the page's own row query, run on a cursor): goal ≤ 10×;
* the same page on a database of 1k cases of the same cluster (a child process,
  ``common.small_database_process``): goal ≤ 1.2×, i.e. the page does not grow with the data.

Both baselines are timed in the same turns as the page, so that every median is taken over the
same seconds of a machine whose speed moves from one second to the next (shared cores), and
under the same conditions: in a turn this process and the children take strict turns (the
page here, the 1k page there, the rows' SQL here, the third database's page there, the empty
page here, the 1k page there once more, not kept), so each request or statement timed here
follows another process's work on the cores, as the page does in a server. The rows' SQL run
ten times in a row, with its process and its backend hot in the cores' caches, is printed
beside it ("raw hot"): a small statement takes markedly less time that way than in the turns
(docs/performance.md, "The rows' SQL timed as the page is", issue 18, twenty-fifth round).

The same turns also time each tab on a third database (``--serve-few``): as many cases as this
one, the tabs that hold few cases in service (*New*, *Consultations*, *Awaiting decision*,
*Supervision*, the officer's own) thinned to one case in ``FEW`` (``thin_out``). A condition
PostgreSQL can only test case by case stops early when the tab holds many cases and reads the
whole scope when it holds few, which the seed's proportions alone would never show (issue 18,
thirteenth round: docs/performance.md, "Tabs that hold few cases").

Also prints the number of queries per page and, timed in the same turns, an empty staff page
(``floor_urls``: the same sign-in, middleware and header as the queue, no content): what any
workspace page costs before its content, against the same raw SQL. Where that alone is more
than ten times a tab's rows, no page with a header meets the first goal on that tab.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from tests.benchmarks.common import (
    Figure,
    median_ms,
    median_ms_of,
    report,
    setup_django,
    small_database_process,
    templates_recorded,
    test_client_environment,
    vacuum_analyze,
)

RUNS = int(os.environ.get("BENCH_RUNS", "9"))
# Requests of each tab timed here and on the small database in turn (the page and its CPU).
PAIRS = int(os.environ.get("BENCH_PAIRS", "15"))
SMALL = 1000
# The third database keeps one case in FEW in the tabs thinned out (``thin_out``): a prime, as
# the seed hands out officers and statuses by the case's id modulo small numbers.
FEW = 199
TABS = ("new", "mine", "consultations", "decision", "active", "supervision", "all")
ANSWER = "FIGURES "  # a line of the small database's process that carries its figures


def prepare() -> None:
    """Statistics and the visibility map fresh after the COPY, as on a database in service
    (autovacuum would get there on its own; a benchmark should not wait for it)."""
    from tests.benchmarks.seed import casework_tables

    vacuum_analyze("applications_application", *casework_tables())


def signed_in() -> Any:
    """Django's test client, signed in as a case officer of the seeded ministry through the
    real second-factor page."""
    from django.contrib.auth.models import User
    from django.test import Client

    from accounts.twofactor import current_code
    from tests.reviews.helpers import totp_device

    test_client_environment()
    officer = User.objects.get(username="bulk-officer-0")
    client = Client()
    client.force_login(officer)
    for _attempt in range(3):  # a code is good once: after another sign-in, wait for the next
        code = {"token": current_code(totp_device(officer))}
        if client.post("/review/2fa/verify/", code).status_code == 302:
            return client
        time.sleep(10)
    raise SystemExit("the officer could not pass the second factor")


def tab_url(tab: str) -> str:
    return f"/review/?tab={tab}"


def measure_tab(client: Any, tab: str) -> tuple[dict[str, float], tuple[str, Any]]:
    """What the tab's first page is made of: its rows, its queries, the median milliseconds of
    the raw SQL of its rows (hot: ten in a row) and of every query it runs (the page itself is
    timed in turn with the small database's: ``time_page``); and its rows' statement, as the
    page sends it (``time_rows_sql``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result: dict[str, float] = {}
    url = tab_url(tab)
    # The page as it runs all day: psycopg prepares a statement on a connection once it has
    # run there DB_PREPARE_THRESHOLD times (5), the tab counts' statement included.
    for _warm in range(5):
        assert client.get(url).status_code == 200
    sent: list[tuple[str, Any]] = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with (
        CaptureQueriesContext(connection) as ctx,
        connection.execute_wrapper(keep),
        templates_recorded(),  # for response.context; the timed pages render as in production
    ):
        response = client.get(url)
        assert response.status_code == 200
    # The rows the page shows: a tab that holds less than a page at 1k renders fewer rows there.
    result[f"{tab}_rows"] = float(len(response.context["rows"]))
    result[f"{tab}_held"] = float(response.context["count"])  # the tab's count, 101 for "100+"
    queries = [q["sql"] for q in ctx.captured_queries]
    # The rows' statement as the page sends it (its text and its values apart): the
    # database's work for it is then the same in both, planning included.
    rows_statement = next(
        (sql, params)
        for sql, params in sent
        if sql.startswith('SELECT "applications_application"."id"')
    )

    def every_query() -> None:
        with connection.cursor() as cursor:
            for sql in queries:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()

    result[f"{tab}_raw_hot_ms"] = median_ms_of(lambda: time_rows_sql(rows_statement), RUNS)
    result[f"{tab}_sql_ms"] = median_ms_of(every_query, RUNS)
    result[f"{tab}_queries"] = float(len(queries))
    return result, rows_statement


def time_rows_sql(statement: tuple[str, Any]) -> float:
    """One run of a tab's row statement (text, values) on a cursor, fetched: seconds."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        cursor.fetchall()
    return time.perf_counter() - start


def time_page(client: Any, tab: str) -> tuple[float, float]:
    """One request of the tab's first page: its wall time and this process's CPU (Django's own
    work: neither PostgreSQL's nor waiting for it), in seconds."""
    return time_url(client, tab_url(tab))


def time_url(client: Any, url: str) -> tuple[float, float]:
    """One request of ``url`` (answered 200), as ``time_page``."""
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert response.status_code == 200
    return wall, cpu


class Child:
    """A ``--serve`` child process (``small_database_process``) and its answers."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdin is not None and process.stdout is not None  # both piped
        self.process, self.ask, self.hear = process, process.stdin, process.stdout

    def answer(self, question: str | None = None) -> dict[str, Any]:
        """The figures it answers ``question`` with (or its first: its case count)."""
        if question is not None:
            self.ask.write(question + "\n")
            self.ask.flush()
        for line in self.hear:
            if line.startswith(ANSWER):
                return dict(json.loads(line[len(ANSWER) :]))
            print(line, end="", flush=True)  # the child's own progress
        raise SystemExit(f"a benchmark's child process ended early ({self.process.wait()})")

    def sample(self, tab: str) -> tuple[float, ...]:
        return tuple(self.answer(f"time {tab}")["sample"])

    def close(self) -> None:
        self.ask.close()
        self.process.wait()


def measure_beside(
    small: Child, few: Child
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Each tab on this database, on the small one and on the one whose tabs hold few cases
    (``small``, ``few``: the ``--serve`` and ``--serve-few`` children): what its page is made
    of on each, then ``PAIRS`` turns in which this process and the children take strict turns
    (see the module's docstring), so the medians are taken over the same seconds and each
    figure timed here follows another process's work."""
    from applications.models import Application
    from tests.benchmarks.floor_urls import EMPTY_PAGE_URL

    small_figures = small.answer()  # its case count, once it is seeded and signed in
    few_figures = few.answer()
    client = signed_in()
    for _warm in range(5):
        time_url(client, EMPTY_PAGE_URL)
    big: dict[str, float] = {"cases": float(Application.objects.count())}
    for tab in TABS:
        measured, rows_statement = measure_tab(client, tab)
        big.update(measured)
        small_figures.update(small.answer(f"measure {tab}"))
        few_figures.update(few.answer(f"measure {tab}"))
        here: list[tuple[float, ...]] = []
        there: list[tuple[float, ...]] = []
        thinned: list[tuple[float, ...]] = []
        empty: list[tuple[float, ...]] = []
        rows_sql: list[float] = []
        small.sample(tab)  # so that the first page here, too, follows another process
        for _turn in range(PAIRS):
            here.append(time_page(client, tab))
            there.append(small.sample(tab))
            rows_sql.append(time_rows_sql(rows_statement))
            thinned.append(few.sample(tab))
            empty.append(time_url(client, EMPTY_PAGE_URL))
            small.sample(tab)  # not kept: the next turn's page follows another process
        for figures, samples in ((big, here), (small_figures, there), (few_figures, thinned)):
            figures[f"{tab}_ms"] = median_ms([wall for wall, _cpu in samples])
            figures[f"{tab}_cpu_ms"] = median_ms([cpu for _wall, cpu in samples])
        big[f"{tab}_empty_ms"] = median_ms([wall for wall, _cpu in empty])
        big[f"{tab}_raw_ms"] = median_ms(rows_sql)
    small.close()
    few.close()
    return big, small_figures, few_figures


def thin_out() -> None:
    """The ``--serve-few`` database as a programme in service has it: one case in ``FEW`` kept
    in the tabs that hold few cases there (the submissions not yet accepted, the cases
    awaiting decision, the seeded ministry's pending consultations, the supervision flags and
    the first officer's open cases), the others moved out; waivers in force and the rest stay
    as seeded. Benchmark data, written past the services."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.db.models import F

    from applications import tally
    from applications.models import Application, Consultation, ConsultationStatus
    from applications.workflow import OPEN_FOR_OFFICER
    from applications.workflow import ApplicationStatus as S
    from supervision.models import CaseAttention
    from tests.benchmarks.seed import SEED_TAG

    def moved(rows: Any, key: str = "pk") -> Any:
        """``rows`` but the one in ``FEW`` kept (by ``key``, as the status update below)."""
        return rows.alias(kept=F(key) % FEW).exclude(kept=0)

    with connection.cursor() as cursor:  # the model lets no status be written but by a service
        cursor.execute(
            f"UPDATE {Application._meta.db_table} SET status = %s"
            " WHERE status IN (%s, %s) AND id %% %s <> 0",
            [S.UNDER_REVIEW, S.SUBMITTED, S.DELIBERATION, FEW],
        )
    first, second = (User.objects.get(username=f"bulk-officer-{index}") for index in (0, 1))
    moved(Application.objects).filter(assigned_officer=first, status__in=OPEN_FOR_OFFICER).update(
        assigned_officer=second
    )
    moved(Consultation.objects, "application_id").filter(
        ministry__code=f"{SEED_TAG}M", status=ConsultationStatus.PENDING
    ).update(status=ConsultationStatus.ANSWERED)
    moved(CaseAttention.objects, "application_id").delete()
    tally.compact()  # the case tally's rows of these changes, folded as the next sweep does


def serve(*, few: bool = False) -> None:
    """The ``--serve`` child: seed the small database (``few``: as many cases as the seeded one,
    ``thin_out``), sign in, say its case count, then answer each line of standard input:
    ``measure <tab>`` with the tab's ``measure_tab`` figures, ``time <tab>`` with one request
    of it (``time_page``)."""
    setup_django()
    from applications.models import Application
    from tests.benchmarks import seed

    if few:
        seed.seed(apps=int(os.environ["BENCH_SEED_APPS"]), events=SMALL)
        thin_out()
    else:
        seed.seed(apps=SMALL, events=SMALL)
    prepare()
    client = signed_in()
    print(ANSWER + json.dumps({"cases": float(Application.objects.count())}), flush=True)
    for line in sys.stdin:
        what, tab = line.split()
        figures = (
            measure_tab(client, tab)[0] if what == "measure" else {"sample": time_page(client, tab)}
        )
        print(ANSWER + json.dumps(figures), flush=True)


def run() -> list[Figure]:
    os.environ.setdefault("BENCH_SEED_APPS", "10000")
    os.environ.setdefault("BENCH_SEED_EVENTS", "100000")
    setup_django()
    from tests.benchmarks import seed

    if not os.environ.get("BENCH_SEEDED"):
        print(f"seeding {seed.SEED_APPS:,} applications and {seed.SEED_EVENTS:,} events …")
        seed.seed()
    prepare()
    print(
        f"{SMALL:,} cases on a second database, each tab timed there and here in turn …", flush=True
    )
    from django.test import override_settings

    module = "tests.benchmarks.bench_queue"
    # Before the override: what the test client needs ("testserver" allowed) must outlive it,
    # for the benchmarks after this one in the same process.
    test_client_environment()
    with override_settings(ROOT_URLCONF="tests.benchmarks.floor_urls"):  # and the empty page
        big, small, few = measure_beside(
            Child(small_database_process(module, "bench_queue_small", SMALL)),
            Child(small_database_process(module, "bench_queue_few", seed.SEED_APPS, "--serve-few")),
        )
    n, m = int(big["cases"]), int(small["cases"])
    header = (
        *("tab", "queries", "rows", "1k rows", "page ms", "raw ms", "ratio", "1k ms", "ratio"),
        *("SQL ms", "1k SQL", "CPU ms", "empty ms", "ratio", "raw hot", "ratio"),
    )
    print(f"{header[0]:<16}" + "".join(f"{h:>9}" for h in header[1:]))
    figures: list[Figure] = []
    for tab in TABS:
        page, raw, base = big[f"{tab}_ms"], big[f"{tab}_raw_ms"], small[f"{tab}_ms"]
        sql, small_sql = big[f"{tab}_sql_ms"], small[f"{tab}_sql_ms"]
        queries, empty, hot = (
            big[f"{tab}_queries"],
            big[f"{tab}_empty_ms"],
            big[f"{tab}_raw_hot_ms"],
        )
        print(
            f"{tab:<16}{queries:>9.0f}{big[f'{tab}_rows']:>9.0f}{small[f'{tab}_rows']:>9.0f}"
            f"{page:>9.1f}{raw:>9.2f}{page / raw:>9.1f}{base:>9.1f}"
            f"{page / base:>9.2f}{sql:>9.1f}{small_sql:>9.1f}{big[f'{tab}_cpu_ms']:>9.1f}"
            f"{empty:>9.1f}{empty / raw:>9.1f}{hot:>9.2f}{page / hot:>9.1f}"
        )
        name = f"{tab} tab first page at {n:,} cases"
        figures += [
            Figure(
                "queue",
                name,
                page,
                "ms",
                "raw SQL of its rows, timed in the same turns",
                raw,
                goal="ratio <= 10",
            ),
            # The same statement run ten times in a row, hot in the caches: context.
            Figure("queue", name, page, "ms", "raw SQL of its rows, ten in a row (hot)", hot),
            Figure(
                "queue", name, page, "ms", f"same page at {m:,} cases", base, goal="ratio <= 1.2"
            ),
            # What grows with the data, without Django's constant work: every query of the page
            # run raw, at the seeded size against the same at 1k.
            Figure(
                "queue",
                f"{tab} tab SQL of the page at {n:,} cases",
                sql,
                "ms",
                f"same SQL at {m:,} cases",
                small_sql,
            ),
            Figure("queue", f"{tab} tab queries", queries, "queries"),
            # The floor under the first goal: an empty staff page, timed in the same turns.
            Figure(
                "queue",
                f"empty staff page (header only), timed beside the {tab} tab",
                empty,
                "ms",
                "raw SQL of the tab's rows",
                raw,
            ),
            Figure(
                "queue",
                f"{tab} tab rows on the page at {n:,} cases",
                big[f"{tab}_rows"],
                "rows",
                f"at {m:,} cases",
                small[f"{tab}_rows"],
            ),
            Figure(
                "queue",
                f"{tab} tab page's Python CPU at {n:,} cases",
                big[f"{tab}_cpu_ms"],
                "ms",
                f"same at {m:,} cases",
                small[f"{tab}_cpu_ms"],
            ),
        ]
    print(
        f"The same tabs at {int(few['cases']):,} cases, one in {FEW} kept in the tabs thinned out:"
    )
    columns = ("tab", "in tab", "page ms", "seeded", "ratio", "1k ms", "ratio")
    print(f"{columns[0]:<16}" + "".join(f"{h:>9}" for h in columns[1:]))
    for tab in TABS:
        thinned, page, base = few[f"{tab}_ms"], big[f"{tab}_ms"], small[f"{tab}_ms"]
        held = _held(few[f"{tab}_held"])
        print(
            f"{tab:<16}{held:>9}{thinned:>9.1f}{page:>9.1f}{thinned / page:>9.2f}"
            f"{base:>9.1f}{thinned / base:>9.2f}"
        )
        figures.append(
            Figure(
                "queue",
                f"{tab} tab first page at {int(few['cases']):,} cases, {held} in the tab",
                thinned,
                "ms",
                f"same page with {_held(big[f'{tab}_held'])} in the tab",
                page,
            )
        )
    return figures


def _held(count: float) -> str:
    """A tab's count as the page shows it ("100+" past the cap)."""
    from reviews.selectors import COUNT_CAP

    return f"{COUNT_CAP}+" if count > COUNT_CAP else f"{count:.0f}"


def main() -> None:
    if sys.argv[1:] in (["--serve"], ["--serve-few"]):
        serve(few=sys.argv[1] == "--serve-few")
        return
    report(run())


if __name__ == "__main__":
    main()
