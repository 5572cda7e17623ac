"""Reads of the inbox: one's own notifications about cases one may still see."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet

from applications.visibility import scope_of
from core.keyset import KeysetPage, decode_cursor, keyset_page, walk_past
from core.prepared import Answer, MarkedStatement, Read, kept, read
from notifications import rules
from notifications.models import InboxSetting, Notification


def inbox_of(user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest first, about cases still visible to them."""
    return _inbox(user, recipient=user.pk)


def _inbox(user: Any, *, recipient: int) -> QuerySet[Notification]:
    """``inbox_of(user)`` with ``recipient`` as the recipient's id (``_MARK_RECIPIENT``: the
    unread count's kept SQL)."""
    return (
        Notification.objects.filter(recipient_id=recipient)
        .filter(scope_of(user).q("application__"))
        .select_related("application__program", "application__track")
    )


UNREAD_CAP = 99  # past it the header says "99+": counting further read every unread one


def unread_count(user: Any) -> int:
    """How many of ``inbox_of(user)`` are unread, counted up to ``UNREAD_CAP + 1`` (more than
    the cap reads as "99+"): the staff header asks on every page, so it reads at most a
    hundred notifications whoever asks (an officer with 45,715 unread once paid 98 ms on every
    page for the exact number).

    Its SQL depends only on the database and the user's scope, so it is compiled once per
    process for each (``_UNREAD_SQL``, the least recently used dropped past ``UNREAD_SQL_KEPT``)
    and each page only runs it; building the scope's filter and compiling it was a tenth of the
    queue page's Python. On PostgreSQL the scope's values are written into the text, which
    everyone of one scope shares, and the recipient is its one parameter, kept from the
    planner (``MarkedStatement``'s ``unseen``): with every value a plain parameter, PostgreSQL
    planned the count again on every page at 100k cases (0.4 ms, ten times running it).
    ``tests/notifications/test_unread_count.py`` holds it to
    ``inbox_of(user).filter(read_at__isnull=True).count()`` (up to the cap)."""
    return read(unread_count_read(user))


def unread_count_read(user: Any) -> Read[int]:
    """``unread_count(user)`` as a ``Read``, to be sent with a page's own reads
    (``core.prepared.read_together``)."""
    alias = router.db_for_read(Notification)
    connection = connections[alias]
    key = (alias, connection.vendor, scope_of(user))
    statement = kept(_UNREAD_SQL, key, lambda: _compile_unread(user, alias), limit=UNREAD_SQL_KEPT)
    if statement is None:  # a scope that holds nothing: no query, as the ORM's count()
        return Read(alias, None, lambda _answer: 0)
    return Read(
        alias, (statement.sql, statement.params_with({"recipient": user.pk})), _first_number
    )


def _first_number(answer: Answer) -> int:
    return int(answer.rows[0][0]) if answer.rows else 0


UNREAD_SQL_KEPT = 512
_UNREAD_SQL: OrderedDict[Hashable, MarkedStatement | None] = OrderedDict()
_MARK_RECIPIENT = -2_013_265_907  # the recipient's place in the unread count's SQL


def _compile_unread(user: Any, alias: str) -> MarkedStatement | None:
    """The unread count's query for the scope of ``user`` on ``alias``, the recipient its one
    marked parameter; None where the scope can hold nothing (a committee member without a
    ministry: Django's compiler says so with ``EmptyResultSet``, and its ``count()`` runs no
    query)."""
    unread = (
        _inbox(user, recipient=_MARK_RECIPIENT).filter(read_at__isnull=True).order_by().values("pk")
    )
    try:
        sql, params = unread.query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:
        return None
    return MarkedStatement.of(
        f"SELECT COUNT(*) FROM ({sql} LIMIT {UNREAD_CAP + 1}) unread",
        params,
        {_MARK_RECIPIENT: "recipient"},
        connections[alias],
        unseen={"recipient"},
    )


PAGE_SIZE = 25


def inbox_page(
    user: Any, *, only_unread: bool = False, cursor: str = "", size: int = PAGE_SIZE
) -> KeysetPage[Notification]:
    """One page of the inbox, newest first, after ``cursor`` (keyset, ``core.keyset``: the same
    cost on the first page and the thousandth, and no count; numbered pages counted every
    notification and skipped the ones before: 293 ms for the first page of 45,715, 472 ms for
    the 300th). Raises ``BadCursor`` for a link no page wrote."""
    inbox = inbox_of(user)
    if only_unread:
        inbox = inbox.filter(read_at__isnull=True)
    position = decode_cursor(cursor, "moment") if cursor else None
    walked, backwards = walk_past(inbox, column="created_at", descending=True, position=position)
    return keyset_page(walked, column="created_at", size=size, cursor=cursor, backwards=backwards)


def rows(notifications: list[Notification]) -> list[dict[str, Any]]:
    """What the inbox shows per notification, worded in the active language."""
    return [
        {
            "notification": n,
            "kind": n.get_kind_display(),
            "sentence": rules.sentence(n.kind, n.application, n.details),
        }
        for n in notifications
    ]


def daily_digest(user: Any) -> bool:
    return InboxSetting.objects.filter(user=user, daily_digest=True).exists()
