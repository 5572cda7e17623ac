"""The keyset page helper the review queue and the public register share (``core/keyset.py``):
cursors read back as what was written, links no page wrote are refused, and pages walked
forwards and back cover the rows in order, each once, with the right links."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from applications.models import Ministry
from core.keyset import (
    NEXT,
    PREVIOUS,
    BadCursor,
    decode_cursor,
    encode_cursor,
    keyset_page,
)
from tests.factories import MinistryFactory


def _raw(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_cursors_read_back_as_written() -> None:
    moment = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    day = dt.date(2026, 3, 1)
    assert decode_cursor(encode_cursor(moment, 7, NEXT), "moment") == (moment, 7, NEXT)
    assert decode_cursor(encode_cursor(day, 8, PREVIOUS), "date") == (day, 8, PREVIOUS)
    assert decode_cursor(encode_cursor("가나 & <b>", 9, NEXT)) == ("가나 & <b>", 9, NEXT)
    assert decode_cursor(encode_cursor(None, 10, NEXT), nullable=True) == (None, 10, NEXT)
    assert "=" not in encode_cursor("x", 1, NEXT)


@pytest.mark.parametrize(
    ("cursor", "kind", "nullable"),
    [
        ("not base64 at all!", "text", False),
        (_raw("a list it is not"), "text", False),
        (_raw(["x", "7", "n"]), "text", False),  # the id as text
        (_raw(["x", True, "n"]), "text", False),  # a boolean is no id
        (_raw(["x", 7, "sideways"]), "text", False),
        (_raw([None, 7, "n"]), "text", False),  # empty where the column never is
        (_raw([12, 7, "n"]), "text", True),
        (_raw(["2026-13-01", 7, "n"]), "date", False),
        (_raw(["2026-03-01T09:30:00", 7, "n"]), "moment", False),  # no time zone
        (_raw(["yesterday", 7, "n"]), "moment", True),
        (_raw(["x", 7]), "text", False),
    ],
)
def test_a_cursor_no_page_wrote_is_refused(cursor: str, kind, nullable: bool) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(cursor, kind, nullable=nullable)


@pytest.mark.django_db
def test_pages_walk_forwards_and_back_with_the_right_links() -> None:
    for i in range(7):
        MinistryFactory.create(code=f"K{i}")
    ordered = list(Ministry.objects.order_by("code", "pk"))

    def page(cursor: str = ""):
        queryset = Ministry.objects.all()
        backwards = False
        if cursor:
            code, pk, direction = decode_cursor(cursor)
            backwards = direction == PREVIOUS
            op = "lt" if backwards else "gt"
            queryset = queryset.filter(**{f"code__{op}": code}) | queryset.filter(
                code=code, **{f"pk__{op}": pk}
            )
        order = ("-code", "-pk") if backwards else ("code", "pk")
        return keyset_page(
            queryset.order_by(*order), column="code", size=3, cursor=cursor, backwards=backwards
        )

    first = page()
    assert first.rows == ordered[:3] and not first.previous_cursor and first.next_cursor
    second = page(first.next_cursor)
    assert second.rows == ordered[3:6] and second.previous_cursor and second.next_cursor
    last = page(second.next_cursor)
    assert last.rows == ordered[6:] and last.previous_cursor and not last.next_cursor
    back = page(last.previous_cursor)
    assert back.rows == ordered[3:6] and back.next_cursor and back.previous_cursor
    again = page(back.previous_cursor)
    assert again.rows == ordered[:3] and again.next_cursor and not again.previous_cursor
