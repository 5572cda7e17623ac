"""Numbers sent by clients: only plain ASCII digits that a database integer holds."""

from __future__ import annotations

from core.forms import plain_int


def test_plain_numbers_are_read():
    assert plain_int("42") == 42
    assert plain_int(" 7 ") == 7


def test_anything_else_is_no_number():
    for text in ("", None, "²", "٣", "-1", "1e3", "9" * 19, "4 2", "\x00"):
        assert plain_int(text) is None, text
