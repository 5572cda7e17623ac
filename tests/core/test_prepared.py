"""``core.prepared.PreparedGet`` returns what ``QuerySet.get`` returns, field for field and
with the same related objects loaded, while compiling its SQL once (docs/performance.md)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import connection, transaction
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from applications.selectors import application_get_for
from applications.services.kernel import application_row_lock
from applications.workflow import ApplicationStatus as S
from core.prepared import _MARK, PreparedGet
from tests.builders import draft, drive

RELATED = ("program", "track", "organization", "assigned_officer")


def _with_links():
    return Application.objects.select_related(*RELATED)


def _values(obj):
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def _same(prepared, ordinary):
    assert type(prepared) is type(ordinary)
    assert _values(prepared) == _values(ordinary)
    assert prepared._state.adding is False and prepared._state.db == ordinary._state.db
    for name in RELATED:
        field = Application._meta.get_field(name)
        assert field.is_cached(prepared) == field.is_cached(ordinary), name
        mine, theirs = getattr(prepared, name), getattr(ordinary, name)
        assert (mine is None) == (theirs is None), name
        if theirs is not None:
            assert _values(mine) == _values(theirs), name


def test_a_prepared_get_returns_what_get_returns(world):
    prepared = PreparedGet(_with_links)
    for app in (draft(world), drive(world, S.UNDER_REVIEW)):  # without and with an officer
        ordinary = _with_links().get(pk=app.pk)
        with CaptureQueriesContext(connection) as captured:
            mine = prepared.get(app.pk)
        assert len(captured.captured_queries) == 1
        _same(mine, ordinary)
        assert mine.company_profile == ordinary.company_profile  # JSON, converted alike
    assert drive(world, S.UNDER_REVIEW).assigned_officer is not None


def test_it_compiles_once_and_then_only_runs(world):
    prepared = PreparedGet(_with_links)
    first, second = draft(world), draft(world, title="다른 사건")
    prepared.get(first.pk)
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True) as as_sql:
        again = prepared.get(second.pk)
    as_sql.assert_not_called()
    assert again.pk == second.pk and again.title == "다른 사건"


def test_no_such_row_is_the_models_does_not_exist(world):
    prepared = PreparedGet(_with_links)
    with pytest.raises(Application.DoesNotExist):
        prepared.get(10**9)
    with pytest.raises(ValueError):  # as get(pk="x"): not a number
        prepared.get("x")
    with pytest.raises(Application.DoesNotExist):  # as get(): an id too large for the column
        prepared.get(10**25)
    with pytest.raises(Application.DoesNotExist):
        _with_links().get(pk=10**25)


def test_a_queryset_with_other_parameters_is_refused(world):
    prepared = PreparedGet(lambda: Application.objects.filter(status=S.DRAFT))
    with pytest.raises(ValueError):
        prepared.get(1)


def test_the_case_lookups_use_it_and_agree_with_the_orm(world):
    app = drive(world, S.UNDER_REVIEW)
    _same(application_get_for(user=world.officer, pk=app.pk), _with_links().get(pk=app.pk))
    with transaction.atomic():
        locked = application_row_lock(app)
        ordinary = Application.objects.select_related("program", "track").get(pk=app.pk)
    assert _values(locked) == _values(ordinary)
    assert _values(locked.program) == _values(ordinary.program)
    assert _values(locked.track) == _values(ordinary.track)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_lock_still_needs_a_transaction_and_still_locks(world):
    app = draft(world)
    with pytest.raises(TransactionManagementError):
        application_row_lock(app)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        application_row_lock(app)
    (sql,) = [q["sql"] for q in captured.captured_queries if "applications_application" in q["sql"]]
    assert sql.endswith('FOR UPDATE OF "applications_application"'), sql


def test_prepared_values_return_what_values_list_returns(world):
    from django.contrib.auth import get_user_model

    from core.prepared import PreparedValues

    def build():
        return get_user_model().objects.values_list("groups__name", "memberships__organization_id")

    prepared = PreparedValues(build)
    for user in (world.applicant, world.officer, world.auditor):
        ordinary = sorted(build().filter(pk=user.pk), key=repr)
        with CaptureQueriesContext(connection) as captured:
            assert sorted(prepared.rows(user.pk), key=repr) == ordinary
        assert len(captured.captured_queries) == 1
    assert prepared.rows(10**9) == []
    assert prepared.rows(10**25) == [] == list(build().filter(pk=10**25))


def test_kept_values_return_what_values_list_returns_run_after_run(world):
    """``KeptValues``: compiled once, each run reads the rows as they are then, converted as
    ``values_list`` converts them (dates and decimals included)."""
    from core.prepared import KeptValues

    def build():
        return Application.objects.order_by("pk").values_list(
            "pk", "title", "created_at", "status", "program__code"
        )

    query = KeptValues(build(), "default")
    assert query.rows() == list(build())
    draft(world, title="50% 할인 — it's")
    with CaptureQueriesContext(connection) as captured:
        rows = query.rows()
    assert len(captured.captured_queries) == 1
    assert rows == list(build()) and rows[-1][1] == "50% 할인 — it's"


def test_roles_and_organisations_are_read_together_once(world):
    from django.contrib.auth import get_user_model

    from applications.roles import Role, organisations_of, roles_of

    user = get_user_model().objects.get(pk=world.applicant.pk)
    with CaptureQueriesContext(connection) as captured:
        assert roles_of(user) == {Role.APPLICANT}
        assert organisations_of(user) == {world.organization.pk}
        assert roles_of(user) == {Role.APPLICANT}
    assert len(captured.captured_queries) == 1
    officer = get_user_model().objects.get(pk=world.officer.pk)
    assert organisations_of(officer) == frozenset()
    assert roles_of(officer) == {Role.CASE_OFFICER}


# --- KeptRows: the values that never change written into the SQL (PostgreSQL) ---------------


def test_kept_rows_run_with_the_marked_values_alone_and_find_what_the_queryset_finds(world):
    """The constant values go into the SQL's text on PostgreSQL (quoted by psycopg: a quote, a
    percent sign and a backslash in them change nothing), so only the marked ones travel as
    parameters; the rows are the queryset's for every value put in the mark's place."""
    from core.prepared import KeptRows

    awkward = "50% 할인 — it's \\ 'quoted' %s %%"
    matching = [draft(world, title=awkward) for _ in range(3)]
    draft(world, title="다른 사건")

    def queryset(pk):
        return Application.objects.filter(title=awkward, pk__gte=pk).order_by("pk")

    rows = KeptRows(queryset(_MARK), "default", {_MARK: "pk"})
    sql, params = rows.statement({"pk": matching[1].pk})
    if connection.vendor == "postgresql":
        assert params == (matching[1].pk,)  # the title is in the text, the mark is not
        assert "50%% " in sql and "it''s" in sql
    else:
        assert params == (matching[1].pk, awkward)
    for start in (matching[0].pk, matching[1].pk, matching[2].pk + 1):
        with CaptureQueriesContext(connection) as captured:
            found = rows.objects({"pk": start})
        assert len(captured.captured_queries) == 1
        assert [app.pk for app in found] == list(queryset(start).values_list("pk", flat=True))
        assert all(app.title == awkward for app in found)
    # Asked not to, it writes nothing in: every value stays a parameter, the rows the same.
    apart = KeptRows(queryset(_MARK), "default", {_MARK: "pk"}, write_in=False)
    assert apart.places == ((0, "pk"),) and apart.statement({"pk": 1})[1] == (1, awkward)
    assert [app.pk for app in apart.objects({"pk": matching[1].pk})] == [
        app.pk for app in matching[1:]
    ]


@pytest.mark.postgres
def test_values_written_in_keep_the_places_asked_for_and_refuse_a_mismatch(db):
    from core.prepared import with_values_written_in

    sql = "SELECT %s, %s, '100%%', %s"
    text = with_values_written_in(sql, ["a'b", 7, dt.date(2026, 12, 3)], {1}, connection)
    assert text.startswith("SELECT 'a''b', %s, '100%%', '2026-12-03'::date")
    with connection.cursor() as cursor:
        cursor.execute(text, [8])
        assert cursor.fetchone() == ("a'b", 8, "100%", dt.date(2026, 12, 3))
    with pytest.raises(AssertionError, match="2 places in the SQL for 3 parameters"):
        with_values_written_in("SELECT %s, %s", [1, 2, 3], set(), connection)
    # A place kept unseen is a value the planner cannot see, and still the value run.
    unseen = with_values_written_in("SELECT %s, %s", [7, 8], {0, 1}, connection, unseen={1})
    assert unseen == "SELECT %s, (SELECT %s)"
    with connection.cursor() as cursor:
        cursor.execute(unseen, [9, 10])
        assert cursor.fetchone() == (9, 10)


def test_a_marked_statement_puts_each_runs_values_in_its_marks_places(db):
    """``MarkedStatement``: the marks found among the parameters wherever they are, each run's
    values put there by name; a mark the SQL lacks is an error unless the caller allows it; on
    PostgreSQL only the marks' places stay parameters (unless asked not to write values in)."""
    from core.prepared import MarkedStatement

    sql, params = "SELECT %s, %s, %s, %s", ["x", _MARK, 7, _MARK]
    statement = MarkedStatement.of(sql, params, {_MARK: "officer"}, connection)
    with connection.cursor() as cursor:
        for officer in (11, 12):
            cursor.execute(statement.sql, statement.params_with({"officer": officer}))
            assert cursor.fetchone() == ("x", officer, 7, officer)
    if connection.vendor == "postgresql":
        assert statement.params == (_MARK, _MARK) and "'x'" in statement.sql
    else:
        assert statement.params == ("x", _MARK, 7, _MARK)
    unseen = MarkedStatement.of(sql, params, {_MARK: "officer"}, connection, unseen={"officer"})
    with connection.cursor() as cursor:
        cursor.execute(unseen.sql, unseen.params_with({"officer": 13}))
        assert cursor.fetchone() == ("x", 13, 7, 13)
    if connection.vendor == "postgresql":
        assert unseen.sql == "SELECT 'x', (SELECT %s), 7, (SELECT %s)"
    else:  # nothing written in, nothing hidden: SQLite plans every statement anew
        assert unseen.sql == sql
    kept_apart = MarkedStatement.of(sql, params, {_MARK: "officer"}, connection, write_in=False)
    assert kept_apart.sql == sql and kept_apart.params_with({"officer": 3}) == ("x", 3, 7, 3)
    with pytest.raises(AssertionError, match="marks not among the compiled parameters"):
        MarkedStatement.of("SELECT %s", ["x"], {_MARK: "officer"}, connection)
    none_marked = MarkedStatement.of(
        "SELECT %s", ["x"], {_MARK: "officer"}, connection, all_marks=False
    )
    assert none_marked.places == ()
    assert none_marked.params_with({}) == (() if connection.vendor == "postgresql" else ("x",))


# --- the objects: built as ``from_db`` builds them, without its walk over every field ---------


def _own(obj):
    """Everything an object holds but its state (compared apart) and its cached relations."""
    return {name: value for name, value in obj.__dict__.items() if name != "_state"}


def _built_alike(mine, theirs):
    assert type(mine) is type(theirs)
    assert _own(mine) == _own(theirs)
    assert mine.get_deferred_fields() == theirs.get_deferred_fields()
    assert (mine._state.adding, mine._state.db) == (theirs._state.adding, theirs._state.db)
    assert mine._state.fields_cache.keys() == theirs._state.fields_cache.keys()
    for name, related in theirs._state.fields_cache.items():
        if related is None:
            assert mine._state.fields_cache[name] is None
        else:
            _built_alike(mine._state.fields_cache[name], related)


def test_objects_hold_what_the_querysets_objects_hold(world):
    """Rows read with most fields deferred (as the queue reads them) and whole (as the case
    lookups read them), with and without an officer: every attribute the queryset's own
    objects have, django-fsm's record of the state read included, the same fields deferred,
    the related objects the same way."""
    from core.prepared import KeptRows
    from reviews.selectors import TABLE_COLUMNS

    apps = [draft(world), drive(world, S.UNDER_REVIEW), drive(world, S.APPROVED)]
    pks = [app.pk for app in apps]
    narrow = _with_links().only(*TABLE_COLUMNS).filter(pk__gte=_MARK).order_by("pk")
    kept = KeptRows(narrow, "default", {_MARK: "pk"}).objects({"pk": min(pks)})
    ordinary = list(narrow.filter(pk__gte=min(pks)))
    assert [app.pk for app in kept] == pks and len(ordinary) == 3
    for mine, theirs in zip(kept, ordinary, strict=True):
        _built_alike(mine, theirs)
        assert "business_model" in mine.get_deferred_fields()
    assert "_ConcurrentTransitionMixin__initial_states" in _own(kept[1])
    whole = PreparedGet(_with_links)
    for pk in pks:
        _built_alike(whole.get(pk), _with_links().get(pk=pk))


def test_shared_rows_hold_what_the_querysets_hold_with_one_object_per_related_row(world):
    """Read ``shared`` (as the queue's rows are), the rows that name one programme, track,
    organisation or officer hold one object of it, built once; each object still holds what
    the queryset's own does. A one-to-one's object is never shared (its reverse side is set),
    and a read that is not ``shared`` builds one per row, as the queryset does."""
    from core.prepared import KeptRows
    from reviews.selectors import TABLE_COLUMNS
    from supervision.models import CaseAttention

    apps = [drive(world, S.UNDER_REVIEW) for _ in range(3)] + [draft(world), draft(world)]
    Application.objects.filter(pk=apps[2].pk).update(assigned_officer=world.other_officer)
    pks = [app.pk for app in apps]
    narrow = _with_links().only(*TABLE_COLUMNS).filter(pk__gte=_MARK).order_by("pk")
    shared = KeptRows(narrow, "default", {_MARK: "pk"}, shared=True).objects({"pk": min(pks)})
    ordinary = list(narrow.filter(pk__gte=min(pks)))
    assert [app.pk for app in shared] == pks
    for mine, theirs in zip(shared, ordinary, strict=True):
        _built_alike(mine, theirs)
    first, second, other, unassigned, _ = shared
    assert first.program is unassigned.program and first.track is second.track
    assert first.organization is unassigned.organization
    assert first.assigned_officer is second.assigned_officer is not None
    assert other.assigned_officer is not first.assigned_officer
    assert (
        other.assigned_officer.pk == world.other_officer.pk and unassigned.assigned_officer is None
    )
    apart = KeptRows(narrow, "default", {_MARK: "pk"}).objects({"pk": min(pks)})
    assert apart[0].program is not apart[1].program
    for app in apps[:2]:
        CaseAttention.objects.create(application=app, work=True)
    attention = CaseAttention.objects.select_related("application").filter(application__gte=_MARK)
    read = KeptRows(attention, "default", {_MARK: "pk"}, shared=True)
    assert read._compiled is not None and not read._compiled.shareable
    found = read.objects({"pk": min(pks)})
    assert [row.application.attention for row in found] == found  # each its own, set back


def test_a_case_read_so_still_refuses_a_save_over_a_change_it_did_not_see(world):
    """django-fsm's concurrent-transition check needs the state the object was read in."""
    from django_fsm import ConcurrentTransition

    from applications import services

    app = draft(world)
    stale = PreparedGet(_with_links).get(app.pk)
    services.application_submit(application=app, by=world.applicant)
    stale.title = "읽은 뒤에 바뀐 사본"
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.status, fresh.title) == (S.SUBMITTED, app.title)


def test_init_signal_receivers_still_hear_of_every_object(world):
    """A model with ``pre_init`` or ``post_init`` receivers is built by ``from_db`` itself."""
    from django.db.models.signals import post_init, pre_init

    from applications.models import Program

    app = drive(world, S.UNDER_REVIEW)
    heard = []

    def before(sender, **kwargs):
        heard.append(("pre", sender))

    def after(sender, instance, **kwargs):
        heard.append(("post", sender, instance.pk))

    for signal, receiver in ((pre_init, before), (post_init, after)):
        signal.connect(receiver, sender=Program)
        try:
            heard.clear()
            read = PreparedGet(_with_links).get(app.pk)
            # The programme alone: the case and the others have no receivers.
            expected = ("pre", Program) if signal is pre_init else ("post", Program, app.program_id)
            assert heard == [expected]
            _built_alike(read, _with_links().get(pk=app.pk))
        finally:
            signal.disconnect(receiver, sender=Program)


# --- Reads sent together (``read_together``) ----------------------------------------------------


def pipelined_statements():
    """A recorder of each statement the connection runs (``execute_wrapper``), and whether it
    ran in psycopg's pipeline mode (sent without waiting for the one before)."""
    ran: list[tuple[str, bool]] = []

    def record(execute, sql, params, many, context):
        used = context["connection"]
        in_pipeline = used.vendor == "postgresql" and bool(used.connection.pgconn.pipeline_status)
        ran.append((sql, in_pipeline))
        return execute(sql, params, many, context)

    return ran, record


def _four_reads(world):
    """Reads of each kind ``read_together`` takes: model objects, a values list, a count and
    one with no statement, each with what it should come back with."""
    from core.prepared import Answer, KeptRows, KeptValues, Read

    cases = KeptRows(
        Application.objects.filter(pk__gte=_MARK).order_by("pk"), "default", {_MARK: "pk"}
    )
    codes = KeptValues(Application.objects.order_by("-pk").values_list("pk", "title"), "default")
    count = Read(
        "default",
        ("SELECT COUNT(*) AS n FROM applications_application WHERE status = %s", [S.DRAFT]),
        lambda answer: answer.rows[0][0],
    )
    nothing: Read[Answer] = Read("default", None, lambda answer: answer)
    first = min(Application.objects.values_list("pk", flat=True))
    expected = (
        list(Application.objects.filter(pk__gte=first + 1).order_by("pk")),
        list(Application.objects.order_by("-pk").values_list("pk", "title")),
        Application.objects.filter(status=S.DRAFT).count(),
        Answer([]),
    )
    return (cases.read({"pk": first + 1}), codes.read(), count, nothing), expected


def test_reads_sent_together_come_back_as_each_would_alone(world):
    """Each result is the one its read gives alone, in the order asked, whatever the kind; on
    PostgreSQL all the statements ran in one pipeline, on SQLite one by one."""
    from core.prepared import read, read_together

    for index in range(3):
        draft(world, title=f"함께 읽기 {index}")
    drive(world, S.SUBMITTED)
    reads, expected = _four_reads(world)
    alone = tuple(read(one) for one in reads)
    ran, record = pipelined_statements()
    with connection.execute_wrapper(record):
        together = read_together(*reads)
    assert together == alone == expected
    assert [app.title for app in together[0]] == [app.title for app in expected[0]]
    assert len(ran) == 3  # the read with no statement sent nothing
    assert all(in_pipeline for _sql, in_pipeline in ran) == (connection.vendor == "postgresql")


def test_a_read_with_its_result_passed_on_and_one_read_alone_send_one_statement(world):
    from core.prepared import KeptValues, read_together

    draft(world, title="하나")
    titles = KeptValues(Application.objects.order_by("pk").values_list("title"), "default")
    ran, record = pipelined_statements()
    with connection.execute_wrapper(record):
        (found,) = read_together(titles.read().then(lambda rows: [row[0] for row in rows]))
    assert found == list(Application.objects.order_by("pk").values_list("title", flat=True))
    assert [in_pipeline for _sql, in_pipeline in ran] == [False]  # nothing to send it with


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failing_read_raises_as_alone_and_the_connection_goes_on(world):
    """A statement that fails in the pipeline raises Django's error, as it would alone; the
    others are dropped with it and the connection answers the next request."""
    from django.db import DataError

    from core.prepared import Read, read_together

    draft(world, title="남는 것")

    def first(answer):
        return answer.rows[0][0]

    good = Read("default", ("SELECT COUNT(*) FROM applications_application", []), first)
    bad = Read("default", ("SELECT 1 / %s", [0]), first)
    with pytest.raises(DataError, match="division by zero"):
        read_together(good, bad)
    assert read_together(good, good) == (1, 1)
    assert Application.objects.filter(title="남는 것").exists()
