"""Signing in with a username and password, and the signed-in user read once per request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist

from applications.roles import ROLE_AND_ORGANISATION_COLUMNS, remember_roles_and_organisations
from core.prepared import PreparedGet


class SandboxModelBackend(ModelBackend):
    """Django's model backend, except that the user a session names is read together with their
    staff profile, its ministry, their roles and their organisations: nearly every page asks
    whether the user is staff, for which ministry, in which role and for which organisations,
    which would otherwise cost one or two more queries a request."""

    def get_user(self, user_id: Any) -> Any:
        try:
            user, rows = _USER_WITH_PROFILE_AND_ROLES.get_with_annotations(user_id)
        except ObjectDoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        # Read in the same statement as the user row: what roles_of/organisations_of answer
        # for the rest of the request, as their own query would have on its first ask.
        remember_roles_and_organisations(user, rows)
        return user


# Every signed-in request runs it: compiled once per thread (core/prepared.py). One row per
# (group, membership) pair of the user; the user, profile and ministry from the first.
_USER_WITH_PROFILE_AND_ROLES: PreparedGet[Any] = PreparedGet(
    lambda: (
        get_user_model()
        ._default_manager.select_related("staff_profile__ministry")
        .annotate(**ROLE_AND_ORGANISATION_COLUMNS)
    )
)
