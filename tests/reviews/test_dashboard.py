"""The dashboard: per ministry and programme, open cases by status, the clock, stage times
against the statutory deadline, workload per officer; scoped like the queue."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.models import Application, AuditEvent
from applications.workflow import ApplicationStatus as S
from applications.workflow import ConfirmationOutcome
from reviews import dashboard
from tests.builders import draft, drive, recommend
from tests.reviews.helpers import signed_in

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_percentiles_are_nearest_rank():
    assert dashboard.percentile([], 0.5) is None
    assert dashboard.percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert dashboard.percentile([float(n) for n in range(1, 11)], 0.9) == 9.0


def test_the_dashboard_counts_open_cases_and_the_clock(world):
    drive(world, S.UNDER_REVIEW)
    drive(world, S.DELIBERATION)
    with time_machine.travel(timezone.now() - dt.timedelta(days=200), tick=True):
        drive(world, S.UNDER_REVIEW)  # its statutory deadline has passed
    drive(world, S.APPROVED)
    board = dashboard.dashboard_for(user=world.decider, program_id=None)
    counts = {bar.label: bar.value for bar in board.by_status}
    assert counts == {"Under review": 2, "In deliberation": 1, "Approved": 1}
    assert board.open_total == 4 and board.overdue == 1
    total = next(s for s in board.stages if s.stage.slug == "total")
    assert total.cases == 1 and total.statutory == str(world.exemption.review_days)
    decision = next(s for s in board.stages if s.stage.slug == "decision")
    assert decision.cases == 1 and decision.median is not None


def walked(world, steps: list[tuple[float, str]], *, confirmation: bool = False) -> Application:
    """A case whose actions happen the given number of days after a start 400 days ago."""
    start = timezone.now() - dt.timedelta(days=400)
    app = draft(world, track=world.confirmation if confirmation else world.exemption)
    for days, action in steps:
        with time_machine.travel(start + dt.timedelta(days=days)):
            app.refresh_from_db()
            if action == "submit":
                services.application_submit(application=app, by=world.applicant)
            elif action == "accept":
                services.application_accept(
                    application=app, by=world.officer, no_conflict_declared=True
                )
            elif action == "recommend":
                recommend(world, app)
            elif action == "remand":
                services.application_remand(application=app, by=world.decider, reason="재검토")
            elif action == "reject":
                services.application_reject(application=app, by=world.decider, reasons="근거 부족")
            elif action == "answer_confirmation":
                services.application_answer_confirmation(
                    application=app, by=world.officer, outcome=ConfirmationOutcome.NO_REGULATION
                )
            else:
                raise AssertionError(action)
    return app


def reference_stage_times(
    cases: list[Application],
) -> dict[str, tuple[int, float | None, float | None]]:
    """The stage times as the dashboard first computed them, in Python from every marker event
    of the cases read in the trail's order: the oracle for the figures now computed where the
    rows are."""
    moments: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    events = (
        AuditEvent.objects.filter(application__in=cases, action__in=dashboard.MARKERS)
        .order_by("seq")
        .values_list("application_id", "action", "occurred_at")
    )
    for app_id, action, at in events:
        moments[app_id].setdefault(action, at)
    figures = {}
    for stage in dashboard.STAGES:
        days = []
        for case in cases:
            seen = moments.get(case.pk, {})
            start = next((seen[a] for a in stage.start if a in seen), None)
            end = next((seen[a] for a in stage.end if a in seen), None)
            if start is not None and end is not None and end >= start:
                days.append(round((end - start).total_seconds() / 86400, 1))
        figures[stage.slug] = (
            len(days),
            dashboard.percentile(days, 0.5),
            dashboard.percentile(days, 0.9),
        )
    return figures


def test_stage_times_are_the_first_moments_of_each_case(world):
    cases = [
        walked(world, [(0, "submit"), (2.5, "accept"), (40, "recommend"), (55, "reject")]),
        # remanded: the review stage ends at the first recommendation, the decision stage
        # begins there too
        walked(
            world,
            [
                (0, "submit"),
                (7.25, "accept"),
                (30, "recommend"),
                (44, "remand"),
                (80.5, "recommend"),
                (91, "reject"),
            ],
        ),
        walked(world, [(0, "submit"), (11, "accept"), (60.75, "recommend")]),
        walked(world, [(0, "submit"), (1.05, "accept")]),
        walked(world, [(0, "submit")]),
        # the confirmation track: the whole wait ends at the answer
        walked(
            world, [(0, "submit"), (4, "accept"), (12.3, "answer_confirmation")], confirmation=True
        ),
    ]
    board = dashboard.dashboard_for(user=world.decider, program_id=None)
    got = {s.stage.slug: (s.cases, s.median, s.p90) for s in board.stages}
    assert got == reference_stage_times(cases)
    # and the figures the cases above give, worked by hand
    assert got["intake"] == (5, 4.0, 11.0)  # of 1.1, 2.5, 4, 7.2, 11
    assert got["review"] == (3, 37.5, 49.8)  # of 22.8, 37.5, 49.8 (the first recommendation)
    assert got["decision"] == (2, 15.0, 61.0)  # from the first recommendation
    assert got["total"] == (3, 55.0, 91.0)  # of 12.3, 55, 91
    # one programme chosen: its cases only (here, all of them)
    chosen = dashboard.dashboard_for(user=world.decider, program_id=world.program.pk)
    assert [(s.cases, s.median, s.p90) for s in chosen.stages] == list(got.values())


def test_the_dashboards_statements_do_not_grow_with_the_cases(world):
    """The cases in view are named in SQL, never listed: a ministry with more than 65,535
    submitted cases once got an error page (PostgreSQL's limit of parameters a statement)."""
    drive(world, S.UNDER_REVIEW)
    drive(world, S.REJECTED)

    def statements() -> list[tuple[int, int]]:
        with CaptureQueriesContext(connection) as run:
            dashboard.dashboard_for(user=world.decider, program_id=None)
        return [(q["sql"].count("%s") + q["sql"].count("?"), len(q["sql"])) for q in run]

    before = statements()
    for status in (S.UNDER_REVIEW, S.DELIBERATION, S.REJECTED, S.SUBMITTED):
        drive(world, status)
    assert statements() == before


@pytest.mark.postgres
def test_the_stage_times_read_the_milestones_index(world):
    """Every action the stage times ask for is one the partial index holds, so PostgreSQL can
    read the cases' milestones from it alone (a stage action missing from the index's condition
    would send it back to the whole trail). Which index a plan takes over a few rows depends on
    their statistics, so the test leaves the planner no other index in the cases' order (the
    drops are undone with the test's transaction) and no sequential scan it would not pay for."""
    walked(world, [(0, "submit"), (2, "accept"), (9, "recommend"), (12, "reject")])
    durations = dashboard._stage_durations(Application.objects.exclude(submitted_at=None))
    sql, params = durations.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'applications_auditevent' "
            "AND indexdef LIKE '%%(application_id%%' AND indexname <> 'auditevent_milestones'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "auditevent_milestones" in plan, plan


def test_another_ministry_sees_none_of_it(world):
    drive(world, S.UNDER_REVIEW)
    board = dashboard.dashboard_for(user=world.foreign_decider, program_id=None)
    assert board.open_total == 0 and board.programs == []
    # asking for the programme by id does not open it
    board = dashboard.dashboard_for(user=world.foreign_decider, program_id=world.program.pk)
    assert board.program is None and board.open_total == 0


def test_the_page_draws_accessible_charts_with_data_tables(world):
    drive(world, S.UNDER_REVIEW)
    drive(world, S.APPROVED)
    client = signed_in(world.decider)
    page = client.get(reverse("review-dashboard"), **EN).content.decode()
    assert 'role="img" aria-labelledby="by-status-title by-status-desc"' in page
    assert '<title id="by-status-title">Open cases by status</title>' in page
    assert '<th scope="row">Under review</th><td>1</td>' in page
    assert "Submission to decision" in page and "(median)" in page
    assert f'href="{reverse("review-dashboard")}"' in page  # in the header
    ko = client.get(reverse("review-dashboard"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "대시보드" in ko


def test_the_queue_view_downloads_as_csv_with_its_filters_and_scope(world):
    first = drive(world, S.UNDER_REVIEW)
    second = drive(world, S.UNDER_REVIEW)
    Application.objects.filter(pk=second.pk).update(title='=HYPERLINK("http://x")')
    drive(world, S.APPROVED)
    client = signed_in(world.officer)
    response = client.get(
        reverse("review-queue"), {"tab": "all", "status": S.UNDER_REVIEW, "format": "csv"}, **EN
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "Title", "Organisation"]
    assert sorted(r[0] for r in rows[1:]) == sorted([first.reference, second.reference])
    assert '\'=HYPERLINK("http://x")' in {r[1] for r in rows[1:]}  # never a formula
    assert {r[5] for r in rows[1:]} == {"Under review"}  # labels, not codes
    # another ministry's officer gets none of these cases
    other = signed_in(world.foreign_officer)
    response = other.get(reverse("review-queue"), {"tab": "all", "format": "csv"}, **EN)
    assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) == 1
