"""Statistics from aggregate queries: counts by year, programme, track, ministry and outcome;
processing time (median, 90th percentile, distribution) against the statutory deadline; fast
confirmations answered or deemed; later acts. Charts are server-side SVG with a title and a
description, beside a data table and a CSV, in Korean and English."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import services
from applications.workflow import ConfirmationOutcome
from register import statistics
from register.csvfile import csv_cell
from register.models import StatisticsSnapshot
from register.services import statistics_current, statistics_refresh
from tests.builders import World, draft, sanction
from tests.register.helpers import activate, approve

pytestmark = pytest.mark.django_db

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SEOUL)


def _submitted(world: World, when: dt.datetime, **kwargs):
    with time_machine.travel(when, tick=False):
        app = draft(world, **kwargs)
        services.application_submit(application=app, by=world.applicant)
    return app


def _exemption_decided(world: World, submitted: dt.datetime, days: int, *, approve_it: bool):
    app = _submitted(world, submitted)
    with time_machine.travel(submitted + dt.timedelta(days=days), tick=False):
        services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
        if approve_it:
            approve(world, app)
        else:
            services.application_recommend(
                application=app, by=world.officer, outcome="reject", reasons="근거 부족"
            )
            services.application_reject(application=app, by=world.decider, reasons="근거 부족")
    return app


@pytest.fixture
def history(world: World):
    """Six requests over two years, with known outcomes and durations."""
    a = _exemption_decided(world, at("2025-03-01"), 20, approve_it=True)
    _exemption_decided(world, at("2025-03-01"), 120, approve_it=False)
    c = _exemption_decided(world, at("2026-01-10"), 40, approve_it=True)
    d = _submitted(world, at("2026-02-01"), track=world.confirmation)
    with time_machine.travel(at("2026-02-11"), tick=False):
        services.application_accept(application=d, by=world.officer, no_conflict_declared=True)
        services.application_answer_confirmation(
            application=d, by=world.officer, outcome=ConfirmationOutcome.NO_REGULATION
        )
    e = _submitted(world, at("2026-02-01"), track=world.confirmation)
    with time_machine.travel(at("2026-03-04"), tick=False):
        services.application_deem_confirmed(application=e, rule="deemed_confirmation")
    f = _submitted(world, at("2026-04-01"))
    with time_machine.travel(at("2026-04-02"), tick=False):
        services.application_withdraw(application=f, by=world.applicant)
    with time_machine.travel(at("2026-05-01"), tick=False):
        activate(world, c)
        sanction(world, c, "revoke", "조건 위반")  # after its prior notice and opinion
    return {"a": a, "c": c}


def _chart(slug: str, data=None) -> statistics.Chart:
    snapshot = data or statistics_refresh().data
    charts = {c.slug: c for c in statistics.charts(snapshot, statistics.Labels.load())}
    return charts[slug]


def _rows(chart: statistics.Chart) -> dict[str, list]:
    return {str(row[0]): row[1:] for row in chart.table.rows}


def test_decisions_are_counted_by_year_and_outcome(world, history):
    data = statistics_refresh().data
    by_year = _chart("decisions-by-year", data)
    assert by_year.table.columns[1:] == [
        "Approved",
        "Rejected",
        "Fast confirmation answered",
        "Fast confirmation deemed",
        "Total",
    ]
    assert _rows(by_year) == {"2025": [1, 1, 0, 0, 2], "2026": [1, 0, 1, 1, 3]}
    program = world.program.display_name
    assert _rows(_chart("decisions-by-programme", data)) == {program: [2, 1, 1, 1, 5]}
    assert _rows(_chart("decisions-by-ministry", data)) == {
        world.lead.display_name: [2, 1, 1, 1, 5]
    }
    tracks = _rows(_chart("decisions-by-track", data))
    assert tracks[f"{program} — {world.exemption.name_en}"] == [2, 1, 0, 0, 3]
    assert tracks[f"{program} — {world.confirmation.name_en}"] == [0, 0, 1, 1, 2]
    received = _chart("applications-by-year", data)
    assert received.table.columns == [
        "Year",
        "Decided or still open",
        "Withdrawn or lapsed",
        "Total",
    ]
    assert _rows(received) == {"2025": [2, 0, 2], "2026": [3, 1, 4]}
    assert _rows(_chart("fast-confirmation", data)) == {"2026": [1, 1, 2]}
    after = _chart("after-decision", data)
    assert _rows(after)["2026"][after.table.columns.index("Revocations") - 1] == 1
    assert _rows(_chart("waivers-now", data)) == {program: [1, 0, 0, 1, 0, 0, 2]}


def test_processing_time_median_p90_and_the_statutory_deadline(world, history):
    data = statistics_refresh().data
    exemption = _chart("processing-time-exemption", data)
    (row,) = exemption.table.rows
    assert row[1:] == [3, 40, 120, 90, "67%"]
    assert [m.days for m in exemption.markers] == [40, 120, 90]
    assert "median 40 days" in exemption.summary and "67%" in exemption.summary
    # 15-day buckets: 20 → 15–29, 40 → 30–44, 120 → 120–134.
    values = dict(zip(exemption.categories, exemption.series[0][1], strict=True))
    assert values["15–29 days"] == 1 and values["30–44 days"] == 1
    assert values["120–134 days"] == 1 and sum(values.values()) == 3
    confirmation = _chart("processing-time-confirmation", data)
    (row,) = confirmation.table.rows
    assert row[1:] == [2, 10, 31, 30, "50%"]


def test_the_figures_come_from_a_fixed_number_of_aggregate_queries(world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            statistics.compute()
        return len(captured.captured_queries)

    _exemption_decided(world, at("2025-03-01"), 20, approve_it=True)
    few = queries()
    for days in (10, 30, 50):
        _exemption_decided(world, at("2025-04-01"), days, approve_it=True)
    assert queries() == few == 5


def test_percentiles_use_the_nearest_rank():
    assert statistics.percentile({}, 0.5) is None
    assert statistics.percentile({7: 1}, 0.9) == 7
    assert statistics.percentile({1: 1, 2: 1, 3: 1, 4: 1}, 0.5) == 2
    assert statistics.percentile({1: 9, 100: 1}, 0.9) == 1
    assert statistics.percentile({1: 8, 100: 2}, 0.9) == 100


def test_the_page_draws_each_chart_as_an_accessible_svg_beside_its_table(world, client, history):
    statistics_refresh()
    page = client.get(reverse("statistics")).content.decode()
    assert (
        page.count('role="img"')
        == page.count("<svg")
        == len(statistics.charts(StatisticsSnapshot.objects.get().data, statistics.Labels.load()))
    )
    assert '<svg class="chart"' in page and "<script" not in page
    assert 'aria-labelledby="decisions-by-year-title decisions-by-year-desc"' in page
    assert '<title id="decisions-by-year-title">Decisions by year and outcome</title>' in page
    assert (
        '<caption id="decisions-by-year-caption">Data: Decisions by year and outcome</caption>'
        in page
    )
    assert reverse("statistics-csv", args=["decisions-by-year"]) in page


def test_the_statistics_read_in_korean(world, client, history):
    statistics_refresh()
    page = client.get(reverse("statistics"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert '<html lang="ko">' in page
    assert "연도별·결과별 처분" in page and "승인" in page and "중앙값" in page
    assert world.program.name in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("statistics-csv", args=["decisions-by-year"]), HTTP_ACCEPT_LANGUAGE="ko"
                )
                .getvalue()
                .decode("utf-8-sig")
            )
        )
    )
    assert rows[0][0] == "연도" and rows[1][0] == "2025"


def test_a_chart_downloads_as_the_csv_of_its_table(world, client, history):
    statistics_refresh()
    response = client.get(reverse("statistics-csv", args=["decisions-by-year"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows == [
        [
            "Year",
            "Approved",
            "Rejected",
            "Fast confirmation answered",
            "Fast confirmation deemed",
            "Total",
        ],
        ["2025", "1", "1", "0", "0", "2"],
        ["2026", "1", "0", "1", "1", "3"],
    ]
    assert client.get(reverse("statistics-csv", args=["nothing"])).status_code == 404


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "ok", 5)] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "ok",
        5,
    ]


def test_a_stale_snapshot_is_refreshed_by_the_page_and_a_fresh_one_is_kept(world, settings):
    first = statistics_refresh()
    assert statistics_current() == first
    settings.STATISTICS_MAX_AGE = 60
    with time_machine.travel(first.computed_at + dt.timedelta(seconds=61)):
        second = statistics_current()
    assert second.pk != first.pk and StatisticsSnapshot.objects.count() == 1


def test_with_nothing_decided_yet_the_page_still_reads_well(client, db):
    page = client.get(reverse("statistics")).content.decode()
    assert page.count("Nothing to count yet.") >= 9 and page.count('role="img"') == 10
