"""Saving a step of a draft writes only the columns that changed, with the version and
``updated_at`` (docs/performance.md, "CPU per request, fifth round"), and the row ends exactly
as a full save left it: the given changes, the version one up, the moment of the save, every
other column as it was — including what someone else saved after the page was read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications import services
from applications.models import Application
from tests.builders import World, draft

pytestmark = pytest.mark.django_db

SAVED_AT = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)


def _row(app: Application) -> dict[str, Any]:
    return Application.objects.values().get(pk=app.pk)


def test_a_step_save_changes_the_given_columns_and_leaves_the_rest_as_they_were(world: World):
    app = draft(world)
    before = _row(app)
    changes = {"summary": "새 요약", "requested_term_days": 200, "region": before["region"]}
    with time_machine.travel(SAVED_AT, tick=False):
        services.application_update_draft(
            application=app, by=world.applicant, expected_version=app.version, **changes
        )
    after = _row(app)
    expected = {
        **before,
        "summary": "새 요약",
        "requested_term_days": 200,
        "version": before["version"] + 1,
        "updated_at": SAVED_AT,
    }
    assert after == expected


def test_the_update_names_only_the_changed_columns(world: World):
    app = draft(world)
    with CaptureQueriesContext(connection) as captured:
        services.application_update_draft(application=app, by=world.applicant, summary="다른")
    (update,) = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('UPDATE "applications_application"')
    ]
    assert '"summary"' in update and '"version"' in update and '"updated_at"' in update
    for untouched in ("title", "service_description", "status", "track_id", "reference"):
        assert f'"{untouched}" =' not in update.split("WHERE")[0], untouched


def test_a_page_read_before_someone_elses_save_does_not_undo_it(world: World):
    """The page's copy of the case is stale; the service saves over the row it locks."""
    app = draft(world)
    stale = Application.objects.get(pk=app.pk)
    services.application_update_draft(application=app, by=world.applicant, title="동료의 제목")
    services.application_update_draft(application=stale, by=world.applicant, summary="내 요약")
    row = _row(app)
    assert row["title"] == "동료의 제목" and row["summary"] == "내 요약"
    assert row["version"] == stale.version + 2


def test_nothing_changed_writes_nothing(world: World):
    app = draft(world)
    before = _row(app)
    with CaptureQueriesContext(connection) as captured:
        services.application_update_draft(
            application=app, by=world.applicant, summary=before["summary"]
        )
    updates = [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert not [q for q in updates if "applications_application" in q["sql"]]
    assert _row(app) == before
