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
