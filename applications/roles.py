"""Roles are Django groups; a staff member's ministry comes from their ``StaffProfile``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from applications.models import Ministry


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    CASE_OFFICER = "case_officer", _("Case officer")
    CONSULTEE = "consultee", _("Consultee")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    AUDITOR = "auditor", _("Auditor")
    COMMITTEE_SECRETARY = "committee_secretary", _("Committee secretariat")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    SYSTEM = "system", _("System")


def roles_of(user: Any) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_sandbox_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._sandbox_roles = cached
    return cached


def has_role(user: Any, role: str) -> bool:
    return role in roles_of(user)


def ministry_of(user: Any) -> Ministry | None:
    """The ministry a staff member works for, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "staff_profile", None)
    return profile.ministry if profile is not None else None
