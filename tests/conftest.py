from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.builders import World, build_world

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the translation catalogs the way ``make test`` does, so that a bare ``pytest``
    also sees the current Korean text (a stale .mo would test yesterday's wording)."""
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        subprocess.run(["msgfmt", "--check-format", "-o", str(partial), str(po)], check=True)
        os.replace(partial, mo)


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


def uses_the_database(item: pytest.Item) -> bool:
    return bool(
        item.get_closest_marker("django_db")
        or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``make test`` runs two passes side by side. The PostgreSQL pass (``SANDBOX_TEST_PASS=
    postgres``) runs what can behave differently on PostgreSQL: every test that touches the
    database, and the PostgreSQL-only ones. A test that never opens the database, the browser
    journeys (which drive pages whose queries the page tests already run on both) and the
    ``rendering`` tests (PDF text and fonts, the crawl for internal codes: what they assert is
    rendered output) run once, in the SQLite pass. docs/foundation.md says why."""
    if os.environ.get("SANDBOX_TEST_PASS") != "postgres":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        postgres_only = item.get_closest_marker("postgres") is not None
        browser = item.get_closest_marker("e2e") is not None
        rendering = item.get_closest_marker("rendering") is not None
        once = not postgres_only and (browser or rendering or not uses_the_database(item))
        (dropped if once else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _language_does_not_leak() -> Iterator[None]:
    """A request in Korean leaves Korean active in the thread (LocaleMiddleware activates the
    request's language and nothing resets it); the next test must not inherit it."""
    active = translation.get_language()
    yield
    if active:
        translation.activate(active)
    else:
        translation.deactivate_all()


@pytest.fixture(autouse=True)
def _rate_limits_start_afresh() -> Iterator[None]:
    """Per-source rate limits count in the cache; every test starts with none used (all tests
    come from one address)."""
    cache.clear()
    yield


@pytest.fixture
def world(db: None) -> World:
    return build_world()
