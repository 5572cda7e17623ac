"""Reads: permission-aware querysets and case lookups with their related rows preloaded."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import effects, workflow
from applications.models import (
    Application,
    AuditEvent,
    Organization,
    Program,
)
from applications.visibility import can_view_application, scope_of
from core.errors import NotVisible
from core.prepared import PreparedGet
from core.queries import contains_text


def applications_visible_to(*, user: Any) -> QuerySet[Application]:
    """Every case the user may read (``visibility.scope_of``), with what lists show preloaded."""
    return Application.objects.select_related(
        "program", "track", "organization", "assigned_officer"
    ).filter(scope_of(user).q())


def _case_with_links() -> QuerySet[Application]:
    return Application.objects.select_related(
        "program", "track", "organization", "assigned_officer"
    )


_CASE_BY_ID = PreparedGet(_case_with_links)


def application_get_for(
    *, user: Any, pk: int | None = None, reference: str | None = None
) -> Application:
    """One case by id or reference, or ``NotVisible`` when it does not exist for this user."""
    # By id (every case page): compiled once per thread (core/prepared.py). get(), not first():
    # no ORDER BY for a unique lookup.
    try:
        app: Application | None = (
            _CASE_BY_ID.get(pk) if pk is not None else _case_with_links().get(reference=reference)
        )
    except (Application.DoesNotExist, Application.MultipleObjectsReturned):
        app = None  # (several: a reference of None, which names no case)
    if app is None or not can_view_application(user, app):
        raise NotVisible(_("No such application."))
    return app


def application_submission_problems(*, application: Application) -> dict[str, str]:
    """What still stops a draft from being submitted, field → message (empty when it may go):
    missing sections, a term the track does not allow, and what the apps that build on the
    kernel check (``documents``: required files not uploaded)."""
    app = application
    missing = workflow.missing_for_submission(app, regulation_count=app.regulations.count())
    problem = workflow.requested_term_problem(track=app.track, days=app.requested_term_days)
    if problem:
        missing["requested_term_days"] = problem
    missing.update(effects.submission_problems(app))
    return missing


# A search naming at most this many organisations tests the cases' ``organization_id`` among
# them; past it, the text is common to many and the page is better read in its own order.
SEARCH_ORGANISATIONS = 100


def case_text_q(text: str) -> Q:
    """Cases whose reference, title or organisation name contains ``text`` (any case): the
    same rows as ``reference__icontains | title__icontains | organization__name__icontains``.

    Written so that PostgreSQL plans each search for its text and can read a rare one from
    indexes (the trigram indexes of migration ``applications.0023``):

    * the text is written into the statement (``core.queries.contains_text``): sent as a
      parameter, psycopg prepares the statement once it has run five times and PostgreSQL may
      then plan it once for any text, walking the page's order and testing every case for a
      word nothing holds;
    * the organisations whose name holds the text are read first (one small query): when they
      are few, the cases are tested by ``organization_id`` among them, a condition on the
      case's own row, so every arm of the OR has an index and PostgreSQL joins their bitmaps;
      when they are many (more than ``SEARCH_ORGANISATIONS``), the name is tested through the
      join, and PostgreSQL, knowing the text common, walks the page's order.

    At 100k cases, on the queue page: a word nothing holds 875–1,268 → 55–70 ms, an
    organisation's name 430–679 → 84–132 ms, a word every organisation's name holds 46–66 →
    68–104 ms (docs/performance.md, "The search")."""
    organisations = list(
        Organization.objects.filter(contains_text("name", text))
        .order_by()
        .values_list("pk", flat=True)[: SEARCH_ORGANISATIONS + 1]
    )
    if len(organisations) > SEARCH_ORGANISATIONS:
        named = contains_text("organization__name", text)
    else:
        named = Q(organization_id__in=sorted(organisations))
    return contains_text("reference", text) | contains_text("title", text) | named


def programme_zones() -> tuple[tuple[int, str], ...]:
    """Every programme's id and time zone, by code (the review queue reads them with its
    filter's programmes instead: ``reviews.selectors.Programmes``)."""
    return tuple(Program.objects.order_by("code").values_list("pk", "time_zone"))


def programme_days(
    zones: tuple[tuple[int, str], ...], now: dt.datetime | None = None
) -> dict[int, dt.date]:
    """Each programme's current date in its time zone, by programme id (in ``zones``' order)."""
    now = now or timezone.now()
    return {pk: now.astimezone(zoneinfo.ZoneInfo(zone)).date() for pk, zone in zones}


def company_profile_of(organization: Organization) -> dict[str, Any]:
    """The organisation's company profile as plain JSON values (dates ISO), the form copied
    into an application at submission (``Application.company_profile``)."""
    profile: dict[str, Any] = {}
    for name in workflow.PROFILE_FIELDS:
        value = getattr(organization, name)
        profile[name] = value.isoformat() if isinstance(value, dt.date) else value
    return profile


def application_history(*, application: Application) -> QuerySet[AuditEvent]:
    """The case's audit events in chain order."""
    return (
        AuditEvent.objects.filter(application=application).select_related("actor").order_by("seq")
    )


HISTORY_PAGE = 50  # events a case page shows at once


@dataclass(frozen=True)
class HistoryPage:
    """A page of a case's history as its pages show it, newest first."""

    events: list[AuditEvent]  # in chain order
    number: int  # the place of the page's newest event in the whole history (the first is 1)
    older: int | None  # ``before`` for the page of older events; None: none is older
    newer: int | None  # ``after`` for the page of newer events; None: none is newer


def history_page(
    *,
    application: Application,
    before: int | None = None,
    after: int | None = None,
    hidden: Collection[str] = (),
    size: int = HISTORY_PAGE,
) -> HistoryPage:
    """``size`` events of the case: the newest, those just before the event ``before``, or
    those just after the event ``after``; the actions in ``hidden`` left out. Read by the
    case's index from where the page begins, so a case page costs as much for a case with
    thousands of events as for one with ten (a case page once read and drew every event:
    1.6 s for 5,000)."""
    events = application_history(application=application)
    if hidden:
        events = events.exclude(action__in=sorted(hidden))
    if after is not None:
        taken = list(events.filter(seq__gt=after).order_by("seq")[: size + 1])
        page, more_newer = taken[:size], len(taken) > size
        more_older = bool(page) and events.filter(seq__lt=page[0].seq).exists()
    else:
        shown = events if before is None else events.filter(seq__lt=before)
        taken = list(shown.order_by("-seq")[: size + 1])
        page, more_older = taken[:size][::-1], len(taken) > size
        more_newer = before is not None and events.filter(seq__gte=before).exists()
    if not page:
        number = 0
    elif not more_older:
        number = len(page)
    else:
        number = events.filter(seq__lte=page[-1].seq).count()
    return HistoryPage(
        events=page,
        number=number,
        older=page[0].seq if more_older else None,
        newer=page[-1].seq if more_newer and page else None,
    )


def history_seq(text: str) -> int | None:
    """A history page link's ``before`` or ``after`` (digits: a sequence number), or None for
    anything else: such a link opens the newest page."""
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


def application_as_of(*, application: Application, at: dt.datetime) -> dict[str, Any]:
    """The case as it stood at ``at``, rebuilt from its audit events alone: status, term,
    conditions, extensions granted, and the last event applied."""
    state: dict[str, Any] = {
        "as_of": at,
        "status": None,
        "term_start": None,
        "term_end": None,
        "conditions": [],
        "extensions_granted": 0,
        "last_event_seq": None,
    }
    events = AuditEvent.objects.filter(application=application, occurred_at__lte=at).order_by("seq")
    for event in events.iterator(chunk_size=500):
        payload = event.payload if isinstance(event.payload, dict) else {}
        if event.to_status:
            state["status"] = event.to_status
        if event.action == "approve":
            state["term_start"] = payload.get("term_start")
            state["term_end"] = payload.get("term_end")
            state["conditions"] = list(payload.get("conditions") or [])
        elif event.action == "extend":
            state["term_end"] = payload.get("new_end", state["term_end"])
            state["extensions_granted"] += 1
        state["last_event_seq"] = event.seq
    return state
