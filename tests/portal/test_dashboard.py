"""The dashboard groups an organisation's cases by what they ask of it (needs your action / in
review / waivers in force / closed), shows a few cards a group, pages through one group, and
searches by reference and title — in a fixed number of queries whatever the number of cases."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.workflow import ApplicationStatus as S
from tests.builders import draft, drive


def group_texts(page: str) -> dict[str, str]:
    sections = re.findall(
        r'<section class="case-group" aria-labelledby="group-(\w+)">(.*?)</section>', page, re.S
    )
    return {slug: body for slug, body in sections}


def dashboard(client, **params):
    return client.get("/apply/", params, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_cases_are_grouped_by_what_they_ask_of_the_applicant(client, world):
    supplement = drive(world, S.SUPPLEMENT_REQUESTED)
    draft_case = draft(world, title="A draft not yet sent")
    review = drive(world, S.UNDER_REVIEW)
    active = drive(world, S.ACTIVE)
    closed = drive(world, S.WITHDRAWN)
    client.force_login(world.applicant)
    groups = group_texts(dashboard(client))
    assert list(groups) == ["action", "review", "active", "closed"]
    assert f"/apply/{supplement.pk}/" in groups["action"]
    assert f"/apply/{draft_case.pk}/" in groups["action"]
    assert f"/apply/{review.pk}/" in groups["review"]
    assert f"/apply/{active.pk}/" in groups["active"]
    # closed cases are folded away behind a link
    assert f"/apply/{closed.pk}/" not in groups["closed"]
    assert "?group=closed" in groups["closed"]
    closed_page = group_texts(dashboard(client, group="closed"))
    assert list(closed_page) == ["closed"] and f"/apply/{closed.pk}/" in closed_page["closed"]


def test_a_long_group_shows_five_cards_and_pages_through_the_rest(client, world):
    for number in range(12):
        draft(world, title=f"Draft number {number}")
    client.force_login(world.applicant)
    overview = group_texts(dashboard(client))["action"]
    assert overview.count('class="case-card"') == 5
    assert "See all 12" in overview
    first = group_texts(dashboard(client, group="action"))["action"]
    assert first.count('class="case-card"') == 10 and "Page 1 of 2" in first
    second = group_texts(dashboard(client, group="action", page=2))["action"]
    assert second.count('class="case-card"') == 2 and "Previous page" in second


def test_search_finds_cases_by_reference_or_title(client, world):
    wanted = drive(world, S.SUBMITTED)
    draft(world, title="Parking robots")
    client.force_login(world.applicant)
    page = dashboard(client, q="parking")
    assert "Parking robots" in page and f"/apply/{wanted.pk}/" not in page
    page = dashboard(client, q=wanted.reference)
    assert f"/apply/{wanted.pk}/" in page and "Parking robots" not in page
    assert "1 case matches" in page


def test_a_bad_filter_is_named_and_the_page_still_works(client, world):
    draft(world)
    client.force_login(world.applicant)
    response = client.get("/apply/", {"group": "nonsense"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'href="#id_group_0"' in response.content.decode() or 'href="#id_group"' in (
        response.content.decode()
    )


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/apply/").status_code == 200
    return len(queries)


def test_the_dashboard_runs_a_fixed_number_of_queries(client, world):
    client.force_login(world.applicant)
    for status in (S.DRAFT, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW, S.ACTIVE, S.WITHDRAWN):
        drive(world, status)
    client.get("/apply/")  # the session's first page also checks the personal-data consent
    few = count_queries(client)
    for status in (S.DRAFT, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW, S.ACTIVE, S.WITHDRAWN) * 3:
        drive(world, status)
    assert count_queries(client) == few
