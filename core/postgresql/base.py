"""Django's PostgreSQL backend, with a transaction's ``BEGIN`` sent with its first statement.

Inside ``transaction.atomic`` psycopg begins the transaction itself: before the block's first
statement it sends ``BEGIN`` on its own and waits for the answer, then sends the statement and
waits again. Every transaction of the application paid a round trip for the ``BEGIN`` alone:
one of the sixteen a case's transition made (docs/performance.md, "Round trips counted on the
wire", issue 18).

Here psycopg's connection stays in autocommit mode, and Django's wish for a transaction is kept
beside it (``_set_autocommit``). A cursor about to send the first statement of a transaction
(nothing begun yet on the server) sends ``BEGIN`` with it, in psycopg's pipeline mode: both go
out together and both answers come back together. The server runs them one after the other,
as before, so the statement runs inside the transaction, with the isolation level, read-only
and deferrable settings psycopg would have begun it with. ``COMMIT`` and ``ROLLBACK`` are
psycopg's own: it sends them whenever the server has a transaction open, whatever its
autocommit setting says, and nothing when none was begun.

A statement that cannot go in a pipeline (``COPY``, a streamed query, a named cursor's
``DECLARE``) sends ``BEGIN`` first, on its own, as psycopg did. A failing statement fails the
transaction as before: its error is raised from the same ``execute``, and Django rolls back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import pq

_IDLE = pq.TransactionStatus.IDLE
_PIPELINE_OFF = pq.PipelineStatus.OFF
_WANTS_TRANSACTION = "_sandbox_wants_transaction"  # on psycopg's connection: Django's wish


def _begin_statement(connection: psycopg.Connection[Any]) -> bytes:
    """``BEGIN`` with the settings psycopg begins its own transactions with."""
    parts = ["BEGIN"]
    if connection.isolation_level is not None:
        level = psycopg.IsolationLevel(connection.isolation_level)
        parts.append("ISOLATION LEVEL " + level.name.replace("_", " "))
    if connection.read_only is not None:
        parts.append("READ ONLY" if connection.read_only else "READ WRITE")
    if connection.deferrable is not None:
        parts.append("DEFERRABLE" if connection.deferrable else "NOT DEFERRABLE")
    return " ".join(parts).encode()


def _begin_owed(connection: psycopg.Connection[Any]) -> bool:
    """Django is in a transaction and the server has none yet: the next statement begins it."""
    return (
        getattr(connection, _WANTS_TRANSACTION, False)
        and connection.pgconn.transaction_status == _IDLE
    )


def _send_begin(connection: psycopg.Connection[Any]) -> None:
    """``BEGIN`` through a plain cursor: queued when a pipeline is open, else sent and awaited."""
    psycopg.Cursor(connection).execute(_begin_statement(connection), prepare=False)


@contextlib.contextmanager
def _begun_with(connection: psycopg.Connection[Any]) -> Iterator[None]:
    """The block's statements sent after a ``BEGIN``, all in one pipeline (the caller's, when it
    has one open: they join it)."""
    if connection.pgconn.pipeline_status != _PIPELINE_OFF:
        _send_begin(connection)
        yield
        return
    with connection.pipeline():
        _send_begin(connection)
        yield


class _BeginsWithFirstStatement:
    """A psycopg cursor whose statement that opens a transaction carries its ``BEGIN``."""

    connection: psycopg.Connection[Any]

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        if _begin_owed(self.connection):
            with _begun_with(self.connection):
                return super().execute(query, params, **options)  # type: ignore[misc]
        return super().execute(query, params, **options)  # type: ignore[misc]

    def executemany(self, query: Any, params_seq: Any, **options: Any) -> Any:
        if _begin_owed(self.connection):
            with _begun_with(self.connection):
                return super().executemany(query, params_seq, **options)  # type: ignore[misc]
        return super().executemany(query, params_seq, **options)  # type: ignore[misc]

    def copy(self, statement: Any, params: Any = None, **options: Any) -> Any:
        if _begin_owed(self.connection):  # COPY cannot be pipelined
            _send_begin(self.connection)
        return super().copy(statement, params, **options)  # type: ignore[misc]

    def stream(self, query: Any, params: Any = None, **options: Any) -> Any:
        if _begin_owed(self.connection):  # nor can a streamed query
            _send_begin(self.connection)
        return super().stream(query, params, **options)  # type: ignore[misc]


class ServerBindingCursor(_BeginsWithFirstStatement, base.ServerBindingCursor):
    pass


class Cursor(_BeginsWithFirstStatement, base.Cursor):
    pass


_OURS = {base.ServerBindingCursor: ServerBindingCursor, base.Cursor: Cursor}


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        params["cursor_factory"] = _OURS.get(params["cursor_factory"], params["cursor_factory"])
        return params

    def _set_autocommit(self, autocommit: bool) -> None:
        with self.wrap_database_errors:
            self.connection.autocommit = True  # psycopg never begins on its own
            setattr(self.connection, _WANTS_TRANSACTION, not autocommit)

    def create_cursor(self, name: str | None = None) -> Any:
        if not name:
            return super().create_cursor()
        # A named cursor's DECLARE runs in the transaction (begun first, on its own) and is held
        # past a commit only outside one: Django's own backend decides that from psycopg's
        # autocommit, which here is always on, so the named cursors are made here.
        if _begin_owed(self.connection):
            _send_begin(self.connection)
        withhold = self.get_autocommit()
        if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
            cursor = base.ServerSideCursor(  # type: ignore[call-arg]
                self.connection, name=name, scrollable=False, withhold=withhold
            )
        else:
            cursor = self.connection.cursor(name, scrollable=False, withhold=withhold)
        loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, pq.Format.TEXT)
        if self.timezone != loader.timezone:
            register_tzloader(self.timezone, cursor)
        return cursor
