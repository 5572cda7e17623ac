"""Swagger UI and Redoc at /api/docs/ and /api/redoc/ work offline under the site's CSP, in a
real browser (Debian chromium through Playwright, live server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import chromium

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()


def _watch(page: Any, origin: str) -> tuple[list[str], list[str]]:
    """Console errors (CSP refusals show up there) and requests to other hosts that got an
    answer (those the CSP blocks fail instead)."""
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "requestfinished",
        lambda r: (
            outside.append(r.url) if not r.url.startswith((origin, "data:", "blob:")) else None
        ),
    )
    return errors, outside


def test_swagger_ui_renders_every_endpoint_under_the_csp(page, live_server):
    errors, outside = _watch(page, live_server.url)
    response = page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_text("/api/v1/events/", exact=True).first.wait_for()
    for path in ("/api/v1/applications/{reference}/history/", "/api/v1/audit/verify/"):
        assert page.get_by_text(path, exact=True).count() >= 1
    assert errors == []
    assert outside == []


def test_redoc_renders_offline_under_the_csp(page, live_server):
    errors, outside = _watch(page, live_server.url)
    response = page.goto(f"{live_server.url}/api/redoc/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    page.get_by_text("Sandbox API").first.wait_for()
    page.get_by_text("/api/v1/events/").first.wait_for(state="attached")
    # Redoc's footer links Redocly's logo from a CDN: the CSP blocks it, so nothing leaves the
    # server. That refusal is the only console error.
    assert [e for e in errors if "cdn.redoc.ly" not in e] == []
    assert outside == []
