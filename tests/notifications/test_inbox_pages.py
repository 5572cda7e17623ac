"""The inbox in keyset pages (``notifications.selectors.inbox_page``) and the header's unread
count up to "99+" (``unread_count``): the pages hold every notification once, newest first,
both ways, for everything and for the unread only; the count is exact up to the cap; neither
the inbox page nor any staff page's header costs more queries for a longer inbox."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.workflow import ApplicationStatus as S
from notifications.models import Notification, NotificationKind
from notifications.selectors import UNREAD_CAP, inbox_of, inbox_page, unread_count
from tests.builders import drive
from tests.reviews.helpers import signed_in

pytestmark = pytest.mark.django_db


def notify(world: Any, count: int, *, read_every: int = 0) -> None:
    """``count`` notifications to the officer about a case of theirs, several at each moment
    (ties the pages break by id); every ``read_every``-th one read."""
    app = drive(world, S.UNDER_REVIEW)
    start = timezone.now() - dt.timedelta(days=1)
    existing = Notification.objects.filter(recipient=world.officer).count()
    Notification.objects.bulk_create(
        Notification(
            recipient=world.officer,
            application=app,
            kind=NotificationKind.REPORT_FILED,
            key=f"test-{existing + n}",
            read_at=start if read_every and n % read_every == 0 else None,
        )
        for n in range(count)
    )
    made = Notification.objects.filter(recipient=world.officer, key__startswith="test-")
    for n, pk in enumerate(made.order_by("pk").values_list("pk", flat=True)):
        made.filter(pk=pk).update(created_at=start + dt.timedelta(minutes=n // 3))


def walk(user: Any, **more: Any) -> tuple[list[list[int]], list[list[int]]]:
    """Every page's notifications going older, then going back newer from the last page."""
    forwards, page, cursor = [], None, ""
    while True:
        page = inbox_page(user, cursor=cursor, size=10, **more)
        forwards.append([n.pk for n in page.rows])
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    backwards = [[n.pk for n in page.rows]]
    while page.previous_cursor:
        page = inbox_page(user, cursor=page.previous_cursor, size=10, **more)
        backwards.append([n.pk for n in page.rows])
    return forwards, backwards


@pytest.mark.parametrize("only_unread", [False, True])
def test_the_pages_hold_every_notification_once_newest_first(world, only_unread):
    notify(world, 47, read_every=4)
    inbox = inbox_of(world.officer)
    if only_unread:
        inbox = inbox.filter(read_at__isnull=True)
    newest_first = list(inbox.order_by("-created_at", "-pk").values_list("pk", flat=True))
    forwards, backwards = walk(world.officer, only_unread=only_unread)
    assert len(forwards) > 3
    assert [pk for page in forwards for pk in page] == newest_first
    # back through the ``previous`` links: the same pages, from the oldest to the newest
    assert backwards == forwards[::-1]


UNREAD = re.compile(r'class="unread-count">([^<]+)<')


@pytest.mark.parametrize(("count", "shown"), [(UNREAD_CAP, "99"), (UNREAD_CAP + 1, "99+")])
def test_the_header_counts_up_to_99_then_says_99_plus(world, count, shown):
    notify(world, count + 3, read_every=0)
    Notification.objects.filter(
        pk__in=Notification.objects.filter(recipient=world.officer).order_by("pk")[:3]
    ).update(read_at=timezone.now())
    exact = inbox_of(world.officer).filter(read_at__isnull=True).count()
    assert exact == count
    assert unread_count(world.officer) == min(count, UNREAD_CAP + 1)
    client = signed_in(world.officer)
    # The inbox asks when its header is drawn; the queue reads it with its own reads
    # (``header_read``).
    for url in ("/review/inbox/", "/review/"):
        page = client.get(url).content.decode()
        assert UNREAD.search(page).group(1) == shown, url  # type: ignore[union-attr]
    assert f"{shown} unread notifications" in client.get("/review/inbox/").content.decode()


def test_a_link_no_page_wrote_opens_the_first_page(world):
    notify(world, 30)
    client = signed_in(world.officer)
    response = client.get("/review/inbox/?cursor=not-a-cursor")
    assert response.status_code == 200
    assert "This page link is not valid" in response.content.decode()
    assert [row["notification"].pk for row in response.context["rows"]] == [
        n.pk for n in inbox_page(world.officer).rows
    ]


def test_the_inbox_and_the_header_cost_as_many_queries_for_a_long_inbox(world):
    client = signed_in(world.officer)

    def queries(url: str) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    notify(world, 30)
    short = queries("/review/inbox/"), queries("/review/")
    cursor = inbox_page(world.officer).next_cursor
    notify(world, 400)
    long = queries("/review/inbox/"), queries("/review/")
    assert long == short
    assert queries(f"/review/inbox/?cursor={cursor}") == short[0]
    with CaptureQueriesContext(connection) as captured:
        unread_count(world.officer)
    (count,) = [q["sql"] for q in captured.captured_queries]
    assert f"LIMIT {UNREAD_CAP + 1}" in count
