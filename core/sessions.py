"""Django's database session store, with the read every request makes compiled once.

``SessionStore._get_session_from_db`` asks ``Session.objects.get(session_key=…,
expire_date__gt=now)`` on every request that touches the session: building and compiling that
queryset cost about five times running it (docs/performance.md, "CPU per request, fifth
round"). Here its SQL is compiled once per database and kept (``core.prepared.KeptRows``), each
read puts the key and the moment in it, and the row comes back as the same ``Session``; every
other part of the store (writes, creation, deletion, the async read) is Django's.
``tests/core/test_sessions.py`` holds it to Django's store on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone

from core.prepared import KeptRows, kept

# Marks compiled into the SQL in the places of the session key and the moment.
_KEY_MARK = "\x00session-key"
_NOW_MARK = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)

_READ_SQL: OrderedDict[Hashable, KeptRows[Session]] = OrderedDict()


def _expire_date_value(value: dt.datetime, connection: Any) -> Any:
    """``value`` as the ORM hands an ``expire_date`` comparison to the database."""
    field = Session._meta.get_field("expire_date")
    return field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)


def _compile_read(alias: str) -> KeptRows[Session]:
    connection = connections[alias]
    now_mark = _expire_date_value(_NOW_MARK, connection)
    queryset = Session.objects.using(alias).filter(session_key=_KEY_MARK, expire_date__gt=_NOW_MARK)
    return KeptRows(queryset, alias, {_KEY_MARK: "key", now_mark: "now"})


class SessionStore(db.SessionStore):
    """``django.contrib.sessions.backends.db.SessionStore`` whose read runs kept SQL."""

    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        if key is None:  # no row has no key: Django's query would find nothing
            return None
        alias = router.db_for_read(Session)
        connection = connections[alias]
        read = kept(_READ_SQL, (alias, connection.vendor), lambda: _compile_read(alias), limit=8)
        rows = read.objects({"key": key, "now": _expire_date_value(timezone.now(), connection)})
        if not rows:
            self._session_key = None
            return None
        return rows[0]
