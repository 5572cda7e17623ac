"""Security essentials that hold across the whole site (see docs/security.md)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?\w+>")
SAMPLE = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every concrete URL of the site (path() routes, converters filled with sample values)."""
    found: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # a handful of regex routes (admin's app index); covered by the same middleware
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append("/" + CONVERTER.sub(lambda m: SAMPLE[m["kind"] or "str"], route))
    return sorted(set(found))


def test_the_route_walk_sees_the_whole_site():
    seen = routes()
    for expected in ("/accounts/login/", "/apply/1/withdraw/", "/admin/login/", "/i18n/setlang/"):
        assert expected in seen


@pytest.mark.parametrize("url", [u for u in routes() if not u.startswith("/api/")])
def test_every_post_without_a_csrf_token_is_refused(db, url):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url, {"anything": "1"})
    if response.status_code == 405:
        return  # the page takes no POST at all
    assert response.status_code == 403, (url, response.status_code)
    assert "Please send the form again" in response.content.decode()


def test_logging_in_gives_a_new_session_key_no_fixation(client, world):
    world.applicant.set_password("Long-enough-pass-2026")
    world.applicant.save()
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    planted_key = session.session_key
    client.cookies["sessionid"] = planted_key

    response = client.post(
        "/accounts/login/",
        {"username": world.applicant.username, "password": "Long-enough-pass-2026"},
    )

    assert response.status_code == 302
    assert client.cookies["sessionid"].value != planted_key


def test_session_and_csrf_cookies_are_http_only_and_same_site(client, world):
    world.applicant.set_password("Long-enough-pass-2026")
    world.applicant.save()
    page = client.get("/accounts/login/")
    assert page.cookies["csrftoken"]["httponly"]
    response = client.post(
        "/accounts/login/",
        {"username": world.applicant.username, "password": "Long-enough-pass-2026"},
    )
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
