"""Roles are Django groups; a staff member's ministry comes from their ``StaffProfile``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.prepared import PreparedValues

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


# A user's role names and organisations in one query, compiled once per thread: one row per
# (group, membership) pair (LEFT JOINs: None where there is none; a person has a role or two).
_ROLES_AND_ORGANISATIONS = PreparedValues(
    lambda: get_user_model()._default_manager.values_list(
        "groups__name", "memberships__organization_id"
    )
)

# The same two columns as annotations, for a query that reads the user row anyway (the
# session's user, accounts/backends.py): ``remember_roles_and_organisations`` takes its rows.
ROLE_AND_ORGANISATION_COLUMNS = {
    "sandbox_role": models.F("groups__name"),
    "sandbox_organisation": models.F("memberships__organization_id"),
}


def remember_roles_and_organisations(user: Any, rows: list[dict[str, Any]]) -> None:
    """Keep on the user object what ``roles_of`` and ``organisations_of`` answer, from the rows
    of a query annotated with ``ROLE_AND_ORGANISATION_COLUMNS`` (every row of it)."""
    user._sandbox_roles = frozenset(
        row["sandbox_role"] for row in rows if row["sandbox_role"] is not None
    )
    user._sandbox_organisations = frozenset(
        row["sandbox_organisation"] for row in rows if row["sandbox_organisation"] is not None
    )


def _load_roles_and_organisations(user: Any) -> None:
    """Both caches ``roles_of`` and ``organisations_of`` keep on the user object, from one
    query: nearly every signed-in page asks both (the role, then the case's visibility)."""
    rows = _ROLES_AND_ORGANISATIONS.rows(user.pk)
    remember_roles_and_organisations(
        user, [{"sandbox_role": name, "sandbox_organisation": org} for name, org in rows]
    )


def roles_of(user: Any) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_sandbox_roles", None)
    if cached is None:
        if user.pk is None:
            return frozenset()
        _load_roles_and_organisations(user)
        cached = user._sandbox_roles
    return cached  # type: ignore[no-any-return]


def has_role(user: Any, role: str) -> bool:
    return role in roles_of(user)


# Separation of duties: a person either works for the regulator (a staff role, a ministry, the
# operator's flags) or belongs to applying organisations, never both. Account writes refuse to
# mix them (invitations, the admin), and an account that mixes them anyway (older data, a
# database edit) may act on no case at all: ``applications/permissions.py`` asks ``mixed``.
STAFF_ROLES = frozenset({Role.CASE_OFFICER, Role.CONSULTEE, Role.DECISION_MAKER, Role.AUDITOR})


def holds_staff_powers(user: Any) -> bool:
    """A staff or auditor role, a ministry, or the operator's flags."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(
        roles_of(user) & STAFF_ROLES
        or user.is_staff
        or user.is_superuser
        or getattr(user, "staff_profile", None) is not None
    )


def organisations_of(user: Any) -> frozenset[int]:
    """The ids of the applying organisations the user is a member of (one query, cached on the
    user object for the request, as ``roles_of``): the visibility check and the permission
    check of one case page ask the same question."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return frozenset()
    cached = getattr(user, "_sandbox_organisations", None)
    if cached is None:
        _load_roles_and_organisations(user)
        cached = user._sandbox_organisations
    return cached  # type: ignore[no-any-return]


def belongs_to_an_organisation(user: Any) -> bool:
    """Whether the user is a member of any applying organisation (cached for the request)."""
    return bool(organisations_of(user))


def mixed(user: Any) -> bool:
    """Staff powers and an organisation's membership in one account: it acts on no case."""
    return holds_staff_powers(user) and belongs_to_an_organisation(user)


def ministry_of(user: Any) -> Ministry | None:
    """The ministry a staff member works for, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "staff_profile", None)
    return profile.ministry if profile is not None else None
