"""Keyset pages: what the review queue (``reviews.selectors.queue_page``), the public register
(``register.selectors.register_page``) and the staff inbox (``notifications.selectors.inbox_page``)
share.

A keyset page is "the rows after (value, id) in the view's order", fetched as ``LIMIT size + 1``
(the extra row only says whether there is a next page): the same cost on the first page and the
thousandth, and no count. Each caller whose sort column is never empty has the condition "after
this row" and the walking order written by ``walk_past``; the queue, whose column may be empty,
writes its own. The walked rows go to ``keyset_page``, which turns a backwards walk round and
writes the two page links' cursors. A cursor is the row's sort value, its id and the direction,
as unpadded base64 JSON; ``decode_cursor`` refuses anything a page did not write with
``BadCursor``, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from django.db.models import Q, QuerySet

NEXT, PREVIOUS = "n", "p"
ValueKind = Literal["text", "date", "moment"]
T = TypeVar("T")


class BadCursor(ValueError):
    """A page link that is not one a page wrote (edited by hand, or from an older order)."""


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    rows: list[T]
    next_cursor: str = ""
    previous_cursor: str = ""


def encode_cursor(value: Any, pk: int, direction: str) -> str:
    """The cursor of the row (value, pk): ``direction`` is ``NEXT`` (the rows after it) or
    ``PREVIOUS`` (the rows before it). Dates and moments travel as ISO 8601 text."""
    text = value.isoformat() if isinstance(value, dt.date) else value
    raw = json.dumps([text, pk, direction])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(
    cursor: str, kind: ValueKind = "text", *, nullable: bool = False
) -> tuple[Any, int, str]:
    """(value, pk, direction) of a cursor ``encode_cursor`` wrote: the value as text, a date or
    an aware datetime (``kind``), or None when the column may be empty (``nullable``).
    Raises ``BadCursor`` for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk, direction = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if type(pk) is not int or direction not in (NEXT, PREVIOUS):
            raise BadCursor(cursor)
        if value is None and nullable:
            return None, pk, direction
        if not isinstance(value, str):
            raise BadCursor(cursor)
        if kind == "date":
            return dt.date.fromisoformat(value), pk, direction
        if kind == "moment":
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise BadCursor(cursor)
            return moment, pk, direction
        return value, pk, direction
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor(cursor) from error


def walk_past(
    rows: QuerySet[Any, T],
    *,
    column: str,
    descending: bool,
    position: tuple[Any, int, str] | None,
) -> tuple[QuerySet[Any, T], bool]:
    """``rows`` in the view's order (``column``, then the id the same way), or for a previous
    page its reverse, beyond the row ``position`` (a decoded cursor: value, id, direction;
    None for the first page), and whether the walk goes backwards: what ``keyset_page`` takes.
    For a column no row leaves empty (the queue's may be: it writes its own)."""
    backwards = False
    if position is not None:
        value, pk, direction = position
        backwards = direction == PREVIOUS
        op = "lt" if descending != backwards else "gt"  # walking towards smaller values
        rows = rows.filter(Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"pk__{op}": pk}))
    prefix = "-" if descending != backwards else ""
    return rows.order_by(f"{prefix}{column}", f"{prefix}pk"), backwards


def keyset_page(
    walked: QuerySet[Any, T], *, column: str, size: int, cursor: str, backwards: bool
) -> KeysetPage[T]:
    """One page from ``walked`` (already filtered to the rows beyond ``cursor`` and ordered in
    the walking direction: the view's order, or its reverse when ``backwards``): ``size + 1``
    rows fetched, a backwards page turned round, and the links' cursors from its first and last
    rows' ``column``. No next link on the last page, no previous link on the first."""
    return page_of(
        list(walked[: size + 1]), column=column, size=size, cursor=cursor, backwards=backwards
    )


def page_of(
    walked: list[T], *, column: str, size: int, cursor: str, backwards: bool
) -> KeysetPage[T]:
    """``keyset_page`` of rows already fetched: at most ``size + 1`` of them in the walking
    direction (the caller ran the query itself, e.g. from kept SQL)."""
    rows = walked
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    next_cursor = previous_cursor = ""
    if rows:
        first, last = rows[0], rows[-1]
        if more or backwards:
            next_cursor = encode_cursor(getattr(last, column), last.pk, NEXT)  # type: ignore[attr-defined]
        if cursor and (more or not backwards):
            previous_cursor = encode_cursor(getattr(first, column), first.pk, PREVIOUS)  # type: ignore[attr-defined]
    return KeysetPage(rows=rows, next_cursor=next_cursor, previous_cursor=previous_cursor)
