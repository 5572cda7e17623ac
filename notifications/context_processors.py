"""The unread count in every staff page's header (up to "99+": ``unread_count``)."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest

from accounts.twofactor import works_in_review
from core.counts import capped_text
from core.prepared import Read
from notifications.selectors import UNREAD_CAP, unread_count, unread_count_read

# Where ``header_read`` leaves the count on the request for ``inbox``.
_COUNTED = "_inbox_unread_counted"


def _shows_inbox(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return works_in_review(user) and callable(is_verified) and bool(is_verified())


def header_read(request: HttpRequest) -> Read[None]:
    """The header's unread count as a ``Read`` a page sends with its own reads
    (``core.prepared.read_together``: one round trip for all of them); the header then shows
    that count instead of asking again. Only for a page that changes nothing before it is
    drawn: the count is the one read with the page's rows."""
    user = getattr(request, "user", None)
    if not _shows_inbox(user):
        return Read(DEFAULT_DB_ALIAS, None, lambda _answer: None)

    def counted(count: int) -> None:
        setattr(request, _COUNTED, count)

    return unread_count_read(user).then(counted)


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not _shows_inbox(user):
        return {}
    count = getattr(request, _COUNTED, None)
    if count is None:
        count = unread_count(user)
    return {"inbox_unread": count, "inbox_unread_text": capped_text(count, UNREAD_CAP)}
