"""Who works a case: claim, assign, release, and conflicts of interest.

Who works a case is recorded on ``assigned_officer``; every change of hands bumps the case
version (forms opened before it are stale) and is an audit event. A declared conflict of
interest is an audit event too, and it bars that officer from the case for good.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.audit import appends_at_end
from applications.models import (
    Application,
)
from applications.roles import Role, has_role, ministry_of
from applications.services.kernel import (
    application_row_lock,
    clean_text,
    event_record,
    refresh_caller_copy,
    require,
    require_no_conflict_declared,
    require_version,
    require_visible,
)
from applications.vocabulary import AuditAction
from core.errors import DomainError, InvalidInput, NotPermitted
from core.people import person_name


def _refuse_conflicted(application: Application, officer: Any) -> None:
    """The officer who would receive the case must not have declared a conflict in it (the one
    acting is checked by the permission predicates)."""
    if officer is not None and perms.declared_conflict(officer, application):
        raise NotPermitted(
            _("%(officer)s declared a conflict of interest in this case and cannot work on it.")
            % {"officer": person_name(officer)}
        )


def _change_hands(
    *,
    application: Application,
    by: Any,
    officer: Any,
    action: str,
    predicate: perms.Predicate,
    expected_version: int | None,
    payload: dict[str, Any],
) -> Application:
    with appends_at_end():
        app = application_row_lock(application)
        require_visible(by, app)
        require_version(app, expected_version)
        require(predicate, by, app)
        _refuse_conflicted(app, officer)
        previous = app.assigned_officer
        app.assigned_officer = officer
        app.version += 1
        app.save(update_fields=["assigned_officer", "version", "updated_at"])
        event_record(
            app,
            by,
            Role.CASE_OFFICER,
            action,
            {
                "assigned_officer": officer.get_username() if officer is not None else "",
                "previous_officer": previous.get_username() if previous is not None else "",
                **payload,
            },
        )
    refresh_caller_copy(application, app)
    return app


def application_claim(
    *,
    application: Application,
    by: Any,
    no_conflict_declared: bool,
    expected_version: int | None = None,
) -> Application:
    """A lead-ministry case officer takes an unassigned case, declaring no conflict of interest
    (someone with a conflict records it with ``conflict_declare`` instead)."""
    require_no_conflict_declared(no_conflict_declared)
    return _change_hands(
        application=application,
        by=by,
        officer=by,
        action=AuditAction.CLAIMED,
        predicate=perms.can_claim_application,
        expected_version=expected_version,
        payload={"no_conflict_declared": True},
    )


def application_assign(
    *,
    application: Application,
    by: Any,
    officer: Any,
    expected_version: int | None = None,
) -> Application:
    """An officer hands an unassigned case (or their own) to a colleague of the same ministry;
    a colleague who declared a conflict in the case cannot receive it."""
    if officer is None:
        raise InvalidInput({"officer": _("Choose the officer who will work on the case.")})
    ministry = ministry_of(officer)
    if (
        not has_role(officer, Role.CASE_OFFICER)
        or ministry is None
        or ministry.pk != application.program.lead_ministry_id
    ):
        raise InvalidInput(
            {"officer": _("Choose a case officer of the ministry that leads this programme.")}
        )
    return _change_hands(
        application=application,
        by=by,
        officer=officer,
        action=AuditAction.ASSIGNED,
        predicate=perms.can_assign_application,
        expected_version=expected_version,
        payload={},
    )


def applications_assign_many(
    *, applications: list[Application], by: Any, officer: Any
) -> tuple[list[Application], dict[str, str]]:
    """Bulk assignment from the queue: each case is assigned on its own (its own transaction,
    lock and checks, as ``application_assign``), so one that may not be handed over (taken
    meanwhile, closed, not the user's to hand) leaves the others assigned. Returns the cases
    assigned and, per reference, why each other one was not."""
    assigned: list[Application] = []
    refused: dict[str, str] = {}
    for application in applications:
        try:
            assigned.append(application_assign(application=application, by=by, officer=officer))
        except InvalidInput as error:  # the reasons alone, without their field names
            refused[application.reference or str(application.pk)] = " ".join(
                message for messages in error.errors.values() for message in messages
            )
        except DomainError as error:
            refused[application.reference or str(application.pk)] = error.message
    return assigned, refused


def application_release(
    *, application: Application, by: Any, reason: str = "", expected_version: int | None = None
) -> Application:
    """The assigned officer gives the case back to the pool (it appears as unassigned)."""
    return _change_hands(
        application=application,
        by=by,
        officer=None,
        action=AuditAction.RELEASED,
        predicate=perms.can_release_application,
        expected_version=expected_version,
        payload={"reason": reason.strip()},
    )


def conflict_declare(
    *, application: Application, by: Any, details: str, expected_version: int | None = None
) -> Application:
    """An officer records a conflict of interest: the case is not assigned to them (if it was,
    it is released) and they can never claim, accept or be assigned it."""
    text = clean_text(details, "conflict_details", _("Describe the conflict of interest."))
    with appends_at_end():
        app = application_row_lock(application)
        require_visible(by, app)
        require_version(app, expected_version)
        require(perms.can_declare_conflict, by, app)
        payload: dict[str, Any] = {"details": text, "officer": by.get_username()}
        if app.assigned_officer_id == by.pk:
            app.assigned_officer = None
            app.version += 1
            app.save(update_fields=["assigned_officer", "version", "updated_at"])
            payload["released"] = True
        event_record(app, by, Role.CASE_OFFICER, AuditAction.CONFLICT_DECLARED, payload)
    refresh_caller_copy(application, app)
    return app
