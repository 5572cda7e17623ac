"""Template filters and tags of the review queue.

``queue_rows`` writes the queue table's rows in Python: the same bytes as the row loop it
replaced (``{% for row in rows %}`` with an include of ``applications/_status.html`` and
``reviews/_days.html`` per case, kept in ``tests/reviews/reference_queue_rows.html``, which
``tests/reviews/test_queue_rows.py`` renders beside it), without two template renders and half
a dozen translation look-ups per row (docs/performance.md, "The review queue at scale")."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from applications.workflow import ApplicationStatus
from core.counts import capped_text
from core.people import person_name
from core.rendering import escaped
from reviews.selectors import COUNT_CAP

register = template.Library()

# Each status's label (lazy: translated when shown). ``get_status_display`` would build the
# field's whole list of choices again for every status of every page.
_STATUS_LABELS = dict(ApplicationStatus.choices)


@register.filter
def capped(value: int, cap: int | None = None) -> str:
    """A count from the queue page: grouped in the reader's locale, and "100+" past the cap
    (the count stopped there; ``reviews.selectors.COUNT_CAP`` unless another is given)."""
    return capped_text(value, COUNT_CAP if cap is None else cap)


# Each (language, urgency, number of days) as ``reviews/_days.html`` wrote it, kept for the
# process: a page shows a dozen of them, each a plural look-up and a number to format, and the
# next page shows mostly the same. Dropped whenever a setting changes (the languages, the
# translations' paths) and past ``_DAYS_KEPT``.
_DAYS_TEXT: dict[tuple[str | None, str, int], str] = {}
_DAYS_KEPT = 4096


def _forget_days(**_kwargs: Any) -> None:
    _DAYS_TEXT.clear()


setting_changed.connect(_forget_days, dispatch_uid="reviews.templatetags.queue.days")


class _Days:
    """``reviews/_days.html`` for the rows of one page, in the active language."""

    def __init__(self) -> None:
        self.language = get_language()

    def __call__(self, days: int | None, urgency: str, late: int) -> str:
        if days is None:
            return '<span class="hint">—</span>\n'
        key = (self.language, urgency, late if urgency == "overdue" else days)
        text = _DAYS_TEXT.get(key)
        if text is None:
            if len(_DAYS_TEXT) >= _DAYS_KEPT:
                _DAYS_TEXT.clear()
            text = _DAYS_TEXT[key] = self._words(key[1], key[2])
        return text

    @staticmethod
    def _words(urgency: str, n: int) -> str:
        shown = {"n": escaped(formats.localize(n))}
        if urgency == "overdue":
            text = ngettext("%(n)s day overdue", "%(n)s days overdue", n) % shown
            return f'<span class="tag tag-overdue">{text}</span>\n'
        if urgency == "soon":
            text = ngettext("%(n)s day left", "%(n)s days left", n) % shown
            return f'<span class="tag tag-warning">{text}</span>\n'
        return ngettext("%(n)s day", "%(n)s days", n) % shown + "\n"


@register.simple_tag
def queue_tabs(tabs: list[dict[str, Any]], current: str) -> SafeString:
    """The queue's tab links, one ``<li>`` per tab with its count (``capped``), the current one
    marked: the same bytes as the loop it replaced (``{% for t in tabs %}``, kept in
    ``tests/reviews/test_queue_rows.py``), without a variable look-up, a filter and an
    ``{% if %}`` per tab (about a quarter of a millisecond of each page)."""
    parts = []
    for t in tabs:
        slug = escaped(t["slug"])
        mark = ' aria-current="page"' if t["slug"] == current else ""
        count = escaped(capped_text(t["count"], COUNT_CAP))
        parts.append(
            f'\n    <li><a href="?tab={slug}"{mark}>{escaped(str(t["label"]))} '
            f'<span class="count">({count})</span></a></li>\n    '
        )
    return mark_safe("".join(parts))  # every value escaped


@register.simple_tag
def queue_rows(rows: list[dict[str, Any]], may_bulk_assign: bool) -> SafeString:
    """The queue table's ``<tbody>`` content: one ``<tr>`` per row of the view (see above)."""
    marker = 987654321
    case_url = reverse("review-case", args=[marker]).split(str(marker))
    unassigned = f'<span class="hint">{escaped(gettext("Unassigned"))}</span>'  # once a page
    select = gettext("Select %(reference)s")
    days_html = _Days()
    statuses: dict[str, str] = {}  # each status's label looked up (and translated) once
    places: dict[tuple[int, int], str] = {}  # each programme / track written once
    parts = ["\n  "]
    for row in rows:
        app = row["app"]
        pk = str(int(app.pk))  # digits: nothing to escape
        reference = escaped(app.reference)
        urgency = row["urgency"]
        css = f"row-{escaped(urgency)}" if urgency else ""
        bulk = ""
        if may_bulk_assign:
            label = select % {"reference": reference}
            bulk = (
                f'<td><input type="checkbox" name="cases" value="{pk}" form="bulk-assign" '
                f'id="select-{pk}" aria-label="{label}"></td>'
            )
        officer = app.assigned_officer
        assignee = escaped(person_name(officer)) if officer else unassigned
        state = app.status  # read once: each read goes through the state machine's field
        status = escaped(state)
        if state not in statuses:
            statuses[state] = escaped(_STATUS_LABELS.get(state, state))
        place = places.get((app.program_id, app.track_id))
        if place is None:
            place = f"{escaped(app.program.display_name)} / {escaped(app.track.display_name)}"
            places[app.program_id, app.track_id] = place
        parts.append(
            f'\n  <tr class="{css}">\n    {bulk}\n'
            f'    <td class="nowrap"><a href="{case_url[0]}{pk}{case_url[1]}">{reference}</a></td>\n'
            f"    <td>{escaped(app.title)}</td>\n"
            f'    <td class="nowrap">{escaped(app.organization.name)}</td>\n'
            f"    <td>{place}</td>\n"
            f'    <td><span class="tag tag-{status}">'
            f"{statuses[state]}</span>\n</td>\n"
            f"    <td>{days_html(row['days'], urgency, row['late'])}</td>\n"
            f'    <td class="nowrap">{assignee}</td>\n  </tr>\n  '
        )
    parts.append("\n  ")
    return mark_safe("".join(parts))  # every value escaped above


@register.simple_tag
def workload_rows(workload: list[Any], cap: int) -> SafeString:
    """The workload panel's ``<tbody>`` content: one ``<tr>`` per officer, each figure capped
    (``capped``). The same bytes as the loop it replaced (``{% for o in workload %}`` with a
    filter per cell, kept in ``tests/reviews/test_queue_rows.py``), without a dozen template
    nodes per officer."""
    return mark_safe(  # every value escaped
        "".join(
            f"<tr><td>{escaped(person_name(o.officer))}</td>"
            f"<td>{escaped(capped_text(o.in_review, cap))}</td>"
            f"<td>{escaped(capped_text(o.in_force, cap))}</td>"
            f"<td>{escaped(capped_text(o.overdue, cap))}</td></tr>"
            for o in workload
        )
    )


@register.simple_tag
def officer_options(officers: list[Any]) -> SafeString:
    """The bulk assignment's ``<option>`` per officer (the same bytes as the loop it replaced,
    kept in ``tests/reviews/test_queue_rows.py``)."""
    return mark_safe(  # every value escaped
        "".join(
            f'<option value="{escaped(str(o.pk))}">{escaped(person_name(o))}</option>'
            for o in officers
        )
    )
