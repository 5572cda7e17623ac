"""The queue's rows written in Python (``reviews/templatetags/queue.py::queue_rows``) are the
bytes the row loop of templates wrote (``reference_queue_rows.html``: the loop with its two
includes per row, as the page had it): every status shape, every kind of day count, text that
needs escaping, with and without the bulk-assignment boxes, in Korean and English."""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import urlencode

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
    other_track = draft(world, track=world.confirmation)  # its row names another track
    services.application_submit(application=other_track, by=world.applicant)
    cases = [tricky, other_track] + [
        drive(world, s) for s in (S.UNDER_REVIEW, S.DELIBERATION, S.ACTIVE)
    ]
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
            assert all(c.track.display_name in expected for c in cases[:2])
            assert ('type="checkbox"' in expected) == bulk
        assert new.render({"rows": [], "may_bulk_assign": True}) == old.render({"rows": []})


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_queue_page_shows_the_rows_the_template_loop_wrote(world: World, language) -> None:
    cases = _cases(world)
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
    assert len(response.context["rows"]) == len(cases)


# The workload panel's and the bulk assignment's loops as the page had them.
REFERENCE_WORKLOAD = (
    "{% load people queue %}{% for o in workload %}<tr><td>{{ o.officer|person }}</td>"
    "<td>{{ o.in_review|capped:workload_cap }}</td><td>{{ o.in_force|capped:workload_cap }}</td>"
    "<td>{{ o.overdue|capped:workload_cap }}</td></tr>{% endfor %}"
)
REFERENCE_OFFICERS = (
    '{% load people %}{% for o in officers %}<option value="{{ o.pk }}">{{ o|person }}</option>'
    "{% endfor %}"
)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_workload_and_the_officers_are_the_bytes_the_template_loops_wrote(
    world: World, language: str
) -> None:
    from django.contrib.auth.models import User

    from reviews.selectors import Workload

    nameless = User.objects.create_user("nameless-officer", email="")
    world.officer.first_name, world.officer.last_name = TRICKY, "김"
    officers = [world.officer, world.other_officer, nameless]
    workload = [
        Workload(officer=officers[0], in_review=0, in_force=5, overdue=101),
        Workload(officer=officers[1], in_review=100, in_force=1234, overdue=7),
        Workload(officer=officers[2], in_review=12_345, in_force=0, overdue=0),
    ]
    context = {"workload": workload, "workload_cap": 100, "officers": officers}
    render = engines["django"].from_string
    with translation.override(language):
        for reference, new in (
            (REFERENCE_WORKLOAD, "{% load queue %}{% workload_rows workload workload_cap %}"),
            (REFERENCE_OFFICERS, "{% load queue %}{% officer_options officers %}"),
        ):
            expected = render(reference).render(context)
            assert render(new).render(context) == expected
            assert "&lt;script&gt;" in expected and "<script>" not in expected
        assert render("{% load queue %}{% workload_rows w 100 %}").render({"w": []}) == ""
    assert "100+" in render(REFERENCE_WORKLOAD).render(context)


# The tab links' loop as the page had it.
REFERENCE_TABS = (
    "{% load queue %}{% for t in tabs %}\n"
    '    <li><a href="?tab={{ t.slug }}"{% if t.slug == tab %} aria-current="page"{% endif %}>'
    '{{ t.label }} <span class="count">({{ t.count|capped }})</span></a></li>\n'
    "    {% endfor %}"
)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_tab_links_are_the_bytes_the_template_loop_wrote(language: str) -> None:
    from reviews.selectors import TABS

    counts = [0, 7, 100, 101, 1234, 99, 12_345]
    tabs = [
        {"slug": t.slug, "label": t.label, "count": n} for t, n in zip(TABS, counts, strict=True)
    ]
    tabs.append({"slug": "x&y", "label": TRICKY, "count": 3})  # text that needs escaping
    render = engines["django"].from_string
    with translation.override(language):
        for current in ("mine", "all", "x&y", "none of them"):
            context = {"tabs": tabs, "tab": current}
            expected = render(REFERENCE_TABS).render(context)
            assert render("{% load queue %}{% queue_tabs tabs tab %}").render(context) == expected
            assert expected.count('aria-current="page"') == (current != "none of them")
            assert "&lt;script&gt;" in expected and "<script>" not in expected
            assert "100+" in expected and str(TABS[1].label) in expected


def _filter_fields(html: str) -> str:
    """The filter form's fields as the page shows them (after its hidden tab field)."""
    start = html.index(">", html.index('<input type="hidden" name="tab"')) + 1
    return html[start : html.index('<button type="submit">', start)].strip()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_filter_forms_kept_html_is_what_rendering_it_writes(world: World, language) -> None:
    """The page keeps the filter form's rendered fields (``{% cache %}`` under the language
    and ``QueueFilterForm.rendering_key``): served again, they are what rendering the page's
    own form writes, for every kind of request (none, values, values the form refuses), and a
    renamed programme or officer shows at once."""
    client = signed_in(world.officer)
    client.cookies["django_language"] = language
    fields = engines["django"].from_string('{% include "core/_fields.html" %}')
    asks = (
        "",
        "?"
        + urlencode(
            {
                "tab": "all",
                "q": TRICKY,
                "program": world.program.pk,
                "assignee": "none",
                "sort": "reference",
            }
        ),
        "?tab=all&program=x&assignee=99&overdue=on",
    )
    for _round in range(2):  # rendered, then served from the cache
        for ask in asks:
            response = client.get(f"/review/{ask}")
            with translation.override(language):
                expected = fields.render({"form": response.context["form"]})
            assert _filter_fields(response.content.decode()) == expected.strip()
    refused = _filter_fields(client.get(f"/review/{asks[2]}").content.decode())
    assert 'class="error-message"' in refused and "&lt;script&gt;" not in refused
    assert "&lt;script&gt;" in _filter_fields(client.get(f"/review/{asks[1]}").content.decode())
    world.program.name = world.program.name_en = "새 이름 New name"
    world.program.save()
    world.other_officer.first_name, world.other_officer.last_name = "Renamed", "Officer"
    world.other_officer.save()
    shown = _filter_fields(client.get("/review/").content.decode())
    assert "새 이름 New name" in shown and "Renamed Officer" in shown
