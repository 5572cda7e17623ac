"""The queue at scale (issue 18): keyset pages and capped counts show what a straightforward
COUNT and ordering of the same scope show, after a sequence of service calls, on both
databases (each test runs in both passes of ``make test``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from applications import services
from applications.models import Application, Consultation
from applications.roles import ministry_of
from applications.workflow import ApplicationStatus as S
from reviews import selectors
from reviews.selectors import QueueFilters
from tests.builders import World, draft, drive
from tests.reviews.helpers import signed_in

pytestmark = pytest.mark.django_db

SORTS = ("deadline", "-deadline", "submitted", "-submitted", "reference")


def _key(app: Application, column: str, descending: bool) -> tuple[Any, ...]:
    """Python's reading of the order: by the column (empty values last), ties by the id."""
    value = getattr(app, column)
    if value is None:
        return (1, 0, -app.pk if descending else app.pk)
    if isinstance(value, dt.datetime):
        value = value.timestamp()
    elif isinstance(value, dt.date):
        value = value.toordinal()
    if descending:
        value = -value if not isinstance(value, str) else value
    return (0, value, -app.pk if descending else app.pk)


def _expected(user: Any, tab: str, sort: str) -> list[int]:
    column, descending = selectors.sort_key(tab, sort)
    scope = Application.objects.filter(selectors.scope_q(user) & selectors.tab_q(user, tab))
    cases = list(scope)
    if column == selectors.OPINION_DUE:  # the ministry's pending opinion's due date
        ministry = ministry_of(user)
        for app in cases:
            asked = Consultation.objects.get(application=app, ministry=ministry, status="pending")
            setattr(app, column, asked.due_at)
    if column == "reference" and descending:  # not a sort the queue offers
        raise AssertionError
    cases.sort(key=lambda app: _key(app, column, descending))
    return [app.pk for app in cases]


def _walk(user: Any, tab: str, sort: str, size: int) -> tuple[list[list[int]], list[list[int]]]:
    """Every page forwards (next links), then every page back from the last (previous links)."""
    queue = selectors.review_queue_for(user=user, tab=tab, filters=QueueFilters(sort=sort))
    forwards: list[list[int]] = []
    page = selectors.queue_page(queue, tab=tab, sort=sort, size=size)
    forwards.append([a.pk for a in page.rows])
    while page.next_cursor:
        page = selectors.queue_page(queue, tab=tab, sort=sort, cursor=page.next_cursor, size=size)
        forwards.append([a.pk for a in page.rows])
    backwards = [[a.pk for a in page.rows]]
    while page.previous_cursor:
        page = selectors.queue_page(
            queue, tab=tab, sort=sort, cursor=page.previous_cursor, size=size
        )
        backwards.append([a.pk for a in page.rows])
    return forwards, backwards


def _check_consulted(world: World) -> None:
    """The consulted ministry's *Consultations* tab, in every order."""
    consultee = world.consultee
    assert len(_expected(consultee, "consultations", "deadline")) >= 5
    for sort in SORTS:
        forwards, backwards = _walk(consultee, "consultations", sort, size=2)
        expected = _expected(consultee, "consultations", sort)
        assert [pk for page in forwards for pk in page] == expected, sort
        assert list(reversed(backwards)) == forwards, sort


def _check(world: World) -> None:
    _check_consulted(world)
    officer = world.officer
    counts = selectors.tab_counts(user=officer)
    capped = selectors.tab_counts(user=officer, cap=2)
    for tab in selectors.TAB_SLUGS:
        scope = Application.objects.filter(
            selectors.scope_q(officer) & selectors.tab_q(officer, tab)
        )
        assert counts[tab] == scope.count(), tab
        assert capped[tab] == min(scope.count(), 3), tab
        for sort in SORTS:
            expected = _expected(officer, tab, sort)
            forwards, backwards = _walk(officer, tab, sort, size=2)
            assert [pk for page in forwards for pk in page] == expected, (tab, sort)
            assert all(len(page) == 2 for page in forwards[:-1])
            assert list(reversed(backwards)) == forwards, (tab, sort)
    officers = list(selectors.officers_of_ministry(user=officer))
    exact = selectors.officer_workload(officers=officers)
    within = selectors.officer_workload(officers=officers, cap=1000)
    tight = selectors.officer_workload(officers=officers, cap=1)
    assert [(w.officer, w.in_review, w.in_force, w.overdue) for w in within] == [
        (w.officer, w.in_review, w.in_force, w.overdue) for w in exact
    ]
    by_officer = {w.officer.pk: w for w in exact}
    for w in tight:
        full = by_officer[w.officer.pk]
        assert (w.in_review, w.in_force, w.overdue) == (
            min(full.in_review, 2),
            min(full.in_force, 2),
            min(full.overdue, 2),
        )


def _story(world: World) -> None:
    """Cases in most statuses, with equal deadlines (same submission moment) and empty ones."""
    now = dt.datetime.now(dt.UTC)
    with time_machine.travel(now - dt.timedelta(days=200), tick=False):
        late = [drive(world, S.UNDER_REVIEW, track="confirmation") for _ in range(2)]
    with time_machine.travel(now - dt.timedelta(days=3), tick=False):
        same = [drive(world, S.SUBMITTED) for _ in range(3)]  # the same due date: ties by id
    for status in (S.UNDER_REVIEW, S.DELIBERATION, S.ACTIVE, S.ACTIVE, S.APPROVED, S.REJECTED):
        drive(world, status)
    draft(world, title="초안")  # never in the workspace
    services.consultation_request(
        application=late[0], by=world.officer, ministries=[world.other_ministry], question="?"
    )
    # Opinions asked on other days than the cases came in, three at one moment (the same due
    # date: ties by id), so the consulted ministry's order is not the statutory clock's.
    asked = [drive(world, S.UNDER_REVIEW) for _ in range(4)]
    for days, cases in ((2, asked[3:]), (5, asked[:3])):
        with time_machine.travel(now - dt.timedelta(days=days), tick=False):
            for app in cases:
                services.consultation_request(
                    application=app,
                    by=world.officer,
                    ministries=[world.other_ministry],
                    question="?",
                )
    services.application_release(application=late[1], by=world.officer, reason="교대")
    services.application_claim(application=same[0], by=world.officer, no_conflict_declared=True)


def _some_without_deadlines() -> None:
    """No service leaves a case in the workspace without a deadline, but the columns allow it
    (a case carried over from the paper register): the order puts those last, and their
    cursors carry an empty value."""
    open_cases = Application.objects.exclude(status=S.DRAFT).order_by("pk")
    Application.objects.filter(pk__in=[a.pk for a in open_cases[:3]]).update(due_at=None)
    active = Application.objects.filter(status=S.ACTIVE).order_by("pk")[:1]
    Application.objects.filter(pk__in=[a.pk for a in active]).update(term_end=None)


def _scenario(world: World) -> None:
    _story(world)
    _some_without_deadlines()
    _check(world)
    _story(world)  # more of everything, and the counts follow
    _check(world)


def test_keyset_pages_and_capped_counts_match_a_plain_count_and_ordering(world: World) -> None:
    _scenario(world)


def test_a_page_link_that_is_not_one_starts_again_from_the_first_page(world: World) -> None:
    for _ in range(3):
        drive(world, S.SUBMITTED)
    client = signed_in(world.officer)
    first = client.get("/review/?tab=new")
    for bad in ("nonsense", "W10", "WyJ4IiwgMSwgIm4iXQ"):  # the last: ["x", 1, "n"], no date
        response = client.get(f"/review/?tab=new&cursor={bad}")
        assert response.status_code == 200
        assert [r["app"].pk for r in response.context["rows"]] == [
            r["app"].pk for r in first.context["rows"]
        ]
        assert "This page link is not valid" in response.content.decode()


def test_counts_past_the_cap_read_as_more_than(world: World, monkeypatch: Any) -> None:
    for _ in range(3):
        drive(world, S.SUBMITTED)
    for _ in range(2):
        drive(world, S.UNDER_REVIEW)  # the officer's: two in review
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    monkeypatch.setattr(selectors, "WORKLOAD_CAP", 1)
    monkeypatch.setattr("reviews.templatetags.queue.COUNT_CAP", 2)
    response = signed_in(world.officer).get("/review/?tab=new")
    html = response.content.decode()
    assert "(2+)" in html  # the New tab: three cases
    assert "2+ cases" in html
    panel = html[html.index('id="workload-title"') :]
    assert "<td>1+</td>" in panel
    # The dashboard keeps the exact figure.
    exact = selectors.officer_workload(officers=[world.officer])
    assert exact[0].in_review == 2
