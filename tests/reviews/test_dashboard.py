"""The dashboard: per ministry and programme, open cases by status, the clock, stage times
against the statutory deadline, workload per officer; scoped like the queue."""

from __future__ import annotations

import csv
import datetime as dt
import io

import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from applications.workflow import ApplicationStatus as S
from reviews import dashboard
from tests.builders import drive
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
