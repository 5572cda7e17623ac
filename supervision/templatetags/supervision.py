"""Supervision on the case pages of the portal and the workspace: ``{% load supervision %}``
then ``{% applicant_supervision application %}`` or ``{% staff_supervision application %}``
(each reads what it shows through ``selectors.panel_for``), and the ``won`` filter for amounts."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from supervision import availability, selectors

register = template.Library()


def _panel(context: template.Context, application: Any) -> dict[str, Any]:
    """Nothing (and no query) before the decision: supervision starts with the approval."""
    request = context["request"]
    if application.status not in availability.SUPERVISED:
        return {"panel": None, "request": request}
    return {
        "panel": selectors.panel_for(user=request.user, application=application),
        "request": request,
    }


@register.inclusion_tag("supervision/_applicant_panel.html", takes_context=True)
def applicant_supervision(context: template.Context, application: Any) -> dict[str, Any]:
    return _panel(context, application)


@register.inclusion_tag("supervision/_staff_panel.html", takes_context=True)
def staff_supervision(context: template.Context, application: Any) -> dict[str, Any]:
    return _panel(context, application)


@register.filter
def won(amount: int | None) -> str:
    """An amount of Korean won in the reader's language: ``1,000,000원`` / ``KRW 1,000,000``."""
    if amount is None:
        return "—"
    if (translation.get_language() or "ko").startswith("ko"):
        return f"{amount:,}원"
    return f"KRW {amount:,}"


@register.filter
def count(number: int | None) -> str:
    """A count with thousands separated: ``3,820``."""
    return "—" if number is None else f"{number:,}"
