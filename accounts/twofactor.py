"""Two-factor sign-in for ministry staff: TOTP devices (django-otp), their QR code, and the
current code of a device (for the demo command and the tests, which generate real codes)."""

from __future__ import annotations

from typing import Any

import segno
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from applications.roles import Role, roles_of

# Everyone who works in /review/: ministry staff, auditors (who only read), the committees'
# secretariat and their members (who are often not ministry staff).
REVIEW_ROLES = frozenset(
    {
        Role.CASE_OFFICER,
        Role.CONSULTEE,
        Role.DECISION_MAKER,
        Role.AUDITOR,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_MEMBER,
    }
)

# The demo staff share this TOTP secret (hex), so that `manage.py demo_totp <username>` or any
# authenticator app set up with it gives a working code. Never used outside the demo seed.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
DEVICE_NAME = "Authenticator app"


def works_in_review(user: Any) -> bool:
    """True for users with a staff or auditor role."""
    return bool(roles_of(user) & REVIEW_ROLES)


def needs_second_factor(user: Any) -> bool:
    """Staff, auditors and the operator hold powers (reading every case of a ministry or all of
    them, deciding, correcting letters, configuring) that a password alone must never open, on
    any surface: pages, downloads, letter actions, the browser's API session, the admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    return works_in_review(user) or bool(user.is_staff or user.is_superuser)


def second_factor_missing(user: Any) -> bool:
    """A signed-in person who needs the second factor and has not passed it in this session
    (``is_verified`` is put on ``request.user`` by django-otp's middleware)."""
    if not needs_second_factor(user):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def current_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code an authenticator app shows for ``device`` now (or at the Unix time ``at``)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def qr_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an SVG QR code in a data: URI (allowed by img-src)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def key_for_humans(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    import base64

    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
