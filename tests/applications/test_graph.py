"""The transition table is written down three times (model, workflow docstring, README diagram);
these tests keep them the same, and ``graph_transitions`` drawing all of it."""

from __future__ import annotations

import io
import re
from pathlib import Path

from django.core.management import call_command
from django_fsm import get_all_FIELD_transitions  # noqa: F401  (documents what we rely on)

from applications import workflow
from applications.models import Application

ROOT = Path(__file__).resolve().parents[2]


def model_edges() -> set[tuple[str, str, str]]:
    field = Application._meta.get_field("status")
    return {(t.source, t.name, t.target) for t in field.get_all_transitions(Application)}


def docstring_edges() -> set[tuple[str, str, str]]:
    edges = set()
    statuses = {s.value for s in workflow.ApplicationStatus}
    for line in (workflow.__doc__ or "").splitlines():
        columns = re.split(r"\s{2,}", line.strip())
        if len(columns) != 4 or columns[1] == "Transition":
            continue
        sources_text, name, target, _actor = columns
        if sources_text.startswith("draft …"):
            sources = [s.value for s in workflow.WITHDRAWABLE]
        else:
            sources = [s.strip() for s in sources_text.split(",")]
        for source in sources:
            assert source in statuses, line
            edges.add((source, name, source if target == "(unchanged)" else target))
    return edges


def readme_edges() -> set[tuple[str, str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    diagram = text.split("```mermaid", 1)[1].split("```", 1)[0]
    return {
        (m["source"], m["name"], m["target"])
        for m in re.finditer(r"(?P<source>\w+) --> (?P<target>\w+) ?: ?(?P<name>\w+)", diagram)
    }


def test_the_workflow_docstring_table_is_the_models_state_machine():
    assert docstring_edges() == model_edges()


def test_the_readme_diagram_is_the_models_state_machine():
    assert readme_edges() == model_edges()


def test_graph_transitions_draws_every_transition():
    out = io.StringIO()
    call_command("graph_transitions", "applications.Application", stdout=out)
    dot = out.getvalue()
    for source, name, target in model_edges():
        pattern = rf'"applications\.application\.status\.{source}" -> "applications\.application\.status\.{target}" \[label={name}\]'
        assert re.search(pattern, dot), (source, name, target)
