"""The due-process procedure on the case pages of the portal and the workspace:
``{% load sanctions %}`` then ``{% applicant_sanctions application %}`` or
``{% staff_sanctions application %}``."""

from __future__ import annotations

from typing import Any

from django import template

from applications import availability as kernel_availability
from sanctions import availability, selectors

register = template.Library()


def _panel(context: template.Context, application: Any) -> dict[str, Any]:
    """Nothing (and no query) before the term: the procedure concerns a waiver in force."""
    request = context["request"]
    if application.status not in availability.SANCTIONABLE | {"revoked", "expired", "regularized"}:
        return {"panel": None, "request": request}
    actions = set(availability.case_actions(request.user, application))
    if kernel_availability.is_open(
        "convert",
        request.user,
        application,
        kernel_availability.case_facts(request.user, application),
    ):
        actions.add("convert")
    panel = selectors.panel_for(
        user=request.user, application=application, open_actions=frozenset(actions)
    )
    if not (panel.notices or panel.suspension or panel.open_actions):
        return {"panel": None, "request": request}
    return {"panel": panel, "application": application, "request": request}


@register.inclusion_tag("sanctions/_applicant_panel.html", takes_context=True)
def applicant_sanctions(context: template.Context, application: Any) -> dict[str, Any]:
    return _panel(context, application)


@register.inclusion_tag("sanctions/_staff_panel.html", takes_context=True)
def staff_sanctions(context: template.Context, application: Any) -> dict[str, Any]:
    return _panel(context, application)
