"""Links in account emails carry signed tokens (``django.core.signing``) rather than rows: a
token names the user or organisation and the email address, and expires on its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing

from applications.models import Organization

EMAIL_VERIFICATION_SALT = "sandbox.accounts.verify-email"
INVITATION_SALT = "sandbox.accounts.invitation"
EMAIL_VERIFICATION_MAX_AGE = dt.timedelta(days=3)
INVITATION_MAX_AGE = dt.timedelta(days=14)


def email_verification_token(user: Any, *, registration_number: str = "") -> str:
    """The link names the account, its address and the registration number it claims."""
    data = {"u": user.pk, "e": user.email}
    if registration_number:
        data["b"] = registration_number
    return signing.dumps(data, salt=EMAIL_VERIFICATION_SALT)


def email_verification_read(token: str) -> dict[str, Any]:
    """The user id and address a verification link is for; ``signing.BadSignature`` when the
    token is forged or expired."""
    data = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE)
    return data if isinstance(data, dict) else {}


def invitation_token(*, organization: Organization, email: str, by: Any) -> str:
    return signing.dumps({"o": organization.pk, "e": email, "by": by.pk}, salt=INVITATION_SALT)


def invitation_token_read(token: str) -> dict[str, Any]:
    """The organisation id and address an invitation is for; ``signing.BadSignature`` when the
    token is forged or expired."""
    data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    return data if isinstance(data, dict) else {}
