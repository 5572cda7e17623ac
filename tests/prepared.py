"""What PostgreSQL holds of the statements psycopg prepared on the test's connection."""

from __future__ import annotations

import itertools
import re

from django.db import connection


def plans_of(sql: str) -> list[tuple[int, int]]:
    """``(generic plans, custom plans)`` of each statement prepared on the test's connection
    from ``sql``, as Django hands it to psycopg (``%s`` for each place, ``%%`` for a percent
    sign); PostgreSQL holds it as psycopg sent it (``$1``, ``$2``…, ``%``). Empty when none
    was prepared."""
    places = itertools.count(1)
    sent = re.sub(r"%s|%%", lambda m: f"${next(places)}" if m.group() == "%s" else "%", sql)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = %s",
            [sent],
        )
        return [(int(generic), int(custom)) for generic, custom in cursor.fetchall()]
