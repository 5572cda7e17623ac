"""Who may use the auditor-only parts of the API: one predicate per action (the case-level rules
are ``applications/permissions.py`` and ``applications/visibility.py``)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from applications.roles import Role, has_role


def _auditor(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, Role.AUDITOR)


def can_verify_audit_chain(user: Any, obj: Any = None) -> bool:
    return _auditor(user)


def can_request_audit_checkpoint(user: Any, obj: Any = None) -> bool:
    return _auditor(user)


def can_read_access_log(user: Any, obj: Any = None) -> bool:
    return _auditor(user)


def can_manage_webhooks(user: Any, obj: Any = None) -> bool:
    """Auditors subscribe their own URLs; ``obj`` (a subscription) must be theirs."""
    return _auditor(user) and (obj is None or obj.owner_id == user.pk)


def only(predicate: Any, message: Any, actions: tuple[str, ...] | None = None) -> type:
    """A DRF permission from one of ``api/permissions.py``'s predicates (403 with ``message``),
    checked right after authentication (before parameters); for some ``actions`` only."""

    class Only(BasePermission):
        def has_permission(self, request: Any, view: Any) -> bool:
            if actions is not None and getattr(view, "action", None) not in actions:
                return True
            self.message = str(message)
            return bool(predicate(request.user))

    return Only
