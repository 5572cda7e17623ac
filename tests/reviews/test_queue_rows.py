"""The queue's rows written in Python (``reviews/templatetags/queue.py::queue_rows``) are the
bytes the row loop of templates wrote (``reference_queue_rows.html``: the loop with its two
includes per row, as the page had it): every status shape, every kind of day count, text that
needs escaping, with and without the bulk-assignment boxes, in Korean and English."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation

from applications import services
from applications.workflow import ApplicationStatus as S
from reviews.views import _urgency
from tests.builders import World, draft, drive
from tests.reviews.helpers import signed_in

pytestmark = pytest.mark.django_db

REFERENCE = (Path(__file__).parent / "reference_queue_rows.html").read_text().rstrip("\n")
NEW = "{% load queue %}<tbody>{% queue_rows rows may_bulk_assign %}</tbody>"
TRICKY = 'Tom & "Jerry" <script>alert(1)</script>'


def _cases(world: World) -> list:
    tricky = draft(world, title=TRICKY)
    services.application_submit(application=tricky, by=world.applicant)
    cases = [tricky] + [drive(world, s) for s in (S.UNDER_REVIEW, S.DELIBERATION, S.ACTIVE)]
    return [
        type(case)
        .objects.select_related("program", "track", "organization", "assigned_officer")
        .get(pk=case.pk)
        for case in cases
    ]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_rows_are_the_bytes_the_template_loop_wrote(world: World, language: str) -> None:
    cases = _cases(world)
    assert any(c.assigned_officer for c in cases) and not all(c.assigned_officer for c in cases)
    rows = []
    for case, days in zip(
        itertools.cycle(cases), [None, -1, -2, -1234, 0, 1, 2, 7, 8, 30, 1234, None], strict=False
    ):
        urgency = _urgency(days)
        rows.append({"app": case, "days": days, "urgency": urgency, "late": -(days or 0)})
    old, new = engines["django"].from_string(REFERENCE), engines["django"].from_string(NEW)
    with translation.override(language):
        for bulk in (True, False):
            context = {"rows": rows, "may_bulk_assign": bulk}
            expected = old.render(context)
            assert new.render(context) == expected
            assert ("&lt;script&gt;" in expected) and ("<script>" not in expected)
            assert ('type="checkbox"' in expected) == bulk
        assert new.render({"rows": [], "may_bulk_assign": True}) == old.render({"rows": []})


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_queue_page_shows_the_rows_the_template_loop_wrote(world: World, language) -> None:
    _cases(world)
    client = signed_in(world.officer)
    client.cookies["django_language"] = language
    response = client.get("/review/?tab=all")
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>") + len("</tbody>")]
    with translation.override(language):
        expected = (
            engines["django"]
            .from_string(REFERENCE)
            .render({"rows": response.context["rows"], "may_bulk_assign": True})
        )
    assert body == expected
    assert len(response.context["rows"]) == 4
