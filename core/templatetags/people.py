"""``{{ user|person }}``: a person's name as ``core.people.person_name`` gives it."""

from __future__ import annotations

from typing import Any

from django import template

from core.people import person_name

register = template.Library()


@register.filter
def person(user: Any) -> str:
    return person_name(user)
