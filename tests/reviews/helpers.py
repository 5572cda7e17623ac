"""Signing staff in through the real two-factor pages, with codes computed from the device key."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import current_code


def totp_device(user: Any) -> TOTPDevice:
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="Authenticator app", defaults={"confirmed": True}
    )
    return device


def signed_in(user: Any) -> Client:
    """A client signed in as ``user`` that has passed the TOTP step on /review/2fa/verify/."""
    client = Client()
    client.force_login(user)
    device = totp_device(user)
    response = client.post(
        "/review/2fa/verify/", {"token": current_code(device), "next": "/review/"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def version_of(app: Any) -> int:
    app.refresh_from_db()
    return int(app.version)
