"""Account writes: sign-up with an organisation, email verification, invitations of colleagues,
and staff members' two-factor devices.

Each is one transaction; the account events go on the audit chain (with no case), and emails
are sent after commit.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import emails, tokens
from accounts.twofactor import DEVICE_NAME, confirmed_device, needs_second_factor
from accounts.vocabulary import AccountAction
from applications.audit import audit_record
from applications.models import Membership, Organization
from applications.roles import Role, holds_staff_powers, roles_of
from applications.validators import normalize_brn
from core.errors import InvalidInput, NotPermitted, NotVisible, WrongState


def _email_taken(email: str) -> bool:
    return bool(
        get_user_model().objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()
    )


def _check_password(password: str, user: Any) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput({"password1": list(error.messages)}) from error


def _join_applicants(user: Any) -> None:
    group, _created = Group.objects.get_or_create(name=Role.APPLICANT)
    user.groups.add(group)


def applicant_sign_up(
    *,
    full_name: str,
    email: str,
    password: str,
    organization_name: str,
    registration_number: str,
    representative: str,
    address: str,
    language: str,
) -> Any:
    """A person registers with their organisation and becomes its first member (who may invite
    colleagues). The account stays inactive until the emailed verification link is followed."""
    email = email.strip().lower()
    problems: dict[str, str] = {}
    if _email_taken(email):
        problems["email"] = _(
            "An account with this email address already exists. Sign in, or reset your password."
        )
    try:
        brn = normalize_brn(registration_number)
    except ValidationError as error:
        problems["registration_number"] = " ".join(error.messages)
        brn = ""
    if (
        brn
        and Organization.objects.filter(
            registration_number__in=[brn, brn.replace("-", "")]
        ).exists()
    ):
        problems["registration_number"] = _(
            "This organisation is already registered. Ask a colleague there to invite you."
        )
    for field, value in (
        ("full_name", full_name),
        ("organization_name", organization_name),
        ("representative", representative),
        ("address", address),
    ):
        if not value.strip():
            problems[field] = _("This field is required.")
    if language not in ("ko", "en"):
        problems["language"] = _("Choose Korean or English.")
    if problems:
        raise InvalidInput(problems)
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model(
            username=email, email=email, first_name=full_name.strip()[:150], is_active=False
        )
        _check_password(password, user)
        user.set_password(password)
        user.save()
        _join_applicants(user)
        organization = Organization.objects.create(
            name=organization_name.strip(),
            registration_number=brn,
            representative=representative.strip(),
            address=address.strip(),
            language=language,
        )
        Membership.objects.create(user=user, organization=organization, is_owner=True)
        audit_record(
            application=None,
            actor=user,
            actor_role=Role.APPLICANT,
            action=AccountAction.ORGANIZATION_REGISTERED,
            payload={"organization": organization.pk, "registration_number": brn},
        )
        user_id = user.pk
        transaction.on_commit(
            lambda: emails.send_email_verification(user_id=user_id, language=language)
        )
    return user


def account_verify_email(*, token: str) -> Any:
    """Following the emailed link activates the account (once; later clicks change nothing)."""
    invalid = InvalidInput(
        {"token": _("This link is not valid or has expired. Sign up again or ask for help.")}
    )
    try:
        data = tokens.email_verification_read(token)
    except signing.BadSignature as error:
        raise invalid from error
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().filter(pk=data.get("u") or 0).first()
        if user is None or user.email != data.get("e"):
            raise invalid
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
            audit_record(
                application=None,
                actor=user,
                actor_role=Role.APPLICANT,
                action=AccountAction.EMAIL_VERIFIED,
                payload={"user": user.pk},
            )
    return user


def invitation_send(*, organization: Organization, by: Any, email: str) -> str:
    """A member who may invite (the organisation's owner) invites a colleague by email."""
    email = email.strip().lower()
    membership = Membership.objects.filter(user=by, organization=organization).first()
    if membership is None:
        raise NotVisible(_("No such organisation."))
    if not membership.is_owner:
        raise NotPermitted(_("Only the organisation's administrators can invite colleagues."))
    if not email or "@" not in email:
        raise InvalidInput({"email": _("Enter an email address, e.g. name@example.com.")})
    if organization.memberships.filter(user__email__iexact=email).exists():
        raise InvalidInput({"email": _("This person is already a member.")})
    token = tokens.invitation_token(organization=organization, email=email, by=by)
    with transaction.atomic():
        audit_record(
            application=None,
            actor=by,
            actor_role=Role.APPLICANT,
            action=AccountAction.MEMBER_INVITED,
            payload={"organization": organization.pk, "email": email},
        )
        org_id, inviter_id = organization.pk, by.pk
        transaction.on_commit(
            lambda: emails.send_invitation(
                organization_id=org_id, email=email, token=token, inviter_id=inviter_id
            )
        )
    return token


def invitation_read(*, token: str) -> tuple[Organization, str]:
    """The organisation and email address an invitation link is for, or ``InvalidInput``."""
    invalid = InvalidInput({"token": _("This invitation is not valid or has expired.")})
    try:
        data = tokens.invitation_token_read(token)
    except signing.BadSignature as error:
        raise invalid from error
    organization = Organization.objects.filter(pk=data.get("o") or 0).first()
    if organization is None or not data.get("e"):
        raise invalid
    return organization, str(data["e"])


def invitation_accept(
    *, token: str, by: Any = None, full_name: str = "", password: str = ""
) -> Any:
    """The invited person joins: signed in with the invited address, or as a new account (the
    invitation link proves the address, so it is active at once)."""
    organization, email = invitation_read(token=token)
    with transaction.atomic():
        if by is not None and getattr(by, "is_authenticated", False):
            if (by.email or "").lower() != email:
                raise NotPermitted(
                    _("This invitation is for %(email)s; sign in with that address.")
                    % {"email": email}
                )
            if holds_staff_powers(by):
                # Separation of duties: staff never act for an applicant (applications/roles.py).
                raise NotPermitted(
                    _(
                        "A staff account cannot join an applying organisation. If you also "
                        "work for this organisation, accept the invitation with a separate "
                        "personal account."
                    )
                )
            user = by
        else:
            if _email_taken(email):
                raise InvalidInput(
                    {
                        "__all__": _(
                            "You already have an account: sign in first, then open the link again."
                        )
                    }
                )
            if not full_name.strip():
                raise InvalidInput({"full_name": _("Enter your full name.")})
            user = get_user_model()(
                username=email, email=email, first_name=full_name.strip()[:150], is_active=True
            )
            _check_password(password, user)
            user.set_password(password)
            user.save()
        _join_applicants(user)
        _membership, created = Membership.objects.get_or_create(
            user=user, organization=organization, defaults={"is_owner": False}
        )
        if created:
            audit_record(
                application=None,
                actor=user,
                actor_role=Role.APPLICANT,
                action=AccountAction.MEMBER_JOINED,
                payload={"organization": organization.pk},
            )
    return user


# --- two-factor sign-in for staff ------------------------------------------------------------


def totp_device_start(*, user: Any) -> TOTPDevice:
    """A staff member without a confirmed device gets one unconfirmed device to scan (the same
    one until it is confirmed, so reloading the page keeps the QR code)."""
    if not needs_second_factor(user):
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
            action=AccountAction.TWO_FACTOR_ENROLLED,
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
