"""A case's history in pages (``applications.selectors.history_page``), on the staff case page
and the applicant's: the pages together hold every event once, newest first, as the whole
history did (the applicant's without the internal working events); their links and numbers
lead through them both ways; a page costs the same queries whatever the case's length."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from applications.audit import audit_record
from applications.selectors import HISTORY_PAGE, application_history, history_page
from applications.vocabulary import AuditAction
from applications.workflow import ApplicationStatus as S
from portal import presentation
from supervision.vocabulary import SupervisionAction
from tests.builders import drive
from tests.reviews.helpers import signed_in

pytestmark = pytest.mark.django_db

INTERNAL = AuditAction.CLAIMED  # the applicant's timeline leaves it out
SHOWN = SupervisionAction.CONDITION_MET


def with_events(world: Any, count: int) -> Any:
    """A submitted case and ``count`` events more, every third one internal."""
    app = drive(world, S.SUBMITTED)
    with transaction.atomic():
        for n in range(count):
            audit_record(
                application=app,
                actor=world.officer,
                actor_role="case_officer",
                action=INTERNAL if n % 3 == 0 else SHOWN,
                payload={"n": n},
            )
    return app


def walk_back(app: Any, **more: Any) -> list[list[int]]:
    """Every page's events' seq numbers, from the newest page back."""
    pages, before = [], None
    while True:
        page = history_page(application=app, before=before, **more)
        pages.append([event.seq for event in page.events])
        if page.older is None:
            return pages
        before = page.older


def test_the_pages_hold_every_event_once_in_order(world):
    app = with_events(world, 2 * HISTORY_PAGE + 7)
    every = [event.seq for event in application_history(application=app)]
    pages = walk_back(app)
    assert [len(page) for page in pages[:-1]] == [HISTORY_PAGE] * (len(pages) - 1)
    assert [seq for page in reversed(pages) for seq in page] == every
    # and forwards again, from the oldest page through the ``newer`` links
    page = history_page(application=app, before=pages[-2][0])
    assert [event.seq for event in page.events] == pages[-1]
    forwards = [[event.seq for event in page.events]]
    while page.newer is not None:
        page = history_page(application=app, after=page.newer)
        forwards.append([event.seq for event in page.events])
    assert [seq for chunk in forwards for seq in chunk] == every


def test_the_applicants_pages_leave_out_what_the_whole_timeline_left_out(world):
    app = with_events(world, 2 * HISTORY_PAGE + 7)
    hidden = presentation.internal_actions()
    shown = [
        entry.text for entry in presentation.timeline(list(application_history(application=app)))
    ]  # the oracle: the whole timeline, newest first, as the page once drew it
    pages, before = [], None
    while True:
        page = history_page(application=app, before=before, hidden=hidden)
        pages += [entry.text for entry in presentation.timeline(page.events)]
        if page.older is None:
            break
        before = page.older
    assert pages == shown
    assert len(shown) < len(list(application_history(application=app)))


TIMELINE = re.compile(r'<ol class="timeline" reversed start="(\d+)">(.*?)</ol>', re.S)
OLDER = re.compile(r'href="\?before=(\d+)#history"')
NEWER = re.compile(r'href="\?after=(\d+)#history"')


def read(client: Client, url: str) -> tuple[int, int, str | None, str | None]:
    """The page's timeline: its first number, its entries, and its links' values."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    start, items = TIMELINE.search(html).groups()  # type: ignore[union-attr]
    older, newer = OLDER.search(html), NEWER.search(html)
    return (
        int(start),
        items.count("<li><time"),
        older.group(1) if older else None,
        newer.group(1) if newer else None,
    )


@pytest.mark.parametrize("side", ["staff", "applicant"])
def test_the_case_pages_lead_through_the_history_both_ways(world, side):
    app = with_events(world, 2 * HISTORY_PAGE + 7)
    if side == "staff":
        client, url = signed_in(world.officer), f"/review/{app.pk}/"
        total = len(list(application_history(application=app)))
    else:
        client, url = Client(), f"/apply/{app.pk}/"
        client.force_login(world.applicant)
        total = len(presentation.timeline(list(application_history(application=app))))
    start, items, older, newer = read(client, url)
    assert (start, newer) == (total, None) and older is not None
    numbers, seen = [start], items
    while older is not None:
        start, items, older, newer = read(client, f"{url}?before={older}")
        assert start == numbers[-1] - HISTORY_PAGE  # numbered as one list
        numbers.append(start)
        seen += items
    assert seen == total
    back = [start]
    while newer is not None:
        start, items, _older, newer = read(client, f"{url}?after={newer}")
        back.append(start)
    assert back == numbers[::-1]


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "٣", "9" * 40, ""])
def test_a_link_no_page_wrote_opens_the_newest_page(world, value):
    app = with_events(world, HISTORY_PAGE + 1)
    client = signed_in(world.officer)
    total = len(list(application_history(application=app)))
    for name in ("before", "after"):
        start, items, older, newer = read(client, f"/review/{app.pk}/?{name}={value}")
        assert (start, items, newer) == (total, HISTORY_PAGE, None) and older is not None


def test_a_case_page_runs_as_many_queries_for_a_long_history(world):
    client = signed_in(world.officer)

    def queries(count: int) -> tuple[int, int]:
        app = with_events(world, count)
        client.get(f"/review/{app.pk}/")  # anything read once per process, read
        with CaptureQueriesContext(connection) as captured:
            _start, items, _older, _newer = read(client, f"/review/{app.pk}/")
        return len(captured.captured_queries), items

    short, long = queries(HISTORY_PAGE + 5), queries(5 * HISTORY_PAGE)
    assert short == long == (short[0], HISTORY_PAGE)
