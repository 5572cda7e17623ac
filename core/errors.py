"""Domain errors shared by every app.

Services raise these; views, the API exception handler and commands translate them:
invalid input 400, not permitted 403, not visible 404, wrong state or stale version 409.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base class: a rule of the domain refused the action; nothing was written."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The input breaks a rule; ``errors`` maps field names to messages a person can act on."""

    status_code = 400

    def __init__(self, errors: Mapping[str, str | list[str]] | str) -> None:
        if isinstance(errors, str):
            errors = {"__all__": errors}
        self.errors: dict[str, list[str]] = {
            field: [msgs] if isinstance(msgs, str) else list(msgs) for field, msgs in errors.items()
        }
        super().__init__(
            "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())
        )


class StorageUnavailable(InvalidInput):
    """Files could not be written (disk full or unavailable); nothing was saved. Shown like an
    input error next to the file field, answered 507 by the API."""

    status_code = 507


class NotPermitted(DomainError):
    """The user may see the case but may not take this action on it."""

    status_code = 403


class NotVisible(DomainError):
    """The object does not exist for this user (never reveal another organisation's case)."""

    status_code = 404


class Conflict(DomainError):
    """The case is not in a state that allows the action, or it changed meanwhile."""

    status_code = 409


class WrongState(Conflict):
    """The transition is not available from the case's current status."""


class StaleVersion(Conflict):
    """The case changed since the form or request was prepared (optimistic locking)."""


class ServiceUnavailable(Exception):
    """Something this service depends on (the object store holding the files) cannot be reached
    just now; nothing was written. Pages answer 503 with ``Retry-After`` and say what to do; the
    API answers the ``unavailable`` problem (``sandbox.views.server_error``)."""


class RateLimited(DomainError):
    """Asked too often in a short time (e.g. emails sent again): wait, then try again."""

    status_code = 429
