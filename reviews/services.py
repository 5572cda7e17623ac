"""Writes owned by the review workspace: enrolling and confirming staff TOTP devices.

Case work (claim, assign, release, conflicts of interest and every transition) lives in
``applications.services``; the views here call those.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from applications.audit import audit_record
from applications.roles import Role, roles_of
from core.errors import InvalidInput, NotPermitted, WrongState
from reviews.twofactor import DEVICE_NAME, confirmed_device, works_in_review
from reviews.vocabulary import ReviewAction


def totp_device_start(*, user: Any) -> TOTPDevice:
    """A staff member without a confirmed device gets one unconfirmed device to scan (the same
    one until it is confirmed, so reloading the page keeps the QR code)."""
    if not works_in_review(user):
        raise NotPermitted(_("Two-factor sign-in is for ministry staff."))
    if confirmed_device(user) is not None:
        raise WrongState(_("You have already set up two-factor sign-in."))
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, user: Any, device: TOTPDevice, token: str) -> TOTPDevice:
    """The first correct code confirms the device; the enrolment is an audit event."""
    if device.user_id != user.pk or device.confirmed:
        raise WrongState(_("This device cannot be confirmed; start the set-up again."))
    # Checked outside the transaction below so that a wrong code's throttling delay is kept.
    if not device.verify_token(token.strip()):
        raise InvalidInput(
            {"token": _("That code is not right. Enter the 6-digit code the app shows now.")}
        )
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        audit_record(
            application=None,
            actor=user,
            actor_role=_review_role(user),
            action=ReviewAction.TWO_FACTOR_ENROLLED,
            payload={"device": locked.persistent_id},
        )
    return locked


def _review_role(user: Any) -> str:
    for role in (Role.CASE_OFFICER, Role.DECISION_MAKER, Role.CONSULTEE, Role.AUDITOR):
        if role in roles_of(user):
            return str(role)
    return ""


def totp_demo_device(*, user: Any, key: str) -> TOTPDevice:
    """Demo seed only: a confirmed device with a documented secret (idempotent)."""
    device, _created = TOTPDevice.objects.update_or_create(
        user=user, name=DEVICE_NAME, defaults={"key": key, "confirmed": True}
    )
    return device
