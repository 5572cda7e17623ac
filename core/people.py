"""How a person is named where people read: a page, an email, a letter.

Their full name; an account without one (an invited person who has not finished signing up, a
staff account made by hand) by its email address; never the username, which is a login, not a
name (tests/i18n/test_no_internal_codes.py crawls for usernames)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def person_name(user: Any) -> str:
    if user is None:
        return ""
    full = (user.get_full_name() or "").strip()
    if full:
        return str(full)
    email = (getattr(user, "email", "") or "").strip()
    return str(email) if email else _("Account without a name")
