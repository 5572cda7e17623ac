"""Reads of the public side: the register (search, filters, sorting and keyset pages that cost
the same on the first page and the thousandth), one waiver, the applicant's preview, the claims
of a case and the statistics snapshot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, Func, Max, QuerySet
from django.utils.translation import gettext as _

from applications.models import Application, Decision, DecisionKind
from core.errors import InvalidInput, NotVisible
from core.keyset import BadCursor, decode_cursor, keyset_page, walk_past
from register import search
from register.models import RegisterEntry, StatisticsSnapshot, TradeSecretClaim
from register.publication import Publication, publication_of
from register.rules import RegisterStatus

PAGE_SIZE = 25
COUNT_CAP = 1000

# Sort name → (column, descending); the id breaks ties in the same direction.
SORTS: dict[str, tuple[str, bool]] = {
    "newest": ("granted_on", True),
    "oldest": ("granted_on", False),
    "company": ("company", False),
    "ending": ("term_end", False),
}


class GramsContain(Func):
    """PostgreSQL: the entry's bigrams include all of these (served by the GIN index on
    ``string_to_array(search_grams, ' ')``, created by migration 0002)."""

    output_field = BooleanField()

    def __init__(self, grams: list[str]) -> None:
        super().__init__(F("search_grams"))
        self.grams = grams

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        return f"string_to_array({column}, ' ') @> %s::text[]", (*params, self.grams)


@dataclass(frozen=True)
class RegisterQuery:
    """A register search as the page and the open-data API take it (already validated)."""

    q: str = ""
    program: str = ""
    track: str = ""
    ministry: str = ""
    status: str = ""
    year: int | None = None
    sort: str = "newest"
    cursor: str = ""


@dataclass(frozen=True)
class RegisterPage:
    entries: list[RegisterEntry]
    next_cursor: str = ""
    previous_cursor: str = ""
    count: int = 0
    count_is_exact: bool = True
    terms: list[str] = field(default_factory=list)


def _decode(cursor: str, column: str) -> tuple[Any, int, str]:
    """A cursor from a page link; anything else is refused with a 400, never a 500."""
    try:
        return decode_cursor(cursor, "date" if column in ("granted_on", "term_end") else "text")
    except BadCursor as error:
        raise InvalidInput(
            {"cursor": _("This page link is not valid; start again from the first page.")}
        ) from error


def register_filtered(query: RegisterQuery) -> QuerySet[RegisterEntry]:
    """Entries matching the search terms and filters (unordered)."""
    entries = RegisterEntry.objects.all()
    for term in search.terms(query.q):
        entries = entries.filter(search_text__contains=term)
        grams = sorted(search.grams(term))
        if grams and connection.vendor == "postgresql":
            entries = entries.filter(GramsContain(grams))
    if query.program:
        entries = entries.filter(program__code=query.program)
    if query.track:
        entries = entries.filter(track__code=query.track)
    if query.ministry:
        entries = entries.filter(ministry__code=query.ministry)
    if query.status:
        entries = entries.filter(status=query.status)
    if query.year:
        entries = entries.filter(
            granted_on__gte=dt.date(query.year, 1, 1), granted_on__lte=dt.date(query.year, 12, 31)
        )
    if query.sort == "ending":
        entries = entries.filter(term_end__isnull=False)
    return entries


def register_page(query: RegisterQuery, *, size: int = PAGE_SIZE) -> RegisterPage:
    """One page of the register after ``query.cursor`` (keyset: the same cost on every page),
    with a count capped at ``COUNT_CAP`` so counting never scans the whole register."""
    column, descending = SORTS.get(query.sort, SORTS["newest"])
    filtered = register_filtered(query)
    entries = filtered.select_related("program", "track", "ministry")
    position = _decode(query.cursor, column) if query.cursor else None
    walked, backwards = walk_past(entries, column=column, descending=descending, position=position)
    page = keyset_page(walked, column=column, size=size, cursor=query.cursor, backwards=backwards)
    counted = filtered.order_by()[: COUNT_CAP + 1].count()
    return RegisterPage(
        entries=page.rows,
        next_cursor=page.next_cursor,
        previous_cursor=page.previous_cursor,
        count=min(counted, COUNT_CAP),
        count_is_exact=counted <= COUNT_CAP,
        terms=search.terms(query.q),
    )


def register_version() -> tuple[dt.datetime | None, int]:
    """When the register last changed and how many entries it has (for ETags); both read
    from indexes."""
    latest = RegisterEntry.objects.aggregate(at=Max("updated_at"))["at"]
    return latest, RegisterEntry.objects.count() if latest else 0


def register_entry_get(*, reference: str) -> RegisterEntry:
    entry = (
        RegisterEntry.objects.select_related("program", "track", "ministry", "application")
        .filter(reference=reference)
        .first()
    )
    if entry is None:
        raise NotVisible(_("No waiver with this reference is in the register."))
    return entry


def claims_of(*, application: Application) -> list[TradeSecretClaim]:
    return list(
        TradeSecretClaim.objects.filter(application=application).select_related("decided_by")
    )


def publication_preview(*, application: Application) -> Publication:
    """What the register will publish of this case if it is granted (before the decision) or
    publishes now (after it)."""
    approval = (
        Decision.objects.filter(application=application, kind=DecisionKind.APPROVAL)
        .order_by("-decided_at", "-id")
        .first()
    )
    return publication_of(
        application,
        claims=claims_of(application=application),
        approval=approval,
        regulations=list(application.regulations.all()),
    )


def statistics_snapshot() -> StatisticsSnapshot | None:
    return StatisticsSnapshot.objects.order_by("-computed_at", "-id").first()


def register_status_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in RegisterStatus.choices]
