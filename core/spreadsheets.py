"""CSV cells that a spreadsheet program will never run as formulas (OWASP "CSV injection").

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a NUL (OWASP's
list and ASVS 5.0 V1.2.10) is what Excel,
LibreOffice and Google Sheets read as the start of a formula (``=HYPERLINK(...)``,
``=cmd|' /C calc'!A0``); such a cell gets a leading apostrophe, which those programs show as
text. A cell that already begins with an apostrophe gets one too, so the rule can be undone
exactly: a reader that needs the original value drops one leading apostrophe from any text cell
that starts with one. Numbers are written as they are. Every CSV the site produces writes its
rows through ``safe_row`` (``tests/production/test_csv_injection.py`` walks the site for them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r\x00")
ESCAPE = "'"
_NEEDS_ESCAPE = FORMULA_STARTS | {ESCAPE}


def safe_cell(value: Any) -> Any:
    """The value as a CSV cell that no spreadsheet evaluates (text only; others unchanged)."""
    if isinstance(value, str) and value and value[0] in _NEEDS_ESCAPE:
        return ESCAPE + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def original_cell(text: str) -> str:
    """The value a cell written by ``safe_cell`` stood for (drops the one added apostrophe)."""
    return text[1:] if text.startswith(ESCAPE) else text
