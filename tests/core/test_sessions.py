"""``core.sessions.SessionStore`` reads what Django's database store reads — the same row, the
same data, the same forgetting of a key that has expired or never existed — while compiling its
SQL once (docs/performance.md, "CPU per request, fifth round")."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends import db as django_db
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import sessions

pytestmark = pytest.mark.django_db


def _saved(data: dict[str, object]) -> str:
    store = django_db.SessionStore()
    store.update(data)
    store.create()
    assert store.session_key is not None
    return store.session_key


def _fields(row: Session | None) -> dict[str, object] | None:
    if row is None:
        return None
    return {field.attname: getattr(row, field.attname) for field in Session._meta.concrete_fields}


def _both(key: str | None) -> tuple[django_db.SessionStore, sessions.SessionStore]:
    return django_db.SessionStore(key), sessions.SessionStore(key)


def test_the_project_uses_this_store():
    assert settings.SESSION_ENGINE == "core.sessions"


def test_a_live_session_reads_as_djangos_store_reads_it():
    key = _saved({"_auth_user_id": "7", "privacy": "2026-01", "한글": ["목록", 1]})
    theirs, mine = _both(key)
    expected = theirs._get_session_from_db()
    with CaptureQueriesContext(connection) as captured:
        got = mine._get_session_from_db()
    assert len(captured.captured_queries) == 1
    assert type(got) is Session and got._state.adding is False
    assert got._state.db == expected._state.db
    assert _fields(got) == _fields(expected)
    assert dict(_both(key)[1].items()) == dict(_both(key)[0].items())
    assert mine.session_key == key


@pytest.mark.parametrize("seconds", [-60, 0, 60])
def test_a_session_at_its_expiry_reads_as_djangos_store_reads_it(seconds):
    """Live up to its expiry moment, gone at it (``expire_date > now``), for both stores."""
    key = _saved({"n": 1})
    expiry = Session.objects.get(session_key=key).expire_date
    with time_machine.travel(expiry + dt.timedelta(seconds=seconds), tick=False):
        theirs, mine = _both(key)
        assert _fields(mine._get_session_from_db()) == _fields(theirs._get_session_from_db())
        assert mine.session_key == theirs.session_key
        assert (mine.session_key is None) == (seconds >= 0)
        assert dict(_both(key)[1].items()) == dict(_both(key)[0].items())


@pytest.mark.parametrize("key", ["x" * 32, "no-such-session-key-at-all", None, "short"])
def test_an_unknown_or_invalid_key_is_forgotten_as_djangos_store_forgets_it(key):
    _saved({"n": 1})
    theirs, mine = _both(key)
    assert theirs._get_session_from_db() is None and mine._get_session_from_db() is None
    assert mine.session_key is None and theirs.session_key is None
    assert mine.load() == theirs.load() == {}


def test_it_compiles_once_and_then_only_runs():
    first, second = _saved({"n": 1}), _saved({"n": 2})
    sessions.SessionStore(first).load()
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True) as as_sql:
        assert sessions.SessionStore(second).load() == {"n": 2}
    as_sql.assert_not_called()


def test_the_moment_is_taken_at_each_read_not_kept_with_the_sql():
    key = _saved({"n": 1})
    assert sessions.SessionStore(key).load() == {"n": 1}  # compiled now
    expiry = Session.objects.get(session_key=key).expire_date
    with time_machine.travel(expiry + dt.timedelta(seconds=1), tick=False):
        assert timezone.now() > expiry
        store = sessions.SessionStore(key)
        assert store.load() == {} and store.session_key is None


def test_a_signed_in_page_keeps_working_through_the_store(client, world):
    client.force_login(world.applicant)
    assert client.get("/apply/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert sessions.SessionStore(key).load()["_auth_user_id"] == str(world.applicant.pk)
