"""API credentials: token issue and revocation (writes), the DRF authentication class that
checks them, the per-token throttle and the access log every authenticated API request writes.

A token is ``sbx_<prefix>_<secret>``; the database keeps only the SHA-256 of the whole string,
so a copy of the database does not give anyone a working token. The string is shown once.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling
from rest_framework.request import Request

from accounts.twofactor import second_factor_missing
from api.models import ApiAccessLog, ApiToken
from applications.roles import Role, roles_of
from core.errors import InvalidInput, NotVisible

TOKEN_PREFIX = "sbx"
KEYWORDS = ("Bearer", "Token")


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_issue(*, username: str, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for an active user; returns the row and the secret, which is never stored
    and cannot be shown again."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InvalidInput({"username": _("No active user has this username.")})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100],
            prefix=prefix,
            key_hash=_digest(raw),
            created_at=timezone.now(),
        )
    return token, raw


def api_token_revoke(*, prefix: str) -> ApiToken:
    """Revoke the active token with this prefix; it stops working at once. Idempotent refusals
    are errors: an unknown or already revoked prefix names nothing to revoke."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(prefix=prefix).first()
        if token is None:
            raise NotVisible(_("No API token has this prefix."))
        if token.revoked_at is not None:
            raise InvalidInput({"prefix": _("This token is already revoked.")})
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_for(raw: str) -> ApiToken | None:
    """The active token whose secret this is, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token


# How far behind a token's ``last_used_at`` may be: the token list shows it to the minute, and a
# machine that pulls back to back would otherwise write its token's row on every request.
LAST_USE_RESOLUTION = datetime.timedelta(minutes=1)


def token_record_use(token: ApiToken) -> None:
    """Record that ``token`` was used now, unless its last use recorded is under a minute old
    (``LAST_USE_RESOLUTION``): ``last_used_at`` is right to the minute, not to the request."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` (``Token <token>`` is accepted too)."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in {k.lower() for k in KEYWORDS}:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from error
        token = api_token_for(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        token_record_use(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser's session (CSRF-checked as DRF does), refused to staff, auditors and the
    operator until they have passed the second factor in this session: a password alone opens
    no staff power, in the API either. Machines use tokens."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None and second_factor_missing(result[0]):
            raise exceptions.AuthenticationFailed(
                _("Finish two-factor sign-in on the staff pages before using the API.")
            )
        return result


class VerifiedSessionScheme(SessionScheme):
    """Tells the OpenAPI schema that the session cookie still authenticates browsers."""

    target_class = "api.auth.VerifiedSessionAuthentication"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Tells the OpenAPI schema about the Bearer token."""

    target_class = "api.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "sbx_<prefix>_<secret>"}


class ApiTokenThrottle(throttling.SimpleRateThrottle):
    """One budget per token (per user for browser sessions); rate from ``api`` in settings."""

    scope = "api"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def quota(self) -> tuple[int, int, int, int] | None:
        """(limit, remaining, seconds until the window frees a request, window seconds) after
        ``allow_request``, for the ``RateLimit`` headers; None when there is no budget."""
        history = getattr(self, "history", None)
        limit, window = getattr(self, "num_requests", None), getattr(self, "duration", None)
        if self.rate is None or history is None or not limit or not window:
            return None
        remaining = max(0, limit - len(history))
        oldest = history[-1] if history else self.now
        reset = max(0, math.ceil(window - (self.now - oldest)))
        return int(limit), remaining, reset, int(window)


def api_access_record(*, request: Request, status_code: int) -> None:
    """Log one API request by an authenticated user (who, which token, what, the answer)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    roles = roles_of(user)
    role = Role.AUDITOR if Role.AUDITOR in roles else ",".join(sorted(roles))[:32]
    ApiAccessLog.objects.create(
        at=timezone.now(),
        user=user,
        token=request.auth if isinstance(request.auth, ApiToken) else None,
        role=role,
        method=request.method or "",
        path=request.get_full_path()[:2000],
        status_code=status_code,
        request_id=getattr(request, "request_id", ""),
    )
