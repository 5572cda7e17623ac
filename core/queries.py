"""Conditions the ORM would write in a form PostgreSQL plans badly at scale."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, router
from django.db.models import BooleanField, F, Func, Model, Q, QuerySet
from django.db.models.lookups import Exact, IContains

from core.prepared import with_values_written_in


class _EqualsAny(Func):
    """``<left> = ANY(<array>)``."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def pk_among(ids: QuerySet[Any], *, model: type[Model]) -> Q:
    """``model``'s rows whose id is among ``ids`` (a queryset of one column of ids: a few rows
    of a small table, e.g. the pending requests).

    On PostgreSQL this is ``id = ANY(ARRAY(<ids>))``: the subquery runs once, before any row of
    ``model`` is read, and the test is then one the primary key answers, also as one arm of an
    OR (PostgreSQL reads each arm from its index and joins the bitmaps). Written as ``id IN
    (<ids>)`` inside an OR, PostgreSQL can only test it on each row found some other way (a
    hashed subplan): when the OR holds few rows, it read the whole table to find them (the
    review queue's *Awaiting decision* tab, issue 18). Elsewhere it is ``id IN (<ids>)``."""
    if connections[router.db_for_read(model)].vendor != "postgresql":
        return Q(pk__in=ids)
    return Q(_EqualsAny(F("pk"), ArraySubquery(ids.order_by())))


class _WrittenIn:
    """A lookup whose value PostgreSQL receives written into the statement's text (before a
    lookup class among the bases: ``class _X(_WrittenIn, Exact)``)."""

    def process_rhs(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = super().process_rhs(compiler, connection)  # type: ignore[misc]
        if connection.vendor != "postgresql":
            return sql, params
        return with_values_written_in(sql, params, (), connection), ()


class _IContainsWrittenIn(_WrittenIn, IContains):
    """``icontains`` whose pattern PostgreSQL receives written into the statement's text."""


def contains_text(field: str, text: str) -> Q:
    """``<field>__icontains=<text>``, the same rows; on PostgreSQL the pattern is written into
    the SQL instead of sent as a parameter. A search's statement is then a text of its own,
    planned for its pattern: sent as a parameter, the statement is the same for every search,
    psycopg prepares it once it has run five times, and PostgreSQL may then plan it once for
    any pattern. For a page in a given order that plan walks the order testing each row, which
    reads every row for a word nothing holds (the review queue's search at 100k cases: 445 ms
    against 5 ms planned for the word; issue 18)."""
    return Q(_IContainsWrittenIn(F(field), text))


class _ExactWrittenIn(_WrittenIn, Exact):
    """``exact`` whose value PostgreSQL receives written into the statement's text."""


def equals_written_in(field: str, value: Any) -> Q:
    """``<field>=<value>``, the same rows; on PostgreSQL the value is written into the SQL
    instead of sent as a parameter. For a value that is the same on every run of a statement
    for one group of people and is not chosen by them (the scope's ministry, the draft status):
    sent as parameters, such values leave PostgreSQL planning the statement for the values at
    hand on every run wherever its plan for any values looks dearer (the inbox's page, the
    API's case lookup, the queue's search: 0.4-2 ms of planning each at 100k cases; issue 18).
    Written in, the statement's text is the group's, and what is left as parameters is what
    the person chose."""
    return Q(_ExactWrittenIn(F(field), value))
