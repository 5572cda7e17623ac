"""Applicants who agreed to an older version of the personal-data notice read and agree to the
current one before they go on in the portal (``accounts/consent.py``)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import consent

GATED_PREFIXES = ("/apply/",)


class PrivacyConsentMiddleware:
    """One query a session at most: once the current version is known to be agreed to, the
    session remembers it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path.startswith(GATED_PREFIXES)
            and request.session.get(consent.SESSION_KEY) != consent.CURRENT
        ):
            if consent.must_agree_again(user):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('privacy-consent')}?{query}")
            request.session[consent.SESSION_KEY] = consent.CURRENT
        return self.get_response(request)
