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
        # The path first: any other page (the health check while the database is away, among
        # them) never loads the user here.
        if not request.path.startswith(GATED_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and request.session.get(consent.SESSION_KEY) != consent.CURRENT
            and user.is_authenticated
        ):
            if consent.must_agree_again(user):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('privacy-consent')}?{query}")
            request.session[consent.SESSION_KEY] = consent.CURRENT
        return self.get_response(request)
