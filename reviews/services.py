"""The workspace's own writes: saved queue filters (a person's own settings, not case
actions, so not audit events)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotVisible
from reviews.models import SavedFilter

# The queue's parameters a saved filter keeps (never the page, never a download).
KEPT = ("tab", "status", "program", "track", "assignee", "overdue", "q", "sort")
MAX_PER_PERSON = 30


def clean_query(query: str) -> str:
    given = QueryDict(query)
    kept = QueryDict(mutable=True)
    for key in KEPT:
        value = given.get(key, "").strip()
        if value:
            kept[key] = value[:200]
    return kept.urlencode()


def saved_filter_save(*, by: Any, name: str, query: str) -> SavedFilter:
    """Save the queue view under a name (the same name again replaces it)."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput({"name": _("Give the filter a name.")})
    if len(name) > 100:
        raise InvalidInput({"name": _("Use at most 100 characters.")})
    with transaction.atomic():
        names = set(
            SavedFilter.objects.select_for_update().filter(user=by).values_list("name", flat=True)
        )
        if len(names) >= MAX_PER_PERSON and name not in names:
            raise InvalidInput(
                {
                    "name": _("You have %(n)s saved filters: delete one first.")
                    % {"n": MAX_PER_PERSON}
                }
            )
        saved, _created = SavedFilter.objects.update_or_create(
            user=by, name=name, defaults={"query": clean_query(query)}
        )
        return saved


def saved_filter_delete(*, by: Any, pk: int) -> None:
    with transaction.atomic():
        deleted, _rows = SavedFilter.objects.filter(user=by, pk=pk).delete()
    if not deleted:
        raise NotVisible(_("No such saved filter."))
