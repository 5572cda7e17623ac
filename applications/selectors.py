"""Reads: permission-aware querysets and case lookups with their related rows preloaded."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.models import Application, AuditEvent
from applications.roles import Role, has_role, ministry_of
from sandbox.errors import NotVisible


def applications_visible_to(*, user: Any) -> QuerySet[Application]:
    """Every case the user may read: all for auditors, their organisation's for applicants,
    their ministry's (lead or consulted) for staff."""
    base = Application.objects.select_related(
        "program", "track", "organization", "assigned_officer"
    )
    if not getattr(user, "is_authenticated", False):
        return base.none()
    if user.is_superuser or has_role(user, Role.AUDITOR):
        return base
    visible = Q(pk__in=[])
    if has_role(user, Role.APPLICANT):
        visible |= Q(organization__memberships__user=user)
    ministry = ministry_of(user)
    if ministry is not None:
        visible |= Q(program__lead_ministry=ministry) | Q(consultations__ministry=ministry)
    return base.filter(visible).distinct()


def application_get_for(
    *, user: Any, pk: int | None = None, reference: str | None = None
) -> Application:
    """One case by id or reference, or ``NotVisible`` when it does not exist for this user."""
    lookup = {"pk": pk} if pk is not None else {"reference": reference}
    app = (
        Application.objects.select_related("program", "track", "organization", "assigned_officer")
        .filter(**lookup)
        .first()
    )
    if app is None or not perms.can_view_application(user, app):
        raise NotVisible(_("No such application."))
    return app


def application_history(*, application: Application) -> QuerySet[AuditEvent]:
    """The case's audit events in chain order."""
    return (
        AuditEvent.objects.filter(application=application).select_related("actor").order_by("seq")
    )
