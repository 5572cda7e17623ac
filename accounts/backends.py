"""Signing in with a username and password, and the signed-in user read once per request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist

from core.prepared import PreparedGet


class SandboxModelBackend(ModelBackend):
    """Django's model backend, except that the user a session names is read together with their
    staff profile and its ministry: nearly every page asks whether the user is staff and for
    which ministry, which would otherwise cost one or two more queries a request."""

    def get_user(self, user_id: Any) -> Any:
        try:
            user = _USER_WITH_PROFILE.get(user_id)
        except ObjectDoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


# Every signed-in request runs it: compiled once per thread (core/prepared.py).
_USER_WITH_PROFILE: PreparedGet[Any] = PreparedGet(
    lambda: get_user_model()._default_manager.select_related("staff_profile__ministry")
)
