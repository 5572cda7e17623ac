"""Template tags of the public side: what the portal's and the workspace's case pages show
about publication (a panel each), and the label of a part of a register entry."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats

from applications.models import Application
from register import availability, selectors
from register.rules import ClaimStatus, PublishedField, RegisterStatus

register = template.Library()


@register.filter
def part_label(value: str) -> str:
    """The name of a part of a register entry (``summary`` → "Summary of the service")."""
    try:
        return str(PublishedField(value).label)
    except ValueError:
        return value


@register.filter
def figure(value: Any) -> str:
    """A table cell: numbers grouped in the reader's locale, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formats.number_format(value, force_grouping=True)
    return str(value)


@register.filter
def register_status_label(value: str) -> str:
    try:
        return str(RegisterStatus(value).label)
    except ValueError:
        return value


@register.inclusion_tag("register/_publication_panel.html")
def publication_panel(application: Application, user: Any) -> dict[str, Any]:
    """On the applicant's case page: where to see and change what the register will publish."""
    shown = availability.published_if_granted(application)
    claims = selectors.claims_of(application=application) if shown else []
    return {
        "application": application,
        "shown": shown,
        "claims": claims,
        "open": shown and availability.claims_open(user, application),
        "entry": getattr(application, "register_entry", None) if shown else None,
    }


@register.inclusion_tag("register/_claims_panel.html")
def claims_panel(application: Application, user: Any) -> dict[str, Any]:
    """On the staff case page: the case's trade-secret claims and whether any awaits this
    officer's decision."""
    claims = selectors.claims_of(application=application)
    waiting = [c for c in claims if c.status == ClaimStatus.CLAIMED]
    return {
        "application": application,
        "claims": claims,
        "waiting": waiting,
        "may_decide": bool(waiting) and availability.claim_decisions_open(user, application),
    }
