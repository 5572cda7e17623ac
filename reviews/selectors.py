"""Reads for the review workspace: the queue (scoped by ministry and role, one tab at a time),
per-tab counts, officers' workload, the deadlines calendar and the case page's related rows.

Every function here runs a fixed number of queries whatever the number of cases, and what the
queue page reads does not grow with it either: the page is a keyset page (``queue_page``: no
OFFSET, no count of the scope) and every count it shows stops at ``COUNT_CAP`` ("100+"), like
the public register's (docs/review.md, "The queue at scale"). The tab counts' SQL depends only
on who asks and on the programmes' dates, so it is compiled once per process for each of those
(``tab_counts``) and run with nothing else built; so is a page's rows' SQL (``queue_page_for``),
with the cursor's and filters' values put in as parameters (a search's text excepted: it is
written into its SQL, ``case_text_q``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import OrderedDict
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import (
    Count,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications import tally
from applications.models import (
    Application,
    Consultation,
    ConsultationStatus,
    ExtensionRequest,
    LawAmendmentRequest,
    Program,
    RequestStatus,
    SupplementRequest,
    in_active_language,
)
from applications.roles import Role, has_role, ministry_of
from applications.selectors import case_text_q, programme_days, programme_zones
from applications.visibility import scope_of
from applications.workflow import IN_FORCE, OPEN_FOR_OFFICER, RUNNING_CLOCK, TERM_RUNNING
from applications.workflow import ApplicationStatus as S
from core.forms import plain_int
from core.keyset import (
    PREVIOUS,
    BadCursor,
    KeysetPage,
    ValueKind,
    decode_cursor,
    encode_cursor,
    keyset_page,
    page_of,
)
from core.prepared import Answer, KeptRows, KeptValues, MarkedStatement, Read, kept, read
from core.queries import pk_among
from reviews.models import SavedFilter
from sanctions import selectors as sanctions_selectors
from supervision import selectors as supervision_selectors

IN_REVIEW = (S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW, S.DELIBERATION)
PAGE_SIZE = 25
# Counts on the queue page stop here ("100+"): counting further would read more of the scope per
# request, and past a hundred cases what an officer needs to know is "more than a hundred" (exact
# figures are the dashboard's). Each tab's count then reads at most 101 index entries or rows, as
# many at 100,000 cases as at 1,000 (issue 18).
COUNT_CAP = 100
# The workload panel's figures stop earlier: thirty of them on every page, and past a hundred
# cases the exact number is the dashboard's business.
WORKLOAD_CAP = 100


@dataclass(frozen=True)
class Tab:
    slug: str
    label: Promise


TABS: tuple[Tab, ...] = (
    Tab("new", _("New (intake)")),
    Tab("mine", _("Mine")),
    Tab("consultations", _("Consultations to answer")),
    Tab("decision", _("Awaiting decision")),
    Tab("active", _("Active waivers")),
    Tab("supervision", _("Supervision")),
    Tab("all", _("All")),
)
TAB_SLUGS = frozenset(t.slug for t in TABS)

SORTS: dict[str, Promise] = {
    "deadline": _("Deadline (soonest first)"),
    "-deadline": _("Deadline (latest first)"),
    "-submitted": _("Newest submissions first"),
    "submitted": _("Oldest submissions first"),
    "reference": _("Reference"),
}


@dataclass
class QueueFilters:
    status: str = ""
    track: int | None = None
    program: int | None = None
    assignee: str = ""  # a user id, "none" for unassigned, or "" for anyone
    overdue: bool = False
    q: str = ""
    sort: str = "deadline"


def default_tab(user: Any) -> str:
    """Where each role starts: intake for officers, its own work for the others."""
    if has_role(user, Role.CASE_OFFICER):
        return "new"
    if has_role(user, Role.DECISION_MAKER):
        return "decision"
    if has_role(user, Role.CONSULTEE):
        return "consultations"
    return "all"


def scope_q(user: Any, prefix: str = "") -> Q:
    """Cases this user may see in the workspace: what they may read as staff (their ministry's
    programmes and the cases it is consulted on; everything for auditors), never drafts."""
    return scope_of(user).as_staff().q(prefix) & ~Q(**{f"{prefix}status": S.DRAFT})


def tab_in_scope(user: Any, tab: str, condition: Q) -> Q:
    """The cases of one tab (``condition``: its ``tab_q``) that the user may see.

    A pending consultation of the user's ministry puts its case in that ministry's scope (a
    ministry reads every case it is consulted on), so the *Consultations* tab needs no test of
    the scope beyond "not a draft": PostgreSQL then reads the ministry's pending consultations
    and nothing else (at 100k cases, its count 0.9 → 0.2 ms and its rows 4.3 → 3.1 ms; issue 18).
    ``tests/reviews/test_queue_counts.py`` holds every tab equal to the scope and the condition
    together."""
    if tab == "consultations":
        return ~Q(status=S.DRAFT) & condition
    return scope_q(user) & condition


def tab_parts(
    user: Any, tab: str, condition: Q, led_programmes: Collection[int] | None = None
) -> list[Q]:
    """``tab_in_scope`` as filters that never hold the same case (``Scope.parts``: the
    ministry's led cases, then those it is consulted on but does not lead), for a count that
    reads them in turn and stops once it has enough. ``led_programmes``: as for
    ``Scope.parts``."""
    if tab == "consultations":
        return [tab_in_scope(user, tab, condition)]
    submitted = ~Q(status=S.DRAFT)
    parts = scope_of(user).as_staff().parts(led_programmes)
    return [part & submitted & condition for part in parts]


def _pending_consultation_for(ministry_id: int) -> Q:
    # A join (one pending consultation per case and ministry: no duplicates) rather than "id IN
    # (…)": PostgreSQL can then start from the ministry's pending consultations, and the tab's
    # capped count reads ~100 of them instead of walking the cases until it has found 100
    # (4.2 → 1.4 ms of every queue page at 100k cases with their casework; issue 18).
    return Q(
        consultations__ministry_id=ministry_id,
        consultations__status=ConsultationStatus.PENDING,
    )


def _pending_request() -> Q:
    return pk_among(
        ExtensionRequest.objects.filter(status=RequestStatus.PENDING).values("application_id"),
        model=Application,
    ) | pk_among(
        LawAmendmentRequest.objects.filter(status=RequestStatus.PENDING).values("application_id"),
        model=Application,
    )


# The statuses a tab holds, where that is its whole condition or a part of it on its own: what
# ``tab_q`` tests on the cases (*Mine* with its officer besides, *Awaiting decision* ORed with its
# pending requests and sanctions), and what ``_count_parts`` counts from the case tally
# (``applications.tally``, whose status field has the same name) in the programmes a scope holds
# whole, a few rows whatever the number of cases. *All*'s is the scope's own (never a draft).
_TAB_STATUSES: dict[str, Q] = {
    "new": Q(status=S.SUBMITTED),
    "mine": Q(status__in=OPEN_FOR_OFFICER),
    "decision": Q(status=S.DELIBERATION),
    "active": Q(status__in=TERM_RUNNING),
    "all": ~Q(status=S.DRAFT),
}


def tab_q(
    user: Any, tab: str, today: Mapping[int, dt.date] | None = None, *, officer: int | None = None
) -> Q:
    """What each tab holds (within the user's scope). ``today``: each programme's current date
    (``programme_days``) if already known; the *Awaiting decision* condition reads it.
    ``officer``: the id *Mine* compares with, the user's unless given (the kept SQL is compiled
    with a mark there, ``_MARK_OFFICER``, and the user's id is sent as a parameter).

    Every condition can be read from an index, or from a small table first, whether the tab
    holds few cases or many (a condition PostgreSQL can only test case by case reads the whole
    scope when the tab holds fewer than a page or a count's cap: ``pk_among``,
    ``supervision.selectors.attention_q``; docs/performance.md, "Tabs that hold few cases")."""
    ministry = ministry_of(user)
    if tab == "new":
        return _TAB_STATUSES["new"]
    if tab == "mine":
        mine = user.pk if officer is None else officer
        return Q(assigned_officer_id=mine) & _TAB_STATUSES["mine"]
    if tab == "consultations":
        return _pending_consultation_for(ministry.pk) if ministry else Q(pk__in=[])
    if tab == "decision":
        return (
            _TAB_STATUSES["decision"]
            | (Q(status__in=IN_FORCE) & _pending_request())
            | sanctions_selectors.awaiting_decision_q(today)
        )
    if tab == "active":
        return _TAB_STATUSES["active"]
    if tab == "supervision":
        return supervision_selectors.attention_q()
    return Q()


def tab_conditions(
    user: Any, today: Mapping[int, dt.date] | None = None, *, officer: int | None = None
) -> dict[str, Q]:
    """Every tab's condition for this user (``today`` and ``officer`` as for ``tab_q``)."""
    if today is None:
        today = programme_days(programme_zones())
    return {tab.slug: tab_q(user, tab.slug, today, officer=officer) for tab in TABS}


def overdue_q(now: dt.datetime) -> Q:
    """The statutory clock is running and its deadline has passed."""
    return Q(status__in=RUNNING_CLOCK, due_at__lt=now, clock_paused_at__isnull=True)


# The *Consultations* tab's deadline: when the ministry's own opinion is due (the pending
# consultation's ``due_at``), annotated on each of its cases (``review_queue_for``).
OPINION_DUE = "opinion_due"


def deadline_column(tab: str) -> str:
    """The deadline a tab's rows show and are first ordered by: the waiver's term end on
    *Active waivers*, the ministry's opinion's due date on *Consultations to answer* (what the
    consulted ministry has to meet; and read from its own index, 26 entries for a first page
    at any size: issue 18), the statutory clock's elsewhere."""
    return {"active": "term_end", "consultations": OPINION_DUE}.get(tab, "due_at")


def sort_key(tab: str, sort: str) -> tuple[str, bool]:
    """The column a queue view is ordered by and whether descending (the id breaks ties in the
    same direction; empty values come last either way)."""
    deadline = deadline_column(tab)
    return {
        "-deadline": (deadline, True),
        "-submitted": ("submitted_at", True),
        "submitted": ("submitted_at", False),
        "reference": ("reference", False),
    }.get(sort, (deadline, False))


def _ordering(column: str, descending: bool) -> list[Any]:
    if descending:
        return [F(column).desc(nulls_last=True), "-pk"]
    return [F(column).asc(nulls_last=True), "pk"]


def review_queue_for(
    *,
    user: Any,
    tab: str,
    filters: QueueFilters,
    now: dt.datetime | None = None,
    conditions: dict[str, Q] | None = None,
    today: Mapping[int, dt.date] | None = None,
) -> QuerySet[Application]:
    """One tab of the queue for this user: scoped, filtered, searched and sorted (by deadline
    unless asked otherwise). Related rows shown in the table are joined, not fetched per row.
    ``conditions``: the tabs' conditions when already built (``tab_conditions``); ``today``:
    the programmes' dates when already read (``programme_days``)."""
    now = now or timezone.now()
    tab = tab if tab in TAB_SLUGS else "all"
    condition = conditions[tab] if conditions is not None else tab_q(user, tab, today)
    qs = Application.objects.filter(tab_in_scope(user, tab, condition))
    if tab == "consultations":
        # the pending consultation the tab's condition joined (one per case and ministry)
        qs = qs.annotate(**{OPINION_DUE: F("consultations__due_at")})
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.track:
        qs = qs.filter(track_id=filters.track)
    if filters.program:
        qs = qs.filter(program_id=filters.program)
    if filters.assignee == "none":
        qs = qs.filter(assigned_officer__isnull=True)
    elif plain_int(filters.assignee) is not None:
        qs = qs.filter(assigned_officer_id=plain_int(filters.assignee))
    if filters.overdue:
        qs = qs.filter(overdue_q(now))
    text = filters.q.strip()
    if text:
        qs = qs.filter(case_text_q(text))
    return qs.select_related("program", "track", "organization", "assigned_officer").order_by(
        *_ordering(*sort_key(tab, filters.sort))
    )


# --- one page of the queue (keyset) --------------------------------------------------------------


# The columns the queue's table shows or works out (days left, the cursor's sort value): a page
# reads these 25 of the 126 columns of its rows and their related rows (``shown_columns``).
TABLE_COLUMNS = (
    "reference",
    "title",
    "status",
    "due_at",
    "clock_paused_at",
    "term_end",
    "submitted_at",
    "program__name",
    "program__name_en",
    "program__time_zone",
    "track__name",
    "track__name_en",
    "organization__name",
    "assigned_officer__first_name",
    "assigned_officer__last_name",
    "assigned_officer__email",
)


def shown_columns(queue: QuerySet[Application]) -> QuerySet[Application]:
    """The queue view reading only what the table shows (``TABLE_COLUMNS``): the rows are
    for display, never saved."""
    return queue.only(*TABLE_COLUMNS)


# What sort columns hold, for reading them back from a cursor.
_CURSOR_KINDS: dict[str, ValueKind] = {
    "term_end": "date",
    "due_at": "moment",
    OPINION_DUE: "moment",
    "submitted_at": "moment",
}


def _beyond(column: str, descending: bool, value: Any, pk: int, backwards: bool) -> Q:
    """Rows after (or, ``backwards``, before) the row (value, pk) in the order ``column``
    ascending or descending with empty values last, ties broken by the id."""
    toward = "lt" if descending != backwards else "gt"
    empty = Q(**{f"{column}__isnull": True})
    if value is None:
        after_in_empty = empty & Q(**{f"pk__{toward}": pk})
        return after_in_empty | ~empty if backwards else after_in_empty
    after = Q(**{f"{column}__{toward}": value}) | Q(**{column: value, f"pk__{toward}": pk})
    return after if backwards else after | empty


def queue_page(
    queue: QuerySet[Application], *, tab: str, sort: str, cursor: str = "", size: int = PAGE_SIZE
) -> KeysetPage[Application]:
    """One page of a queue view after ``cursor`` (keyset on the view's order and the id: the
    same cost on the first page and the thousandth, and no count; ``core.keyset`` writes the page
    and its links). Raises ``core.keyset.BadCursor`` for a link no page wrote."""
    queue, backwards = _walked(queue, tab=tab, sort=sort, cursor=cursor)
    column = sort_key(tab, sort)[0]
    return keyset_page(queue, column=column, size=size, cursor=cursor, backwards=backwards)


def _walked(
    queue: QuerySet[Application], *, tab: str, sort: str, cursor: str
) -> tuple[QuerySet[Application], bool]:
    """The queue view beyond ``cursor`` in the walking order, and whether that walks back."""
    column, descending = sort_key(tab, sort)
    backwards = False
    if cursor:
        kind = _CURSOR_KINDS.get(column, "text")
        value, pk, direction = decode_cursor(cursor, kind, nullable=True)
        backwards = direction == PREVIOUS
        queue = queue.filter(_beyond(column, descending, value, pk, backwards))
    if backwards:  # walk the reverse order (empty values first); keyset_page turns it round
        walk = F(column).asc(nulls_first=True) if descending else F(column).desc(nulls_first=True)
        queue = queue.order_by(walk, "pk" if descending else "-pk")
    return queue, backwards


def queue_page_for(
    *,
    user: Any,
    tab: str,
    filters: QueueFilters,
    today: Mapping[int, dt.date],
    now: dt.datetime | None = None,
    cursor: str = "",
    size: int = PAGE_SIZE,
) -> KeysetPage[Application]:
    """``queue_page(shown_columns(review_queue_for(...)), ...)``, the same rows, from SQL kept
    per everything its text depends on (``_rows_key``: the database, the scope, the tab, the
    sort, which filters are set, the cursor's direction) with the values as parameters (the
    cursor's, the filters', the moment, *Mine*'s officer): building and compiling the rows'
    query was a sixth of the queue page's Python. A search is the exception: its text is
    written into its SQL (``applications.selectors.case_text_q``), so it is compiled for each
    search. ``today``: the programmes' dates (``programme_days``). Raises
    ``core.keyset.BadCursor`` for a link no page wrote."""
    return read(
        queue_page_read(
            user=user, tab=tab, filters=filters, today=today, now=now, cursor=cursor, size=size
        )
    )


def queue_page_read(
    *,
    user: Any,
    tab: str,
    filters: QueueFilters,
    today: Mapping[int, dt.date],
    now: dt.datetime | None = None,
    cursor: str = "",
    size: int = PAGE_SIZE,
) -> Read[KeysetPage[Application]]:
    """``queue_page_for(...)`` as a ``Read``, to be sent with the page's other reads
    (``core.prepared.read_together``). Raises ``BadCursor`` for a cursor no page wrote, here
    or (a search's) when it is read."""
    now = now or timezone.now()
    tab = tab if tab in TAB_SLUGS else "all"
    column, descending = sort_key(tab, filters.sort)
    alias = router.db_for_read(Application)
    connection = connections[alias]
    values: dict[str, Any] = {}
    low, high = connection.ops.integer_field_range("AutoField")
    beyond: tuple[str, bool] | None = None  # the cursor's direction, and whether its value is empty
    if cursor:
        kind = _CURSOR_KINDS.get(column, "text")
        value, pk, direction = decode_cursor(cursor, kind, nullable=True)
        if not low <= pk <= high:  # no row has it; the ORM would write other SQL
            raise BadCursor(cursor)
        beyond = (direction, value is None)
        values["pk"] = pk
        if value is not None:
            values["value"] = _adapted(connection, kind, value)
    if filters.overdue:
        values["now"] = connection.ops.adapt_datetimefield_value(now)
    set_, filter_values = _filters_shape(filters)
    if filters.q.strip() or any(
        not low <= filter_values.get(name, 0) <= high for name in _MARK_IDS
    ):
        # A search: its text is written into the SQL (``case_text_q``), which is then its own
        # and compiled for it. An id no row has (not one the filter form offers): the ORM
        # writes other SQL for it.
        queue = shown_columns(
            review_queue_for(user=user, tab=tab, filters=filters, now=now, today=today)
        )
        return Read(
            alias,
            None,
            lambda _answer: queue_page(queue, tab=tab, sort=filters.sort, cursor=cursor, size=size),
        )
    values.update(filter_values)
    values["officer"] = user.pk  # *Mine*'s (``_compile_rows``)
    key = _rows_key(user, tab, today, alias, (column, descending, size, beyond, set_))
    rows = kept(
        _ROWS_SQL,
        key,
        lambda: _compile_rows(user, tab, filters.sort, set_, beyond, today, size, alias),
        limit=ROWS_SQL_KEPT,
    )
    backwards = beyond is not None and beyond[0] == PREVIOUS
    return rows.read(values).then(
        lambda walked: page_of(walked, column=column, size=size, cursor=cursor, backwards=backwards)
    )


# A kept rows' query holds its compiler (about 60 KB; a scope's 7 tabs x 5 sorts x 3 cursor
# shapes without filters are ~100 of them): at most ~15 MB per process.
ROWS_SQL_KEPT = 256
_ROWS_SQL: OrderedDict[Hashable, KeptRows[Application]] = OrderedDict()
# The marks the rows' query is compiled with, each in place of a value a page puts in afresh.
_MARK_PK = -2_013_265_901  # within a 32-bit key's range, as the ORM checks ids
_MARK_OFFICER = -2_013_265_905  # *Mine*'s officer, in the rows' and the counts' SQL
_MARK_TEXT = "\x00queue-mark-value"
_MARK_DATE = dt.date(1901, 2, 3)
_MARK_MOMENT = dt.datetime(1901, 2, 3, 4, 5, 6, 424243, tzinfo=dt.UTC)
_MARK_NOW = dt.datetime(1902, 3, 4, 5, 6, 7, 424244, tzinfo=dt.UTC)
_MARK_STATUS = "\x00queue-mark-status"
_MARK_IDS = {"track": 2_013_265_902, "program": 2_013_265_903, "assignee": 2_013_265_904}
_CURSOR_MARKS: dict[ValueKind, Any] = {
    "text": _MARK_TEXT,
    "date": _MARK_DATE,
    "moment": _MARK_MOMENT,
}


def _adapted(connection: Any, kind: ValueKind, value: Any) -> Any:
    """A cursor's value as the ORM hands it to the database for its column's kind."""
    if kind == "moment":
        return connection.ops.adapt_datetimefield_value(value)
    if kind == "date":
        return connection.ops.adapt_datefield_value(value)
    return value


def _filters_shape(filters: QueueFilters) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Which filters are set (what the SQL's text depends on; "none" for the unassigned) and
    their values by mark name (the status, track, programme and assignee)."""
    set_: list[str] = []
    values: dict[str, Any] = {}
    if filters.status:
        set_.append("status")
        values["status"] = filters.status
    for name in ("track", "program"):
        if getattr(filters, name):
            set_.append(name)
            values[name] = getattr(filters, name)
    if filters.assignee == "none":
        set_.append("unassigned")
    elif plain_int(filters.assignee) is not None:
        set_.append("assignee")
        values["assignee"] = plain_int(filters.assignee)
    if filters.overdue:
        set_.append("overdue")
    return tuple(set_), values


def _rows_key(
    user: Any, tab: str, today: Mapping[int, dt.date], alias: str, view: Hashable
) -> Hashable:
    """Everything the rows' SQL depends on besides the view (order, size, cursor's shape,
    filters set): the database, the workspace scope, and what the tab's condition reads — the
    ministry (*Consultations*), the programmes' dates (*Awaiting decision*). Not the user:
    *Mine*'s officer is a parameter, so the officers of one ministry share its text (and on
    PostgreSQL its prepared statement). ``tests/reviews/test_queue_rows_kept.py`` holds it
    equal to a fresh compile."""
    ministry = ministry_of(user)
    return (
        alias,
        connections[alias].vendor,
        scope_of(user).as_staff(),
        tab,
        ministry.pk if tab == "consultations" and ministry is not None else None,
        tuple(today.items()) if tab == "decision" else None,
        view,
    )


def _compile_rows(
    user: Any,
    tab: str,
    sort: str,
    set_: tuple[str, ...],
    beyond: tuple[str, bool] | None,
    today: Mapping[int, dt.date],
    size: int,
    alias: str,
) -> KeptRows[Application]:
    """The rows' query for one key of ``_rows_key``, built with marks where the values go."""
    connection = connections[alias]
    column, _descending = sort_key(tab, sort)
    kind = _CURSOR_KINDS.get(column, "text")
    filters = QueueFilters(
        status=_MARK_STATUS if "status" in set_ else "",
        track=_MARK_IDS["track"] if "track" in set_ else None,
        program=_MARK_IDS["program"] if "program" in set_ else None,
        assignee=(
            "none"
            if "unassigned" in set_
            else str(_MARK_IDS["assignee"])
            if "assignee" in set_
            else ""
        ),
        overdue="overdue" in set_,
        sort=sort,
    )
    marks: dict[Hashable, str] = {}
    if "status" in set_:
        marks[_MARK_STATUS] = "status"
    for name in ("track", "program", "assignee"):
        if name in set_:
            marks[_MARK_IDS[name]] = name
    if "overdue" in set_:
        marks[connection.ops.adapt_datetimefield_value(_MARK_NOW)] = "now"
    cursor = ""
    if beyond is not None:
        direction, empty = beyond
        value = None if empty else _CURSOR_MARKS[kind]
        cursor = encode_cursor(value, _MARK_PK, direction)
        marks[_MARK_PK] = "pk"
        if not empty:
            marks[_adapted(connection, kind, value)] = "value"
    if tab == "mine":
        marks[_MARK_OFFICER] = "officer"
    conditions = {tab: tab_q(user, tab, today, officer=_MARK_OFFICER)}
    queue = review_queue_for(
        user=user, tab=tab, filters=filters, now=_MARK_NOW, conditions=conditions, today=today
    )
    walked = _walked(shown_columns(queue), tab=tab, sort=sort, cursor=cursor)[0]
    # *Mine*'s officer kept from the planner, as in its count (``_compile_tab_counts``). The
    # rows are shown, never saved: those of one programme, track, organisation or officer
    # share its object.
    return KeptRows(walked.using(alias)[: size + 1], alias, marks, unseen={"officer"}, shared=True)


# --- counts that stop at COUNT_CAP ---------------------------------------------------------------


class CappedCount(Expression):
    """How many rows the parts hold together (no row in two of them), counting each no further
    than ``cap + 1`` and reading a part only while the parts before it hold ``cap`` or fewer:
    one scalar expression whose cost is bounded by the cap, not by the table. A part is a
    queryset (its rows counted up to the cap) or an expression that is already the number
    (``applications.tally.total``). The figure can exceed ``cap + 1`` (two parts): ``capped``
    brings it back."""

    output_field = IntegerField()

    def __init__(self, parts: Sequence[QuerySet[Any] | Expression | Subquery], cap: int) -> None:
        super().__init__()
        self.cap = cap
        # A constant, not the id: counting then reads nothing an index does not hold.
        self.counted = [isinstance(part, QuerySet) for part in parts]
        self.parts = [
            Subquery(part.order_by().annotate(one=Value(1)).values("one")[: cap + 1])
            if isinstance(part, QuerySet)
            else part
            for part in parts
        ]

    def get_source_expressions(self) -> list[Any]:
        return list(self.parts)

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.parts = list(exprs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        # Each "(SELECT …)": the rows to count, or the number itself. "LIMIT 1" on the number
        # (one row either way) keeps PostgreSQL from pulling its subquery up into the CASE
        # below, which named it three times and ran the case tally's sum twice for each such
        # part (issue 18, thirtieth round).
        compiled = [compiler.compile(part) for part in self.parts]
        numbers = [
            f"(SELECT COUNT(*) AS n FROM {sql} capped)"
            if counted
            else f"(SELECT {sql} AS n LIMIT 1)"
            for (sql, _params), counted in zip(compiled, self.counted, strict=True)
        ]
        # From the last part back: "n + (the rest, counted only while n <= cap)". PostgreSQL
        # runs an uncorrelated subquery in a CASE branch only when the branch is taken.
        last_sql, params = compiled[-1]
        sql = f"(SELECT COUNT(*) FROM {last_sql} capped)" if self.counted[-1] else last_sql
        for index in range(len(compiled) - 2, -1, -1):
            n = f"part{index}.n"
            sql = (
                f"(SELECT CASE WHEN {n} > {self.cap:d} THEN {n} ELSE {n} + {sql} END"
                f" FROM {numbers[index]} part{index})"
            )
            params = (*params, *compiled[index][1])  # in the order the text holds them
        return sql, tuple(params)

    @staticmethod
    def capped(value: int | None, cap: int) -> int:
        return min(int(value or 0), cap + 1)


def tab_counts(
    *,
    user: Any,
    cap: int | None = None,
    today: Mapping[int, dt.date] | None = None,
    leads: Mapping[int, int] | None = None,
) -> dict[str, int]:
    """How many cases each tab holds, in one query: each count stops at ``cap + 1`` (default
    ``COUNT_CAP``; shown as "100+"), so the cost does not grow with the number of cases.

    The query's SQL is a function of ``_counts_key`` alone (the database, the user's scope and
    ministry, each programme's current date, the cap), so it is compiled once per process for
    each key (``_COUNTS_SQL``, the least recently used dropped past ``COUNTS_SQL_KEPT``) and
    each request only runs it: building and compiling the seven tabs' conditions was a third of
    the page's Python. The text is the same for everyone of one scope; *Mine*'s officer, the
    user's id, is its one parameter (``_compile_tab_counts``). What it counts is read fresh
    every time; only its text is kept. ``today``: as for ``tab_q``; ``leads``: each
    programme's lead ministry, if already read (``Programmes.leads``)."""
    return read(tab_counts_read(user=user, cap=cap, today=today, leads=leads))


def tab_counts_read(
    *,
    user: Any,
    cap: int | None = None,
    today: Mapping[int, dt.date] | None = None,
    leads: Mapping[int, int] | None = None,
) -> Read[dict[str, int]]:
    """``tab_counts(...)`` as a ``Read``, to be sent with the page's other reads
    (``core.prepared.read_together``)."""
    cap = COUNT_CAP if cap is None else cap
    if today is None:
        today = programme_days(programme_zones())
    if leads is None:
        leads = dict(Program.objects.values_list("pk", "lead_ministry_id"))
    alias = router.db_for_read(Application)
    led = led_programmes(user, leads)
    key = _counts_key(user, cap, today, alias, led)
    statement = kept(
        _COUNTS_SQL,
        key,
        lambda: _compile_tab_counts(user, cap, today, alias, led),
        limit=COUNTS_SQL_KEPT,
    )

    def counted(answer: Answer) -> dict[str, int]:
        # One column per tab, in the order of TABS (``_compile_tab_counts``); NULL: a filter
        # that holds nothing.
        values = answer.rows[0] if answer.rows else (None,) * len(TABS)
        return {
            tab.slug: CappedCount.capped(value, cap)
            for tab, value in zip(TABS, values, strict=True)
        }

    return Read(alias, (statement.sql, statement.params_with({"officer": user.pk})), counted)


COUNTS_SQL_KEPT = 512  # per store: the tab counts' and the workload panel's
_COUNTS_SQL: OrderedDict[Hashable, MarkedStatement] = OrderedDict()


def led_programmes(user: Any, leads: Mapping[int, int]) -> tuple[int, ...] | None:
    """The programmes the user's ministry leads (``leads``: each programme's lead ministry),
    or None for someone without a ministry."""
    ministry = ministry_of(user)
    if ministry is None:
        return None
    return tuple(sorted(pk for pk, lead in leads.items() if lead == ministry.pk))


def _counts_key(
    user: Any,
    cap: int,
    today: Mapping[int, dt.date],
    alias: str,
    led: tuple[int, ...] | None,
) -> Hashable:
    """Everything the tab counts' SQL depends on: the database (its SQL dialect), the user's
    workspace scope (everything, or a ministry's led and consulted cases), their ministry
    (*Consultations*) and the programmes it leads (``led``: named in the scope's parts), each
    programme's current date (*Awaiting decision*: notices whose opinion deadline passed) and
    the cap. Not the user: *Mine*'s officer is a parameter, so everyone of one scope shares
    the text.
    ``tests/reviews/test_queue_counts.py`` holds the kept SQL equal to a fresh compile."""
    ministry = ministry_of(user)
    return (
        alias,
        connections[alias].vendor,
        scope_of(user).as_staff(),
        ministry.pk if ministry is not None else None,
        led,
        tuple(today.items()),
        cap,
    )


def _compile_tab_counts(
    user: Any,
    cap: int,
    today: Mapping[int, dt.date],
    alias: str,
    led: tuple[int, ...] | None,
) -> MarkedStatement:
    """The tab counts' query for ``_counts_key(user, cap, today, alias, led)``, *Mine*'s
    officer ``_MARK_OFFICER`` here (the user's id when run).

    On PostgreSQL every value but *Mine*'s officer is written into the text, and the officer
    is kept from the planner (``MarkedStatement``'s ``unseen``). The text is then the same for
    everyone of one scope on one day: psycopg prepares it on a connection after its threshold
    of runs, whoever asked, and PostgreSQL plans it for the officers at hand five times, then
    keeps one plan for any officer, the officer's id having no say in its estimates (planning
    the seven counts costs 17-30 ms at 100k cases, running them 1-4 ms: docs/performance.md,
    "The tab counts shared by a ministry's officers"). Before, the officer was seen by the
    planner: with the id written in, the text was one person's and a connection of a server
    with many officers rarely ran one text often enough to prepare it; with the id a plain
    parameter, PostgreSQL planned the counts again on every run for an officer with few cases
    (its plan for any officer looked dearer). So *Mine* was a second query of its own, a round
    trip of every queue page (issue 18, twenty-fourth round). With every value as a parameter
    it plans them on every run too ("The counts' statement with parameters: tried and taken
    back")."""
    # Each count stops after cap + 1 cases, the scope in its parts, each read through its own
    # index or from the case tally (``_count_parts``).
    conditions = tab_conditions(user, today, officer=_MARK_OFFICER)
    counts = {
        tab.slug: CappedCount(_count_parts(user, tab.slug, conditions[tab.slug], led), cap)
        for tab in TABS
    }
    # No row carries the counts: the query is a SELECT of its counts alone, one column per tab
    # in the order of TABS (``tab_counts_read`` reads them so).
    query = User.objects.annotate(**counts).query
    compiler = query.get_compiler(using=alias)
    connection: Any = connections[alias]
    columns, params = [], []
    for slug in counts:
        try:
            sql, expression_params = compiler.compile(query.annotations[slug])
        except EmptyResultSet:  # a condition that holds nothing (no ministry to consult)
            sql, expression_params = "NULL", []
        columns.append(f"{sql} AS {connection.ops.quote_name(slug)}")
        params.extend(expression_params)
    # *Mine* of someone without a ministry holds no officer: its condition holds nothing.
    return MarkedStatement.of(
        "SELECT " + ", ".join(columns),
        params,
        {_MARK_OFFICER: "officer"},
        connection,
        all_marks=False,
        unseen={"officer"},
    )


def _count_parts(
    user: Any, tab: str, condition: Q, led: tuple[int, ...] | None
) -> list[QuerySet[Any] | Subquery]:
    """What ``CappedCount`` adds up for one tab: ``tab_parts`` read from the cases, except that
    a tab with statuses of its own (``_TAB_STATUSES``) takes its cases in the programmes the
    scope holds whole (every programme for someone who sees everything; the led programmes for
    a ministry) from the tally, and reads from the cases only the rest: *Awaiting decision*'s
    cases that are not in deliberation there, and the cases the ministry is consulted on but
    does not lead. *Consultations* counts the ministry's pending opinion requests alone."""
    ministry = ministry_of(user)
    if tab == "consultations" and ministry is not None:
        # The ministry's pending opinion requests from their own index, without reading each
        # case: one per case and ministry, and asked only on a case in review (the service
        # refuses a draft), which the scope of anyone with a ministry holds (``scope_of``).
        # Joined to their cases, ~100 of them cost every queue page 0.2 ms at 100k cases
        # (issue 18, twenty-fourth round).
        return [
            Consultation.objects.filter(ministry_id=ministry.pk, status=ConsultationStatus.PENDING)
        ]
    parts = tab_parts(user, tab, condition, led)
    statuses = _TAB_STATUSES.get(tab)
    scope = scope_of(user).as_staff()
    if statuses is None or not (scope.everything or (scope.ministry is not None and led)):
        return [Application.objects.filter(part) for part in parts]
    programmes, others = (None, []) if scope.everything else (led, parts[1:])
    officer = _MARK_OFFICER if tab == "mine" else None
    counted: list[QuerySet[Any] | Subquery] = [
        tally.total(statuses, programmes=programmes, officer=officer)
    ]
    if tab == "decision":  # its other conditions, on cases not in deliberation
        whole = Q() if programmes is None else Q(program_id__in=programmes)
        counted.append(
            Application.objects.filter(whole & ~Q(status=S.DRAFT) & condition & ~statuses)
        )
    return counted + [Application.objects.filter(part) for part in others]


def filtered_count(queue: QuerySet[Application], cap: int | None = None) -> int:
    """How many cases a filtered queue view holds, counting no further than ``cap + 1``."""
    cap = COUNT_CAP if cap is None else cap
    return queue.order_by().values("pk")[: cap + 1].count()


@dataclass
class Workload:
    officer: User
    in_review: int = 0
    in_force: int = 0
    overdue: int = 0


def officer_workload(
    *, officers: list[User], now: dt.datetime | None = None, cap: int | None = None
) -> list[Workload]:
    """How many cases each officer has in review, in force, and overdue (officers with none are
    listed with zeros). Exact by default (the dashboard: one grouped count over their open
    cases); with ``cap`` each figure stops at ``cap + 1`` (the queue page: one query whose cost
    does not grow with the officers' caseload)."""
    if not officers:
        return []
    now = now or timezone.now()
    counts: dict[int, dict[str, int]]
    if cap is None:
        rows = (
            Application.objects.filter(
                assigned_officer__in=[o.pk for o in officers],
                status__in=(*IN_REVIEW, *TERM_RUNNING),
            )
            .values("assigned_officer_id")
            .annotate(
                in_review=Count("pk", filter=Q(status__in=IN_REVIEW)),
                in_force=Count("pk", filter=Q(status__in=TERM_RUNNING)),
                overdue=Count("pk", filter=overdue_q(now)),
            )
            .order_by()
        )
        counts = {row["assigned_officer_id"]: row for row in rows}
    else:
        capped = (
            User.objects.filter(pk__in=[o.pk for o in officers])
            .annotate(**_capped_workload(now, cap))
            .values("pk", "in_review", "in_force", "overdue")  # type: ignore[misc]
        )
        counts = {
            row["pk"]: {
                key: CappedCount.capped(row[key], cap)
                for key in ("in_review", "in_force", "overdue")
            }
            for row in capped
        }
    result = [
        Workload(
            officer=o,
            in_review=counts.get(o.pk, {}).get("in_review", 0),
            in_force=counts.get(o.pk, {}).get("in_force", 0),
            overdue=counts.get(o.pk, {}).get("overdue", 0),
        )
        for o in officers
    ]
    return sorted(result, key=lambda w: (-w.in_review, w.officer.get_username()))


def _capped_workload(now: dt.datetime, cap: int) -> dict[str, CappedCount]:
    """An officer's three workload figures as capped subqueries on the officer's row."""
    officer = OuterRef("pk")
    theirs = Application.objects.filter(assigned_officer_id=officer)
    return {
        # From the case tally (exact: a few rows); *overdue* from the cases (its deadline).
        "in_review": CappedCount([tally.total(Q(status__in=IN_REVIEW), officer=officer)], cap),
        "in_force": CappedCount([tally.total(Q(status__in=TERM_RUNNING), officer=officer)], cap),
        "overdue": CappedCount([theirs.filter(overdue_q(now))], cap),
    }


def officers_with_workload(
    *, user: Any, now: dt.datetime | None = None, cap: int = WORKLOAD_CAP
) -> tuple[list[User], list[Workload]]:
    """The queue page's officers (``officers_of_ministry``, in that order) and their workload
    with each figure stopping at ``cap + 1`` (as ``officer_workload(cap=...)``), in one query.

    Like the tab counts', the query's SQL is kept per process (``_WORKLOAD_SQL``): it depends on
    the database, the ministry and the cap, and on the moment only through one parameter (the
    *overdue* figure's "deadline before now"), which each request puts in afresh."""
    return read(officers_with_workload_read(user=user, now=now, cap=cap))


def officers_with_workload_read(
    *, user: Any, now: dt.datetime | None = None, cap: int = WORKLOAD_CAP
) -> Read[tuple[list[User], list[Workload]]]:
    """``officers_with_workload(...)`` as a ``Read``, to be sent with the page's other reads
    (``core.prepared.read_together``)."""
    now = now or timezone.now()
    ministry = ministry_of(user)
    alias = router.db_for_read(User)
    if ministry is None:
        return Read(alias, None, lambda _answer: ([], []))
    key = (alias, connections[alias].vendor, ministry.pk, cap)
    rows = kept(
        _WORKLOAD_SQL, key, lambda: _compile_workload(user, cap, alias), limit=COUNTS_SQL_KEPT
    )
    moment = connections[alias].ops.adapt_datetimefield_value(now)
    return rows.read({"now": moment}).then(lambda officers: _with_workload(officers, cap))


def _with_workload(officers: list[User], cap: int) -> tuple[list[User], list[Workload]]:
    workload = [
        Workload(
            officer=o,
            in_review=CappedCount.capped(o.in_review, cap),  # type: ignore[attr-defined]
            in_force=CappedCount.capped(o.in_force, cap),  # type: ignore[attr-defined]
            overdue=CappedCount.capped(o.overdue, cap),  # type: ignore[attr-defined]
        )
        for o in officers
    ]
    workload.sort(key=lambda w: (-w.in_review, w.officer.get_username()))
    return officers, workload


_WORKLOAD_SQL: OrderedDict[Hashable, KeptRows[User]] = OrderedDict()
# The moment the workload's SQL is compiled with, to find its place among the parameters.
_SOME_MOMENT = dt.datetime(2000, 1, 1, 0, 0, 0, 424242, tzinfo=dt.UTC)


def _compile_workload(user: Any, cap: int, alias: str) -> KeptRows[User]:
    """The workload panel's query for ``user``'s ministry, its moment (``_SOME_MOMENT`` here)
    marked: the request's own is put there when it runs."""
    officers = officers_of_ministry(user=user).annotate(**_capped_workload(_SOME_MOMENT, cap))
    marker = connections[alias].ops.adapt_datetimefield_value(_SOME_MOMENT)
    rows = KeptRows(officers, alias, {marker: "now"}, write_in=False)
    if len(rows.places) != 1:  # the overdue figure's one comparison with now
        raise AssertionError(f"the workload query holds the moment {len(rows.places)} times")
    return rows


@dataclass(frozen=True)
class Programmes:
    """What the queue page needs of the programmes, from one query: the filter's programmes
    (by name in the active language, never their code) and tracks ("programme / track"), by
    programme and track code, and each programme's time zone (``programme_days``)."""

    choices: list[tuple[int, str]]
    tracks: list[tuple[int, str]]
    zones: tuple[tuple[int, str], ...]
    leads: dict[int, int]  # each programme's lead ministry (``tab_counts``)


_PROGRAMMES_SQL: OrderedDict[Hashable, KeptValues] = OrderedDict()


def _programme_rows() -> QuerySet[Program, tuple[Any, ...]]:
    return Program.objects.order_by("code", "tracks__code").values_list(
        "pk",
        "name",
        "name_en",
        "time_zone",
        "lead_ministry_id",
        "tracks__pk",
        "tracks__name",
        "tracks__name_en",
    )


def programmes_read() -> Read[Programmes]:
    """The programmes with their tracks, from one query of the columns the queue page uses
    (its SQL kept per database, not compiled again on every page), as a ``Read`` sent with the
    page's other reads (``core.prepared.read_together``)."""
    alias = router.db_for_read(Program)
    key = (alias, connections[alias].vendor)
    query = kept(_PROGRAMMES_SQL, key, lambda: KeptValues(_programme_rows(), alias), limit=4)
    return query.read().then(_programmes_of)


def _programmes_of(rows: list[tuple[Any, ...]]) -> Programmes:
    programs: dict[int, tuple[int, str]] = {}
    zones: dict[int, str] = {}
    leads: dict[int, int] = {}
    tracks: list[tuple[int, str]] = []
    for pk, name, name_en, zone, lead, track_pk, track_name, track_name_en in rows:
        shown = in_active_language(name, name_en)
        programs.setdefault(pk, (pk, shown))
        zones.setdefault(pk, zone)
        leads.setdefault(pk, lead)
        if track_pk is not None:
            tracks.append((track_pk, f"{shown} / {in_active_language(track_name, track_name_en)}"))
    return Programmes(list(programs.values()), tracks, tuple(zones.items()), leads)


def saved_filters_of(*, user: Any) -> list[SavedFilter]:
    """The user's own saved queue views, by name (the query's SQL kept per database, the
    user's id its one parameter: the queue page reads them on every visit)."""
    return read(saved_filters_read(user=user))


def saved_filters_read(*, user: Any) -> Read[list[SavedFilter]]:
    """``saved_filters_of(...)`` as a ``Read``, to be sent with the page's other reads
    (``core.prepared.read_together``)."""
    alias = router.db_for_read(SavedFilter)
    key = (alias, connections[alias].vendor)
    query = kept(
        _SAVED_FILTERS_SQL,
        key,
        lambda: KeptRows(
            SavedFilter.objects.filter(user_id=_MARK_USER), alias, {_MARK_USER: "user"}
        ),
        limit=4,
    )
    return query.read({"user": user.pk})


_SAVED_FILTERS_SQL: OrderedDict[Hashable, KeptRows[SavedFilter]] = OrderedDict()
_MARK_USER = -2_013_265_906  # the user whose saved filters are read


def officers_of_ministry(*, user: Any) -> QuerySet[User]:
    """Case officers of the user's ministry (for the assignee filter and assignment)."""
    ministry = ministry_of(user)
    if ministry is None:
        return User.objects.none()
    return User.objects.filter(
        groups__name=Role.CASE_OFFICER, staff_profile__ministry=ministry
    ).order_by("first_name", "username")


# --- the deadlines calendar ----------------------------------------------------------------------


@dataclass
class Deadline:
    date: dt.date
    kind: str
    label: str
    application: Application
    overdue: bool = False


@dataclass
class DeadlineDay:
    date: dt.date
    items: list[Deadline] = field(default_factory=list)


DEADLINE_LIMIT = 300  # per kind; the calendar is for what is coming, not an export


def deadlines_for(*, user: Any, days: int, now: dt.datetime | None = None) -> list[DeadlineDay]:
    """Upcoming (and missed) deadlines in the user's scope within ``days`` days, grouped by the
    date they fall on in the programme's time zone: statutory due dates, supplement answers,
    consultation opinions, term ends and reports due (supervision). Six queries.

    Each item shows its case's reference, title and organisation, so the organisation is the one
    row read with each case; the programme's time zone comes from the programmes' list (a few
    rows) rather than a join on every item (docs/performance.md, "The deadlines page")."""
    now = now or timezone.now()
    until = now + dt.timedelta(days=days)
    zones = {pk: zoneinfo.ZoneInfo(zone) for pk, zone in programme_zones()}

    def local_date(app: Application, moment: dt.datetime) -> dt.date:
        return moment.astimezone(zones[app.program_id]).date()

    items: list[Deadline] = []

    statutory = (
        Application.objects.filter(scope_q(user), status__in=RUNNING_CLOCK, due_at__lte=until)
        .filter(clock_paused_at__isnull=True)
        .select_related("organization")
        .order_by("due_at")[:DEADLINE_LIMIT]
    )
    for app in statutory:
        assert app.due_at is not None
        items.append(
            Deadline(
                local_date(app, app.due_at),
                "statutory",
                str(_("Statutory deadline")),
                app,
                app.due_at < now,
            )
        )
    supplements = (
        SupplementRequest.objects.filter(
            scope_q(user, "application__"),
            answered_at__isnull=True,
            lapsed_at__isnull=True,
            due_at__lte=until,
        )
        .select_related("application__organization")
        .order_by("due_at")[:DEADLINE_LIMIT]
    )
    for sup in supplements:
        app = sup.application
        items.append(
            Deadline(
                local_date(app, sup.due_at),
                "supplement",
                str(_("Supplement answer due")),
                app,
                sup.due_at < now,
            )
        )
    consultations = (
        Consultation.objects.filter(
            scope_q(user, "application__"),
            status=ConsultationStatus.PENDING,
            due_at__lte=until,
        )
        .select_related("ministry", "application__organization")
        .order_by("due_at")[:DEADLINE_LIMIT]
    )
    for consultation in consultations:
        app = consultation.application
        items.append(
            Deadline(
                local_date(app, consultation.due_at),
                "consultation",
                str(
                    _("Opinion due from %(ministry)s")
                    % {"ministry": consultation.ministry.display_name}
                ),
                app,
                consultation.due_at < now,
            )
        )
    today = timezone.localdate(now)
    ends = (
        Application.objects.filter(
            scope_q(user),
            status__in=IN_FORCE,
            term_end__lte=today + dt.timedelta(days=days),
        )
        .select_related("organization")
        .order_by("term_end")[:DEADLINE_LIMIT]
    )
    for app in ends:
        assert app.term_end is not None
        items.append(
            Deadline(app.term_end, "term_end", str(_("Term ends")), app, app.term_end < today)
        )
    reports = supervision_selectors.reports_due_within(
        scope=scope_q(user, "application__"),
        until=today + dt.timedelta(days=days),
        limit=DEADLINE_LIMIT,
    )
    for report in reports:
        items.append(
            Deadline(
                report.due_on,
                "report",
                str(_("%(report)s due") % {"report": report.get_kind_display()}),
                report.application,
                report.due_on < today,
            )
        )
    days_map: dict[dt.date, DeadlineDay] = {}
    for item in sorted(items, key=lambda d: (d.date, d.kind, d.application.pk)):
        days_map.setdefault(item.date, DeadlineDay(item.date)).items.append(item)
    return list(days_map.values())
