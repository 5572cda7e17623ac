"""CSV cells a spreadsheet would run as formulas are neutralised, and the rule can be undone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.spreadsheets import original_cell, safe_cell


def test_cells_that_start_a_formula_get_a_leading_apostrophe():
    for hostile in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\x00=1", "=cmd|' /C calc'!A0"):
        assert safe_cell(hostile) == "'" + hostile


def test_other_cells_are_written_as_they_are():
    for value in ("a=1", "", "회사", '{"a": 1}', 5, -3, None):
        assert safe_cell(value) == value


@given(st.text())
def test_the_rule_can_be_undone_exactly(text):
    cell = safe_cell(text)
    assert cell[:1] not in {"=", "+", "-", "@", "\t", "\r", "\x00"}
    assert original_cell(cell) == text
