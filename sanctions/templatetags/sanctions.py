"""The due-process procedure on the case pages of the portal and the workspace:
``{% load sanctions %}`` then ``{% applicant_sanctions application %}`` or
``{% staff_sanctions application %}``."""

from __future__ import annotations

from typing import Any

from django import template

from applications import availability as kernel_availability
from sanctions import availability, selectors

register = template.Library()


def open_actions(user: Any, application: Any) -> frozenset[str]:
    """The procedure's case actions open to ``user`` now, conversion included."""
    actions = set(availability.case_actions(user, application))
    if kernel_availability.is_open(
        "convert", user, application, kernel_availability.case_facts(user, application)
    ):
        actions.add("convert")
    return frozenset(actions)


@register.simple_tag(takes_context=True)
def sanctions_open(context: template.Context, application: Any) -> frozenset[str]:
    """For the workspace's "What you can do now": ``{% sanctions_open application as names %}``
    (nothing, and no query, before the term)."""
    if application.status not in availability.SANCTIONABLE:
        return frozenset()
    return open_actions(context["request"].user, application)


@register.inclusion_tag("sanctions/_action_links.html")
def sanctions_action_links(application: Any, names: frozenset[str]) -> dict[str, Any]:
    return {"application": application, "names": names}


def _panel(context: template.Context, application: Any) -> dict[str, Any]:
    """Nothing (and no query) before the term: the procedure concerns a waiver in force."""
    request = context["request"]
    if application.status not in availability.SANCTIONABLE | {"revoked", "expired", "regularized"}:
        return {"panel": None, "request": request}
    panel = selectors.panel_for(
        user=request.user,
        application=application,
        open_actions=open_actions(request.user, application),
    )
    if not (panel.notices or panel.suspension):
        return {"panel": None, "request": request}
    return {"panel": panel, "application": application, "request": request}


@register.inclusion_tag("sanctions/_applicant_panel.html", takes_context=True)
def applicant_sanctions(context: template.Context, application: Any) -> dict[str, Any]:
    return _panel(context, application)


@register.inclusion_tag("sanctions/_staff_panel.html", takes_context=True)
def staff_sanctions(context: template.Context, application: Any) -> dict[str, Any]:
    return _panel(context, application)
