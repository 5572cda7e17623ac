"""What every form page of the applicant's draft costs in queries (the load test's most common
request): the session, the user (with any staff profile), the case, the user's roles and their
organisations — each asked once, never once per check (docs/performance.md)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.builders import draft

# Every page: session, user (read with any staff profile), case, the user's roles with their
# organisations (one query); the scope step also lists the draft's data items.
FORM_PAGE_QUERIES = {"service": 4, "scope": 5, "safety": 4, "declarations": 4}


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("step", ["service", "scope", "safety", "declarations"])
def test_a_form_step_page_runs_a_fixed_small_number_of_queries(client, world, step):
    app = draft(world)
    client.force_login(world.applicant)
    url = reverse("application-step", args=[app.pk, step])
    client.get(url)  # the session's first page also checks the personal-data consent
    queries = _queries(client, url)
    assert len(queries) <= FORM_PAGE_QUERIES[step], "\n".join(queries)
    memberships = [sql for sql in queries if "applications_membership" in sql]
    assert len(memberships) == 1, memberships
    assert not [sql for sql in queries if 'FROM "applications_staffprofile"' in sql]


def test_another_organisations_draft_is_still_a_404_with_the_membership_asked_once(client, world):
    app = draft(world)
    client.force_login(world.other_applicant)
    url = reverse("application-step", args=[app.pk, "service"])
    client.get("/apply/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 404
    memberships = [q["sql"] for q in captured.captured_queries if "membership" in q["sql"]]
    assert len(memberships) == 1, memberships


# Templates a form page renders: the page, its base templates and partials; never one per
# field or per widget (core/rendering.py writes those in Python: docs/performance.md).
FORM_PAGE_TEMPLATES = {"service": 8, "scope": 10, "safety": 8, "declarations": 8}


@pytest.mark.parametrize("step", ["service", "scope", "safety", "declarations"])
def test_a_form_step_page_renders_no_template_per_field_or_widget(client, world, step):
    app = draft(world)
    client.force_login(world.applicant)
    response = client.get(reverse("application-step", args=[app.pk, step]))
    names = [template.name for template in response.templates]
    fields = [name for name in names if name == "core/_field.html"]
    widgets = [name for name in names if name.startswith("django/forms/")]
    assert not fields and not widgets, names
    assert len(names) <= FORM_PAGE_TEMPLATES[step], names


def test_saving_a_step_asks_nothing_twice_and_nothing_it_does_not_need(client, world):
    """A step's save: the case's own links are not looked up again (they are not the form's to
    change) and a draft's event reads no reference (it hashes none)."""
    app = draft(world)
    client.force_login(world.applicant)
    url = reverse("application-step", args=[app.pk, "service"])
    client.get(url)
    app.refresh_from_db()
    data = {"title": "새 제목", "summary": "요약", "version": app.version, "continue": ""}
    with CaptureQueriesContext(connection) as captured:
        assert client.post(url, data).status_code == 302
    queries = [query["sql"] for query in captured.captured_queries]
    app.refresh_from_db()
    assert app.title == "새 제목"
    for table in ("applications_program", "applications_track", "applications_organization"):
        assert not [sql for sql in queries if sql.startswith(f'SELECT 1 AS "a" FROM "{table}"')]
    assert not [
        sql for sql in queries if sql.startswith('SELECT "applications_application"."reference"')
    ]


def test_a_staff_member_is_read_with_their_profile_and_ministry(client, world):
    from django.contrib.auth import SESSION_KEY, load_backend

    from applications.roles import ministry_of

    client.force_login(world.officer)
    backend = load_backend("accounts.backends.SandboxModelBackend")
    user = backend.get_user(client.session[SESSION_KEY])
    with CaptureQueriesContext(connection) as captured:
        assert ministry_of(user) == world.lead
    assert captured.captured_queries == []
    world.officer.is_active = False
    world.officer.save()
    assert backend.get_user(world.officer.pk) is None  # as Django's backend: inactive, signed out
