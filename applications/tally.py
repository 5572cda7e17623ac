"""How many cases each programme holds in each status with each assigned officer, kept by the
database in the transaction of every change, so that a count of a tab or an officer's cases
reads a few rows whatever the number of cases (the review queue's tab counts and workload
panel; issue 18).

The database's own triggers keep it (``install``): each insert, deletion, or change of a case's
programme, status or assigned officer adds a row of +1 for where the case now is and -1 for
where it was (``CaseTally``). They see every write, whichever code makes it: the services, the
admin, a bulk load, a test's factory. Rows are only ever added, never updated, so two
transactions changing cases of the same programme and status never wait for each other (a
counter updated in place would hold its row locked until the commit, and serialise every
transition of one programme and status). ``compact`` folds the rows of each combination into
one: the deadline sweep runs it, so a count reads the combinations plus the changes since the
last sweep. ``total`` is the count as one expression for a query.

On SQLite, Django remakes a table to alter it, which drops its triggers: ``ensure``, run after
every ``migrate`` (and after a test database is flushed), installs them again if needed and
counts every case afresh where the tally may have gone wrong (``recount``: on SQLite every
time, on PostgreSQL when a trigger was missing). ``tests/applications/test_tally.py`` holds
the sums equal to a count of the cases after every kind of write.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from applications.models import Application, CaseTally

CASES = Application._meta.db_table
TALLY = CaseTally._meta.db_table
_COLUMNS = "program_id, status, officer_id, n"

_POSTGRESQL_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION {TALLY}_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO {TALLY} ({_COLUMNS})
        VALUES (OLD.program_id, OLD.status, OLD.assigned_officer_id, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO {TALLY} ({_COLUMNS})
        VALUES (NEW.program_id, NEW.status, NEW.assigned_officer_id, 1);
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER {TALLY}_insert_delete AFTER INSERT OR DELETE ON {CASES}
    FOR EACH ROW EXECUTE FUNCTION {TALLY}_count();
CREATE OR REPLACE TRIGGER {TALLY}_update
    AFTER UPDATE OF program_id, status, assigned_officer_id ON {CASES} FOR EACH ROW
    WHEN (OLD.program_id IS DISTINCT FROM NEW.program_id OR OLD.status IS DISTINCT FROM
          NEW.status OR OLD.assigned_officer_id IS DISTINCT FROM NEW.assigned_officer_id)
    EXECUTE FUNCTION {TALLY}_count();
"""

_SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS {TALLY}_insert AFTER INSERT ON {CASES} BEGIN
        INSERT INTO {TALLY} ({_COLUMNS})
        VALUES (NEW.program_id, NEW.status, NEW.assigned_officer_id, 1);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TALLY}_delete AFTER DELETE ON {CASES} BEGIN
        INSERT INTO {TALLY} ({_COLUMNS})
        VALUES (OLD.program_id, OLD.status, OLD.assigned_officer_id, -1);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TALLY}_update
        AFTER UPDATE OF program_id, status, assigned_officer_id ON {CASES}
        WHEN OLD.program_id IS NOT NEW.program_id OR OLD.status IS NOT NEW.status
            OR OLD.assigned_officer_id IS NOT NEW.assigned_officer_id
    BEGIN
        INSERT INTO {TALLY} ({_COLUMNS})
        VALUES (OLD.program_id, OLD.status, OLD.assigned_officer_id, -1);
        INSERT INTO {TALLY} ({_COLUMNS})
        VALUES (NEW.program_id, NEW.status, NEW.assigned_officer_id, 1);
    END""",
)

_RECOUNT = (
    f"INSERT INTO {TALLY} ({_COLUMNS}) SELECT program_id, status, assigned_officer_id, COUNT(*)"
    f" FROM {CASES} GROUP BY program_id, status, assigned_officer_id"
)

# One statement, so one snapshot: the rows it folds are exactly those it deletes, whatever
# other transactions add meanwhile. Only combinations with more than one row are rewritten.
_POSTGRESQL_COMPACT = f"""
WITH many AS (
    SELECT program_id, status, officer_id FROM {TALLY}
    GROUP BY program_id, status, officer_id HAVING COUNT(*) > 1
), folded AS (
    DELETE FROM {TALLY} t USING many
    WHERE t.program_id = many.program_id AND t.status = many.status
        AND t.officer_id IS NOT DISTINCT FROM many.officer_id
    RETURNING t.program_id, t.status, t.officer_id, t.n
)
INSERT INTO {TALLY} ({_COLUMNS})
SELECT program_id, status, officer_id, SUM(n) FROM folded
GROUP BY program_id, status, officer_id HAVING SUM(n) <> 0
"""


_POSTGRESQL_DROP = (
    f"DROP TRIGGER IF EXISTS {TALLY}_insert_delete ON {CASES}",
    f"DROP TRIGGER IF EXISTS {TALLY}_update ON {CASES}",
    f"DROP FUNCTION IF EXISTS {TALLY}_count()",
)
_SQLITE_DROP = tuple(
    f"DROP TRIGGER IF EXISTS {TALLY}_{name}" for name in ("insert", "delete", "update")
)


def install(cursor: CursorWrapper) -> None:
    """Create the triggers: on PostgreSQL in place of those there, on SQLite where missing
    (the tally's migration and ``ensure``)."""
    vendor = cursor.db.vendor
    if vendor == "postgresql":
        cursor.execute(_POSTGRESQL_TRIGGERS)
    elif vendor == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            cursor.execute(statement)
    else:  # pragma: no cover - the project runs on these two
        raise NotImplementedError(f"no case tally triggers for {vendor}")


def uninstall(cursor: CursorWrapper) -> None:
    """Drop the triggers (the tally's migration, undone: before its table goes, which
    SQLite's triggers would otherwise name and every later change of the cases' table fail
    on)."""
    for statement in _POSTGRESQL_DROP if cursor.db.vendor == "postgresql" else _SQLITE_DROP:
        cursor.execute(statement)


_POSTGRESQL_TRIGGERS_IN_PLACE = (
    f"SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = '{CASES}'::regclass"
    f" AND tgname IN ('{TALLY}_insert_delete', '{TALLY}_update')"
)


def ensure(using: str = "default") -> None:
    """After ``migrate`` (the ``post_migrate`` handler in ``applications.apps``): install the
    triggers if they are missing, and count every case afresh where the tally may have gone
    wrong. On SQLite that is every time: a table remade drops the triggers, and a test
    database's flush empties the cases and the tally in no set order (the cases' deletion,
    coming after, leaves rows of -1). On PostgreSQL only if a trigger was missing: its tables
    keep their triggers, a flush truncates them together, and a recount holds the cases
    against every write while it reads them all (a deployment's ``migrate`` on a large
    database)."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if not {CASES, TALLY} <= set(connection.introspection.table_names(cursor)):
            return  # migrated back to before the tally (or the cases)
        stale = True
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRESQL_TRIGGERS_IN_PLACE)
            stale = cursor.fetchone()[0] < 2
        install(cursor)
        if stale:
            recount(cursor)


def recount(cursor: CursorWrapper) -> None:
    """Delete every row and count the cases afresh, one row per combination."""
    # The cases are locked for the recount: a change committed between the deletion and the
    # recount would otherwise be counted twice (its row kept, and the case counted again).
    if cursor.db.vendor == "postgresql":
        cursor.execute(f"LOCK TABLE {CASES} IN SHARE MODE")
    cursor.execute(f"DELETE FROM {TALLY}")
    cursor.execute(_RECOUNT)


def compact(using: str = "default") -> None:
    """Fold each combination's rows into one (its sum; none if the sum is 0)."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRESQL_COMPACT)
        else:
            # SQLite writes one transaction at a time: the recount's deletion holds the
            # database's write lock until the commit, so nothing changes in between.
            recount(cursor)


def total(
    condition: Q,
    *,
    programmes: Iterable[int] | None = None,
    officer: int | OuterRef | None = None,
) -> Subquery:
    """How many cases of ``programmes`` (every programme if None) with ``officer`` assigned (any
    or none if None) meet ``condition`` (a filter on ``CaseTally``'s ``status``): one scalar
    subquery, exact, reading the combinations' rows."""
    rows = CaseTally.objects.filter(condition)
    if programmes is not None:
        rows = rows.filter(program_id__in=sorted(programmes))
    if officer is not None:
        rows = rows.filter(officer_id=officer)
    summed = Func(F("n"), function="SUM", output_field=IntegerField())
    return Subquery(
        rows.order_by().values(total=Coalesce(summed, Value(0))),
        output_field=IntegerField(),
    )
