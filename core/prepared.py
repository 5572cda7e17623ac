"""Rows by primary key through a query Django compiles once per thread, not once per call.

Nearly every request of a case reads the case with its programme, track, organisation and
officer (``application_get_for``), and every write locks it with its programme, track and
organisation (``application_row_lock``). Building and compiling those two wide
``select_related`` queries — about 125 and 100 columns, every name quoted, every join set up —
was a fifth of the Django CPU of an applicant's request (docs/performance.md, "What each request
of the load mix costs"), for SQL that differs only in the id. ``PreparedGet`` compiles the
queryset once per thread and database connection and keeps Django's compiler: each call runs the
same SQL with the new id and builds the instances exactly as ``QuerySet.get`` does (``from_db``,
the row's converters, the ``select_related`` populators), so what comes back is the same object,
field for field (``tests/core/test_prepared.py`` compares them on SQLite and PostgreSQL).

The objects are built as ``Model.from_db`` builds them, without its walk over every field of
the model (``_built``): a queue row reads 16 of the 128 columns of its case and related rows,
and ``from_db`` and ``Model.__init__`` went through all 128 for each of a page's 125 objects,
most of the cost of reading the page's rows (docs/performance.md, twentieth round). A model
that overrides ``from_db``, an ``__init__`` this module does not know, or a model with
``pre_init``/``post_init`` receivers is built by ``from_db`` itself.

``PreparedValues`` does the same for a ``values_list`` query keyed by an id (the user's roles
and organisations where the user was not read through the session: an API token's owner).

``PreparedGet.get_with_annotations`` reads a row whose queryset also annotates values over a
multi-valued relation (one row per related row): the object from the first row, as ``get``
builds it, and the annotations of every row. The session's user comes that way with their
roles and organisations (``accounts/backends.py``): one query where there were two.

Only for querysets whose SQL cannot change between calls: no dates computed at call time, no
translated text, no filter but the primary key.

``kept`` is the store for SQL that does depend on more than an id — the queue's tab counts,
workload panel and rows, the staff header's unread count: compiled once per key (everything the
text is made of), the least recently used dropped past a limit. ``KeptRows`` is such SQL for
model objects whose values (a page's cursor, the moment) change between runs: the queue's rows.
``MarkedStatement`` is what they share: compiled SQL whose marked parameters take a run's
values (a page's cursor, the moment, *Mine*'s officer), every other value written into the
text on PostgreSQL. ``KeptValues`` is a ``values_list`` query with no value that changes
between runs, kept the same way: the queue's programmes and tracks.

``Read`` is one such statement with the values of a run in place, and what its rows become;
``read_together`` sends several that do not wait on one another in one round trip on
PostgreSQL (psycopg's pipeline mode): the queue page's workload panel, programmes, saved views
and header count went out one after another, and then its rows and its counts, each answer
awaited before the next statement left (docs/performance.md, "The queue's reads sent
together").
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.query import RelatedPopulator, get_related_populators
from django.db.models.signals import post_init, pre_init
from django.db.transaction import TransactionManagementError
from django_fsm import ConcurrentTransitionMixin

M = TypeVar("M", bound=Model)
T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")
W = TypeVar("W")

# A primary key no row has, compiled into the SQL as its one parameter and replaced per call.
_MARK = -2_013_265_921  # within a 32-bit key's range (PostgreSQL checks it)


class _Compiled:
    """The SQL (the id its one parameter) and how a row becomes objects."""

    def __init__(self, queryset: QuerySet[Any], using: str) -> None:
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        self.sql = sql
        self.params = tuple(params)
        self.compiler = compiler
        self.for_update = bool(queryset.query.select_for_update)
        klass_info = compiler.klass_info
        assert klass_info is not None
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        select = compiler.select
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        # (django-stubs describe Django 6, whose version takes a fetch mode too)
        self.populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]
        self.models = _models_of(klass_info)  # every model a row builds an object of
        self.shareable = frozenset(_shareable(klass_info, self.populators))
        self.converters = compiler.get_converters([column[0] for column in select])
        # Where each annotation sits in a row (``annotate``), in the queryset's order.
        self.annotations = dict(compiler.annotation_col_map or {})


def _key(model: Any, pk: Any, connection: Any) -> Any:
    """The id as its query gets it, or None where ``filter(pk=…)`` would find nothing because
    it does not fit the column (a 25-digit id in a URL: Django's lookups answer empty)."""
    value = model._meta.pk.get_prep_value(pk)
    if isinstance(value, int):
        try:
            low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
        except KeyError:
            return value
        if (low is not None and value < low) or (high is not None and value > high):
            return None
    return value


class PreparedGet(Generic[M]):
    """``build().get(pk=…)``, compiled once per thread and connection.

    ``build`` returns the queryset without the id filter (``select_related``,
    ``select_for_update`` … as needed); raises the model's ``DoesNotExist`` as ``get`` does."""

    def __init__(self, build: Callable[[], QuerySet[M]]) -> None:
        self._build = build
        self._local = threading.local()

    def _compiled(self, using: str) -> _Compiled:
        connection = connections[using]
        cache: dict[tuple[str, int], _Compiled] = self._local.__dict__.setdefault("cache", {})
        key = (using, id(connection))
        compiled = cache.get(key)
        if compiled is None:
            compiled = _Compiled(self._build().filter(pk=_MARK), using)
            if list(compiled.params) != [_MARK]:
                raise ValueError("PreparedGet needs a queryset whose only parameter is the id.")
            cache[key] = compiled
        return compiled

    def get(self, pk: Any, *, using: str = DEFAULT_DB_ALIAS) -> M:
        return self._read(pk, using)[0]

    def get_with_annotations(
        self, pk: Any, *, using: str = DEFAULT_DB_ALIAS
    ) -> tuple[M, list[dict[str, Any]]]:
        """The object (built from the first row, as ``get`` builds it) and, for every row the
        query returns, its annotations by name: an annotation over a multi-valued relation
        gives a row per related row (``None`` in each column where there is none)."""
        obj, rows, compiled = self._read(pk, using)
        names = compiled.annotations.items()
        return obj, [{name: row[index] for name, index in names} for row in rows]

    def _read(self, pk: Any, using: str) -> tuple[M, list[Any], _Compiled]:
        compiled = self._compiled(using)
        connection = connections[using]
        if (
            compiled.for_update
            and connection.features.has_select_for_update
            and connection.get_autocommit()
        ):
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        key = _key(compiled.model, pk, connection)
        rows = []
        if key is not None:
            with connection.cursor() as cursor:
                cursor.execute(compiled.sql, [key])
                rows = cursor.fetchall()
        if not rows:
            raise compiled.model.DoesNotExist(
                f"{compiled.model._meta.object_name} matching query does not exist."
            )
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        return _instance(compiled, rows[0], using, _ways(compiled)), rows, compiled


def _models_of(klass_info: Mapping[str, Any]) -> tuple[type[Model], ...]:
    """The model of ``klass_info`` and of every ``select_related`` one under it."""
    models: tuple[type[Model], ...] = (klass_info["model"],)
    for related in klass_info.get("related_klass_infos", ()):
        models += _models_of(related)
    return models


# How ``_built`` makes each model's objects: the methods to call after the fields are set
# (``_after_init``), or None for ``from_db`` itself.
_Ways = Mapping[type[Model], "tuple[str, ...] | None"]


def _ways(compiled: _Compiled) -> _Ways:
    """How each model of a read is built, decided once a read: ``from_db`` for a model
    ``_after_init`` does not know or one with ``pre_init``/``post_init`` receivers (asked at
    every read, so a receiver connected later is heard at the next)."""
    return {
        model: None
        if pre_init.has_listeners(model) or post_init.has_listeners(model)
        else _after_init(model)
        for model in compiled.models
    }


class _Shared:
    """The related objects one read built, by their populator and the values they were built
    from, for the later rows of the read that name the same ones (``KeptRows``' ``shared``):
    only through a foreign key that is not unique, whose related object the relation leaves
    as it is (Django's ``remote_setter`` for it does nothing)."""

    def __init__(self, populators: frozenset[int]) -> None:
        self.populators = populators  # the ids of the populators whose objects may be shared
        self.objects: dict[tuple[int, tuple[Any, ...]], Model] = {}


def _shareable(klass_info: Mapping[str, Any], populators: Sequence[RelatedPopulator]) -> set[int]:
    """The ids of ``populators`` (of ``klass_info``'s ``select_related`` models, in its order)
    and of theirs whose objects ``_Shared`` may share: through a foreign key, not unique."""
    ids: set[int] = set()
    infos = klass_info.get("related_klass_infos", ())
    for populator, info in zip(populators, infos, strict=True):
        field = info["field"]
        if not info["reverse"] and field.many_to_one and not field.unique:
            ids.add(id(populator))
        ids |= _shareable(info, populator.related_populators)
    return ids


def _instance(
    compiled: _Compiled, row: Any, using: str, ways: _Ways, shared: _Shared | None = None
) -> Any:
    """The row's object and its ``select_related`` objects, built as ``QuerySet`` builds them."""
    obj = _built(
        compiled.model, using, compiled.init_list, row[compiled.start : compiled.end], ways
    )
    for populator in compiled.populators:
        _populate(populator, row, obj, using, ways, shared)
    return obj


def _populate(
    populator: RelatedPopulator,
    row: Any,
    from_obj: Model,
    using: str,
    ways: _Ways,
    shared: _Shared | None = None,
) -> None:
    """``RelatedPopulator.populate`` (Django 5.2), its object made by ``_built``, or with
    ``shared`` the one an earlier row of the read built from the same values."""
    if populator.reorder_for_init:
        values = populator.reorder_for_init(row)
    else:
        values = row[populator.cols_start : populator.cols_end]
    obj = None
    if values[populator.pk_idx] is not None:
        if shared is None or id(populator) not in shared.populators:
            obj = _related(populator, row, values, using, ways, shared)
        else:
            key = (id(populator), tuple(values))
            obj = shared.objects.get(key)
            if obj is None:
                obj = shared.objects[key] = _related(populator, row, values, using, ways, shared)
    populator.local_setter(from_obj, obj)
    if obj is not None:
        populator.remote_setter(obj, from_obj)


def _related(
    populator: RelatedPopulator,
    row: Any,
    values: Sequence[Any],
    using: str,
    ways: _Ways,
    shared: _Shared | None,
) -> Model:
    """The populator's object built from ``values``, with its own ``select_related`` ones."""
    obj = _built(populator.model_cls, using, populator.init_list, values, ways)
    for related in populator.related_populators:
        _populate(related, row, obj, using, ways, shared)
    return obj


# ``__init__``s besides ``Model.__init__`` whose only other work is a method they call on the
# object once its fields are set (django-fsm's records the state it was read in, for the
# concurrent-transition check on save).
_KNOWN_INITS: dict[Any, str] = {ConcurrentTransitionMixin.__init__: "_update_initial_state"}


@functools.cache
def _after_init(model: type[Model]) -> tuple[str, ...] | None:
    """The methods ``model``'s ``__init__`` calls after ``Model.__init__`` (``_KNOWN_INITS``),
    or None where ``from_db`` must build it: an ``__init__`` or ``from_db`` of its own."""
    if model.from_db.__func__ is not Model.from_db.__func__:  # type: ignore[attr-defined]
        return None
    after: list[str] = []
    for klass in model.__mro__:
        if klass is Model:
            return tuple(reversed(after))  # the innermost's first, as the ``super()`` calls run
        init = vars(klass).get("__init__")
        if init is None:
            continue
        if init not in _KNOWN_INITS:
            return None
        after.append(_KNOWN_INITS[init])
    return None  # not a model


def _built(
    model: type[M], using: str, names: Sequence[str], values: Sequence[Any], ways: _Ways
) -> M:
    """``model.from_db(using, names, values)``: the same object (its ``_state``, the fields
    read set through their descriptors in the model's order, the others deferred), without
    walking the model's every field twice (``from_db`` and ``Model.__init__`` each do);
    ``from_db`` itself where ``ways`` says so."""
    after = ways[model]
    if after is None:
        return model.from_db(using, names, values)
    obj = model.__new__(model)
    obj._state = ModelState()
    for name, value in zip(names, values, strict=True):
        setattr(obj, name, value)
    for method in after:
        getattr(obj, method)()
    obj._state.adding = False
    obj._state.db = using
    return obj


class KeptRows(Generic[M]):
    """A model queryset's SQL compiled once, run again with other values in the places of
    marked parameters: ``marks`` maps each mark, as the compiled parameters hold it (adapted
    for the database as the ORM adapts it), to the name of the value ``objects`` puts there.

    The caller builds the queryset with the marks in place of the values that change between
    runs and keeps one ``KeptRows`` per everything else the SQL text depends on (``kept``).
    The objects are built as ``QuerySet`` builds them (``from_db``, converters, the
    ``select_related`` populators, the annotations set as attributes; deferred fields stay
    deferred); no prefetching. A queryset the ORM answers empty without a query
    (``EmptyResultSet``) runs nothing and answers ``[]``. ``write_in`` and ``unseen``: as
    ``MarkedStatement.of``.

    ``shared``: rows that name the same related object through a foreign key (the programme,
    the track, the officer of a page of cases) get one object between them, built once, where
    ``QuerySet`` builds one per row; for rows that are read, never changed and saved (the
    queue's: a page of *Mine*, whose cases all name one officer, built 130 objects, now 55)."""

    def __init__(
        self,
        queryset: QuerySet[M],
        using: str,
        marks: Mapping[Hashable, str],
        *,
        write_in: bool = True,
        unseen: Collection[str] = (),
        shared: bool = False,
    ) -> None:
        self.using = using
        self.shared = shared
        self.places: tuple[tuple[int, str], ...] = ()  # the marks' places (``MarkedStatement``)
        try:
            self._compiled: _Compiled | None = _Compiled(queryset, using)
        except EmptyResultSet:
            self._compiled = None
            return
        self._statement = MarkedStatement.of(
            self._compiled.sql,
            self._compiled.params,
            marks,
            connections[using],
            write_in=write_in,
            unseen=unseen,
        )
        self.places = self._statement.places

    def statement(self, values: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
        """The SQL and the parameters with ``values`` in the marks' places (None: empty)."""
        if self._compiled is None:
            return None
        return self._statement.sql, self._statement.params_with(values)

    def objects(self, values: Mapping[str, Any]) -> list[M]:
        """The rows, with ``values`` (already adapted for the database) in the marks' places."""
        return read(self.read(values))

    def read(self, values: Mapping[str, Any]) -> Read[list[M]]:
        """``objects(values)`` as a ``Read``, to be sent with others (``read_together``)."""
        return Read(self.using, self.statement(values), self._built_from)

    def _built_from(self, answer: Answer) -> list[M]:
        compiled = self._compiled
        if compiled is None:
            return []
        rows = answer.rows
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        objects = []
        ways = _ways(compiled)
        shared = _Shared(compiled.shareable) if self.shared else None
        for row in rows:
            obj = _instance(compiled, row, self.using, ways, shared)
            for name, index in compiled.annotations.items():  # as QuerySet sets them
                setattr(obj, name, row[index])
            objects.append(obj)
        return objects


@dataclass(frozen=True)
class MarkedStatement:
    """Compiled SQL kept to be run again with other values in the places of marked parameters
    (``of``), each run's values put there by name (``params_with``)."""

    sql: str
    params: tuple[Any, ...]
    places: tuple[tuple[int, str], ...]  # (index among ``params``, name of the value put there)

    @classmethod
    def of(
        cls,
        sql: str,
        params: Sequence[Any],
        marks: Mapping[Hashable, str],
        connection: Any,
        *,
        all_marks: bool = True,
        write_in: bool = True,
        unseen: Collection[str] = (),
    ) -> MarkedStatement:
        """``sql`` with the places of the parameters that are marks (``marks``: each mark, as
        the compiled parameters hold it, adapted for the database as the ORM adapts it, to the
        name of the value a run puts there). Every mark must be found unless ``all_marks`` is
        false (an ORM that wrote a value some other way would make the marks wrong). With
        ``write_in``, on PostgreSQL every other value is written into the text
        (``with_values_written_in``), so that only the marks' places remain parameters, and
        the places of the marks named in ``unseen`` are kept from the planner (``(SELECT
        %s)``): the plan PostgreSQL makes for the values at hand is then the one for any
        values, and it keeps that one plan instead of planning again on every run."""
        places = [
            (index, marks[param])
            for index, param in enumerate(params)
            if isinstance(param, Hashable) and param in marks
        ]
        missing = set(marks.values()) - {name for _index, name in places}
        if missing and all_marks:
            raise AssertionError(f"marks not among the compiled parameters: {sorted(missing)}")
        if write_in and connection.vendor == "postgresql":
            unseen_at = {index for index, name in places if name in unseen}
            sql = with_values_written_in(
                sql, params, {index for index, _ in places}, connection, unseen=unseen_at
            )
            params = [params[index] for index, _name in places]
            places = [(at, name) for at, (_index, name) in enumerate(places)]
        return cls(sql, tuple(params), tuple(places))

    def params_with(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The parameters with ``values`` (by name, already adapted) in the marks' places."""
        params = list(self.params)
        for index, name in self.places:
            params[index] = values[name]
        return tuple(params)


# A parameter's place in SQL compiled for psycopg, or a percent sign written as two.
_PLACEHOLDER = re.compile(r"%s|%%")


def with_values_written_in(
    sql: str,
    params: Sequence[Any],
    keep: Collection[int],
    connection: Any,
    *,
    unseen: Collection[int] = (),
) -> str:
    """``sql`` with every parameter but those at the indexes ``keep`` written into its text as
    a literal, quoted by psycopg (``compose_sql``): PostgreSQL only.

    A prepared statement (psycopg prepares one once it has run five times on a connection) is
    planned once for all values (a "generic plan") only where that plan does not look dearer
    than one made for the values at hand; otherwise PostgreSQL plans it again on every run. The
    queue's rows are a wide join whose values but a page's cursor are the same on every run
    of one kept query, and at 100k cases PostgreSQL planned it on every page (1.4-2.5 ms;
    docs/performance.md, "The queue's rows planned once"). Written into the text, those
    values are known when the statement is first planned, and a first page (no cursor, no
    filter value) has no parameter left: its plan is made once per connection.

    A place kept whose index is in ``unseen`` is written ``(SELECT %s)``: a value the planner
    cannot see, even when it plans for the values at hand. PostgreSQL plans a prepared
    statement for its values five times, then compares the plan for any values with those; a
    value whose share of the rows varies (one officer's cases, one person's notifications)
    can make the plan for any values look dearer every time, and PostgreSQL then plans the
    statement again on every run (0.4-0.7 ms for the header's unread count and *Mine*'s count at
    100k cases, more than running them: docs/performance.md, "Statements planned on every
    run"). Unseen, the value gives every plan the same estimate, and from the sixth run the
    one plan is kept. Only for a value compared whole (``column = %s``), which still uses an
    index through the subquery's result."""
    at = 0

    def written(match: re.Match[str]) -> str:
        nonlocal at
        if match.group() == "%%":
            return "%%"
        index, at = at, at + 1
        if index in keep:
            return "(SELECT %s)" if index in unseen else "%s"
        # The literal goes back into SQL that psycopg formats: its own percent signs doubled.
        literal = str(connection.ops.compose_sql("%s", [params[index]]))
        return literal.replace("%", "%%")

    text = _PLACEHOLDER.sub(written, sql)
    if at != len(params):  # the SQL's places and the parameters do not match
        raise AssertionError(f"{at} places in the SQL for {len(params)} parameters")
    return text


class PreparedValues:
    """``build().filter(pk=…)`` of a ``values_list`` queryset, compiled once per thread and
    connection: the rows as tuples, with the columns' converters applied as Django applies
    them."""

    def __init__(self, build: Callable[[], QuerySet[Any]]) -> None:
        self._build = build
        self._local = threading.local()

    def _compiled(self, using: str) -> tuple[str, Any, dict[int, Any], Any]:
        connection = connections[using]
        cache: dict[tuple[str, int], tuple[str, Any, dict[int, Any], Any]]
        cache = self._local.__dict__.setdefault("cache", {})
        key = (using, id(connection))
        if key not in cache:
            queryset = self._build().filter(pk=_MARK)
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            if list(params) != [_MARK]:
                raise ValueError("PreparedValues needs a queryset whose only parameter is the id.")
            converters = compiler.get_converters([column[0] for column in compiler.select])
            cache[key] = (sql, compiler, converters, queryset.model)
        return cache[key]

    def rows(self, pk: Any, *, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
        sql, compiler, converters, model = self._compiled(using)
        key = _key(model, pk, connections[using])
        if key is None:
            return []
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [key])
            rows = cursor.fetchall()
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        return [tuple(row) for row in rows]


class KeptValues:
    """A ``values_list`` queryset's SQL compiled once (it holds no value that changes between
    runs; keep one per everything its text depends on, ``kept``): its rows as tuples, the
    columns' converters applied as Django applies them."""

    def __init__(self, queryset: QuerySet[Any], using: str) -> None:
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        self.sql, self.params, self.using, self._compiler = sql, tuple(params), using, compiler
        self._converters = compiler.get_converters([column[0] for column in compiler.select])

    def rows(self) -> list[tuple[Any, ...]]:
        return read(self.read())

    def read(self) -> Read[list[tuple[Any, ...]]]:
        """``rows()`` as a ``Read``, to be sent with others (``read_together``)."""
        return Read(self.using, (self.sql, self.params), self._converted)

    def _converted(self, answer: Answer) -> list[tuple[Any, ...]]:
        rows = answer.rows
        if self._converters:
            rows = list(self._compiler.apply_converters(rows, self._converters))
        return [tuple(row) for row in rows]


@dataclass(frozen=True)
class Answer:
    """A statement's rows (none for a ``Read`` with no statement). Not its columns' names:
    psycopg makes an object for each column whenever they are asked for, some sixty a queue
    page, and every read here knows its columns' order."""

    rows: list[Any]


_NO_ANSWER = Answer([])


@dataclass(frozen=True)
class Read(Generic[T]):
    """One statement on the database ``using`` with a run's values in place (``statement``: its
    SQL and parameters) and what its answer becomes (``result``). Run alone (``read``) or with
    others that do not wait on it (``read_together``). With no statement, ``result`` gets an
    empty answer: a read that finds nothing without asking (the ORM's ``EmptyResultSet``), or
    one that runs its own queries there (a search, compiled for its text)."""

    using: str
    statement: tuple[str, Sequence[Any]] | None
    result: Callable[[Answer], T]

    def then(self, after: Callable[[T], U]) -> Read[U]:
        """The same statement, its result passed through ``after``."""
        result = self.result
        return Read(self.using, self.statement, lambda answer: after(result(answer)))


def read(one: Read[T]) -> T:
    """What ``one`` reads: its statement run, its answer turned into its result."""
    if one.statement is None:
        return one.result(_NO_ANSWER)
    with connections[one.using].cursor() as cursor:
        cursor.execute(*one.statement)
        answer = _answer(cursor)
    return one.result(answer)


def _answer(cursor: Any) -> Answer:
    return Answer(cursor.fetchall())


@overload
def read_together(first: Read[T], second: Read[U], /) -> tuple[T, U]: ...
@overload
def read_together(first: Read[T], second: Read[U], third: Read[V], /) -> tuple[T, U, V]: ...
@overload
def read_together(
    first: Read[T], second: Read[U], third: Read[V], fourth: Read[W], /
) -> tuple[T, U, V, W]: ...
def read_together(*reads: Read[Any]) -> tuple[Any, ...]:
    """What each of ``reads`` reads, in order. On PostgreSQL the statements of those on one
    database go out together in psycopg's pipeline mode and their answers come back together:
    one round trip for all of them instead of one each. The database runs them one after
    another on the connection, as it would have; each answer is the one that statement alone
    gives (outside a transaction they share an implicit one up to the answer, and under read
    committed each statement still reads a snapshot of its own). Only for reads that do not
    need one another's answers. Elsewhere (SQLite, one statement) they run one by one. A
    statement that fails raises Django's error, as it would alone; the ones sent with it are
    dropped (in a transaction, the transaction is failed anyway)."""
    sent = [one for one in reads if one.statement is not None]
    using = {one.using for one in sent}
    connection = connections[using.pop()] if len(using) == 1 else None
    if len(sent) < 2 or connection is None or connection.vendor != "postgresql":
        return tuple(read(one) for one in reads)
    rows = sent_together(connection, [one.statement for one in sent if one.statement is not None])
    answers = {id(one): Answer(found or []) for one, found in zip(sent, rows, strict=True)}
    return tuple(one.result(answers.get(id(one), _NO_ANSWER)) for one in reads)


def sent_together(
    connection: Any, statements: Sequence[tuple[str, Sequence[Any]]]
) -> list[list[Any] | None]:
    """Each statement's rows (``None`` for one that returns none), the statements sent on
    ``connection`` (PostgreSQL) in psycopg's pipeline mode: one round trip for all of them. The
    server runs them one after another, as it would have. The rows are read once the pipeline
    has closed: its closing sends the statements and the sync together and takes every answer
    back at once, where a fetch inside it would wait for the answers and again for the sync. A
    statement that fails raises Django's error when the pipeline closes."""
    connection.ensure_connection()
    with contextlib.ExitStack() as stack:
        stack.enter_context(connection.wrap_database_errors)  # psycopg's, as Django's own
        cursors = [stack.enter_context(connection.cursor()) for _statement in statements]
        with connection.connection.pipeline():
            for cursor, statement in zip(cursors, statements, strict=True):
                cursor.execute(*statement)
        return [None if cursor.description is None else cursor.fetchall() for cursor in cursors]


_KEPT_LOCK = threading.Lock()


def kept(
    store: OrderedDict[Hashable, T], key: Hashable, compile_: Callable[[], T], *, limit: int
) -> T:
    """``store[key]``, compiled by ``compile_`` the first time (least recently used dropped past
    ``limit``). Two threads may both compile a new key: they write the same text."""
    with _KEPT_LOCK:
        if key in store:
            store.move_to_end(key)
            return store[key]
    compiled = compile_()
    with _KEPT_LOCK:
        store[key] = compiled
        while len(store) > limit:
            store.popitem(last=False)
    return compiled
