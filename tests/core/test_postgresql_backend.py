"""The PostgreSQL backend sends a transaction's BEGIN with its first statement
(core/postgresql/base.py): one round trip fewer for every transaction, counted on the wire, and
everything else as psycopg's own transactions behave."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connections, transaction
from psycopg import IsolationLevel, pq

from core.postgresql.base import DatabaseWrapper
from core.prepared import Read, read_together
from tests.roundtrips import proxied_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ALIAS = "roundtrips"


def _one(connection, sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _run(connection, sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _status(connection) -> pq.TransactionStatus:
    return connection.connection.pgconn.transaction_status


def test_the_suite_runs_on_this_backend():
    assert isinstance(connections["default"], DatabaseWrapper)


def test_a_transaction_sends_its_begin_with_its_first_statement():
    with proxied_connection() as (connection, proxy):
        _one(connection, "SELECT 1")
        before = proxy.round_trips
        with transaction.atomic(using=ALIAS):
            first = _one(connection, "SELECT txid_current()")
            assert proxy.round_trips == before + 1  # BEGIN and the statement, together
            assert _one(connection, "SELECT txid_current()") == first  # one transaction
        assert proxy.round_trips == before + 3  # … the second statement, the COMMIT
        assert _status(connection) == pq.TransactionStatus.IDLE
        assert _one(connection, "SELECT txid_current()") != first  # autocommit again


def test_outside_a_transaction_a_statement_is_one_round_trip_and_commits_alone():
    with proxied_connection() as (connection, proxy):
        _one(connection, "SELECT 1")
        before = proxy.round_trips
        _run(connection, "CREATE TEMP TABLE kept (n int)")
        assert proxy.round_trips == before + 1
        assert _status(connection) == pq.TransactionStatus.IDLE
        with pytest.raises(DatabaseError), transaction.atomic(using=ALIAS):
            _one(connection, "INSERT INTO kept VALUES (1) RETURNING n")
            _one(connection, "SELECT 1 / 0")
        assert _one(connection, "SELECT count(*) FROM kept") == 0  # the insert rolled back


def test_a_block_that_runs_nothing_sends_nothing():
    with proxied_connection() as (connection, proxy):
        _one(connection, "SELECT 1")
        before = proxy.round_trips
        with transaction.atomic(using=ALIAS):
            pass
        assert proxy.round_trips == before
        assert _status(connection) == pq.TransactionStatus.IDLE


def test_a_failing_first_statement_fails_its_transaction_and_leaves_the_connection_usable():
    with proxied_connection() as (connection, _proxy):
        with pytest.raises(DatabaseError), transaction.atomic(using=ALIAS):
            _one(connection, "SELECT 1 / 0")
        assert _status(connection) == pq.TransactionStatus.IDLE
        with transaction.atomic(using=ALIAS):
            assert _one(connection, "SELECT 2") == 2


def test_work_rolled_back_is_gone_and_committed_work_stays():
    with proxied_connection() as (connection, _proxy):
        with pytest.raises(RuntimeError), transaction.atomic(using=ALIAS):
            _run(connection, "CREATE TEMP TABLE gone (n int)")
            _one(connection, "INSERT INTO gone VALUES (1) RETURNING n")
            raise RuntimeError("undo")
        assert _one(connection, "SELECT to_regclass('pg_temp.gone') IS NULL") is True
        with transaction.atomic(using=ALIAS):
            _run(connection, "CREATE TEMP TABLE stays (n int)")
            _one(connection, "INSERT INTO stays VALUES (1) RETURNING n")
        assert _one(connection, "SELECT count(*) FROM stays") == 1


def test_savepoints_work_inside_the_transaction():
    with proxied_connection() as (connection, _proxy), transaction.atomic(using=ALIAS):
        _run(connection, "CREATE TEMP TABLE marks (n int)")
        with transaction.atomic(using=ALIAS):
            _one(connection, "INSERT INTO marks VALUES (1) RETURNING n")
        with pytest.raises(DatabaseError), transaction.atomic(using=ALIAS):
            _one(connection, "INSERT INTO marks VALUES (2) RETURNING n")
            _one(connection, "SELECT 1 / 0")
        assert _one(connection, "SELECT array_agg(n) FROM marks") == [1]


def test_reads_sent_together_first_in_a_transaction_carry_the_begin():
    with proxied_connection() as (connection, proxy):
        _one(connection, "SELECT 1")
        txid = Read(ALIAS, ("SELECT txid_current()", ()), lambda answer: answer.rows[0][0])
        before = proxy.round_trips
        with transaction.atomic(using=ALIAS):
            first, second = read_together(txid, txid)
            assert proxy.round_trips == before + 1
        assert first == second


def test_copy_and_named_cursors_run_inside_the_transaction():
    with proxied_connection() as (connection, _proxy):
        with transaction.atomic(using=ALIAS):
            with (
                connection.cursor() as cursor,
                cursor.copy("COPY (SELECT txid_current()) TO STDOUT") as copy,
            ):
                copied = int(b"".join(bytes(block) for block in copy).decode())
            assert _one(connection, "SELECT txid_current()") == copied
        with transaction.atomic(using=ALIAS):
            named = connection.chunked_cursor()
            named.execute("SELECT txid_current()")
            assert named.cursor.withhold is False  # not held past the commit
            declared = named.fetchone()[0]
            assert _one(connection, "SELECT txid_current()") == declared
            named.close()
        named = connection.chunked_cursor()
        assert named.cursor.withhold is True  # outside a transaction, held, as Django holds it
        named.close()


def test_the_configured_isolation_level_is_the_transactions():
    serializable = proxied_connection(isolation_level=IsolationLevel.SERIALIZABLE)
    with serializable as (connection, _proxy), transaction.atomic(using=ALIAS):
        assert _one(connection, "SHOW transaction_isolation") == "serializable"
    with proxied_connection() as (connection, _proxy), transaction.atomic(using=ALIAS):
        assert _one(connection, "SHOW transaction_isolation") == "read committed"
