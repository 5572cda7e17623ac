"""Signing in with a username and password, and the signed-in user read once per request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class SandboxModelBackend(ModelBackend):
    """Django's model backend, except that the user a session names is read together with their
    staff profile and its ministry: nearly every page asks whether the user is staff and for
    which ministry, which would otherwise cost one or two more queries a request."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        user = (
            model._default_manager.select_related("staff_profile__ministry")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
