"""Signing in with a username and password, and the signed-in user read once per request:
with their staff profile, ministry, roles, organisations and second-factor devices, in one
query (docs/performance.md, "Every signed-in request's fixed cost")."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from applications.roles import ROLE_AND_ORGANISATION_COLUMNS, remember_roles_and_organisations
from core.prepared import PreparedGet

# The TOTP device's columns as annotations of the user row (LEFT JOIN: None without a device).
_DEVICE_FIELDS = [field.attname for field in TOTPDevice._meta.concrete_fields]
_DEVICE_COLUMNS = {f"sandbox_device_{name}": F(f"totpdevice__{name}") for name in _DEVICE_FIELDS}


class SandboxModelBackend(ModelBackend):
    """Django's model backend, except that the user a session names is read together with their
    staff profile, its ministry, their roles, their organisations and their TOTP devices: nearly
    every page asks whether the user is staff, for which ministry, in which role, for which
    organisations and (staff) whether this session passed the second factor, which would
    otherwise cost three more queries a request."""

    def get_user(self, user_id: Any) -> Any:
        try:
            user, rows = _SESSION_USER.get_with_annotations(user_id)
        except ObjectDoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        # Read in the same statement as the user row: what roles_of/organisations_of answer
        # for the rest of the request, as their own query would have on its first ask, and the
        # devices SessionDeviceMiddleware looks the session's device up among.
        remember_roles_and_organisations(user, rows)
        user._sandbox_devices = _devices_of(user, rows)
        return user


def _devices_of(user: Any, rows: list[dict[str, Any]]) -> dict[int, TOTPDevice]:
    """The user's TOTP devices by id, built from the device columns as ``QuerySet.get`` would
    (``from_db``; the columns' converters already applied), each once whatever the rows."""
    devices: dict[int, TOTPDevice] = {}
    db = user._state.db
    for row in rows:
        pk = row["sandbox_device_id"]
        if pk is not None and pk not in devices:
            values = [row[f"sandbox_device_{name}"] for name in _DEVICE_FIELDS]
            devices[pk] = TOTPDevice.from_db(db, _DEVICE_FIELDS, values)
    return devices


# Every signed-in request runs it: compiled once per thread (core/prepared.py). One row per
# (group, membership, device) of the user; the user, profile and ministry from the first.
_SESSION_USER: PreparedGet[Any] = PreparedGet(
    lambda: (
        get_user_model()
        ._default_manager.select_related("staff_profile__ministry")
        .annotate(**ROLE_AND_ORGANISATION_COLUMNS, **_DEVICE_COLUMNS)
    )
)

_TOTP_LABEL = TOTPDevice.model_label()


class SessionDeviceMiddleware(OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``, ``is_verified()``), except that the
    device the session names is found among the devices read with the user
    (``SandboxModelBackend``) instead of by a query of its own. django-otp then keeps it only
    if it is the user's and confirmed, as before: a device of the session's user that is not
    among them does not exist any more, and one of another user would be refused. Any other
    kind of device, or a user read some other way, goes through django-otp's own lookup."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        # Run at the request's first read of ``request.user``. From then on ``request.user`` is
        # the user itself: Django's middleware and django-otp's each wrap it in a lazy object,
        # and every attribute read through the two cost two proxy calls (a queue page reads
        # about a hundred: 0.2-0.4 ms of its Python, docs/performance.md). Nothing is read
        # before that first use, as before.
        user = _unwrapped(user)
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = self._session_device(user, persistent_id) if persistent_id else None
            user.otp_device = self._finalize_device(request, user, device)
        request.user = user
        return user

    def _session_device(self, user: Any, persistent_id: str) -> Any:
        devices = getattr(user, "_sandbox_devices", None)
        label, _slash, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        if devices is None or label != _TOTP_LABEL:
            return self._device_from_persistent_id(persistent_id)
        try:
            return devices.get(int(device_id))
        except ValueError:  # as django-otp: a malformed id names no device
            return None


def _unwrapped(user: Any) -> Any:
    """The object a ``SimpleLazyObject`` stands for (read now if it was not yet), else ``user``."""
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user
