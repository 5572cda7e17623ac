"""Account writes: sign-up with an organisation, email verification, invitations of colleagues,
and staff members' two-factor devices.

Each is one transaction; the account events go on the audit chain (with no case), and emails
are sent after commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import consent, emails, tokens
from accounts.twofactor import DEVICE_NAME, confirmed_device, needs_second_factor
from accounts.vocabulary import AccountAction
from applications.audit import audit_record
from applications.models import AuditEvent, Membership, Organization
from applications.roles import Role, holds_staff_powers, roles_of
from applications.validators import normalize_brn
from core.errors import InvalidInput, NotPermitted, NotVisible, RateLimited, WrongState
from core.throttle import throttle_hit


def _email_taken(email: str) -> bool:
    return bool(
        get_user_model().objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()
    )


# --- claims: unverified sign-ups reserve nothing ------------------------------------------------
# A sign-up makes an inactive account and its organisation at once, but until the emailed link is
# followed neither the address nor the registration number is really taken: a newer sign-up for
# the same address or number stands beside it (the older claim is set aside under a placeholder),
# the first claim to be verified takes both, and claims never verified expire
# (``unverified_sign_ups_expire``, a scheduler tick and ``manage.py expire_unverified_sign_ups``).

SET_ASIDE = "unverified-{pk}"
EXPIRED = "expired-{pk}"


def _is_unverified_claim(user: Any) -> bool:
    """An account made by sign-up whose address was never confirmed (not a deactivated one)."""
    if user.is_active or user.last_login is not None:
        return False
    events = AuditEvent.objects.filter(actor=user, application__isnull=True)
    return bool(
        events.filter(action=AccountAction.ORGANIZATION_REGISTERED).exists()
        and not events.filter(action=AccountAction.EMAIL_VERIFIED).exists()
    )


def _accounts_for(email: str) -> list[Any]:
    return list(
        get_user_model()
        .objects.select_for_update()
        .filter(Q(username__iexact=email) | Q(email__iexact=email))
        .order_by("pk")
    )


def _organizations_numbered(brn: str) -> Any:
    return Organization.objects.filter(registration_number__in=[brn, brn.replace("-", "")])


def _is_claimed(organization: Organization) -> bool:
    """An organisation with a verified (active) member holds its registration number for good."""
    return bool(organization.memberships.filter(user__is_active=True).exists())


def _set_aside_accounts(email: str, *, keep: Any = None) -> None:
    """Unverified claims on this address give the user name up (they keep their address, so
    their own link still works until another claim is verified)."""
    for user in _accounts_for(email):
        if user.pk != getattr(keep, "pk", None) and user.username.lower() == email:
            user.username = SET_ASIDE.format(pk=user.pk)
            user.save(update_fields=["username"])


def _set_aside_organizations(brn: str, *, keep: Organization | None = None) -> None:
    for organization in _organizations_numbered(brn).select_for_update():
        if organization.pk != getattr(keep, "pk", None) and not _is_claimed(organization):
            organization.registration_number = SET_ASIDE.format(pk=organization.pk)
            organization.save(update_fields=["registration_number"])


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
    privacy_consent: str,
) -> Any:
    """A person registers with their organisation and becomes its first member (who may invite
    colleagues). The account stays inactive until the emailed verification link is followed.

    The answer never says whether the address has an account: when it has, nothing is made and
    the address is told by email instead (``None`` is returned; the page looks the same)."""
    email = email.strip().lower()
    problems: dict[str, str] = {}
    try:
        brn = normalize_brn(registration_number)
    except ValidationError as error:
        problems["registration_number"] = " ".join(error.messages)
        brn = ""
    if brn and any(_is_claimed(o) for o in _organizations_numbered(brn)):
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
    if privacy_consent != consent.CURRENT:
        problems["privacy_consent"] = _(
            "Agree to the collection and use of your personal data to create an account."
        )
    if problems:
        raise InvalidInput(problems)
    user_model = get_user_model()
    user = user_model(
        username=email, email=email, first_name=full_name.strip()[:150], is_active=False
    )
    _check_password(password, user)
    with transaction.atomic():
        holders = _accounts_for(email)
        if any(not _is_unverified_claim(holder) for holder in holders):
            make_password(password)  # the same work as a real sign-up: timing tells nothing
            transaction.on_commit(
                lambda: emails.send_sign_up_attempt_notice(email=email, language=language)
            )
            return None
        _set_aside_accounts(email)
        _set_aside_organizations(brn)
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
            # The agreement to the personal-data notice is recorded with the sign-up itself:
            # which version, read in which language, at the event's time (accounts/consent.py).
            payload={
                "organization": organization.pk,
                "registration_number": brn,
                "privacy_consent": privacy_consent,
                "privacy_consent_language": language,
            },
        )
        user_id = user.pk
        transaction.on_commit(
            lambda: emails.send_email_verification(user_id=user_id, language=language)
        )
    return user


def account_verify_email(*, token: str) -> Any:
    """Following the emailed link activates the account (once; later clicks change nothing).
    The first claim to be verified takes the address and the registration number; a claim
    whose address or number was verified by someone else meanwhile is refused."""
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
        if user.is_active:
            return user
        if not _is_unverified_claim(user) or user.username.startswith("expired-"):
            raise invalid
        email = str(user.email).lower()
        if any(h.pk != user.pk and not _is_unverified_claim(h) for h in _accounts_for(email)):
            raise InvalidInput(
                {
                    "token": _(
                        "An account with this address was confirmed meanwhile. Sign in, or "
                        "reset your password."
                    )
                }
            )
        membership = (
            Membership.objects.select_related("organization")
            .filter(user=user, is_owner=True)
            .order_by("pk")
            .first()
        )
        if membership is not None:
            organization = membership.organization
            brn = str(data.get("b") or organization.registration_number)
            if any(
                o.pk != organization.pk and _is_claimed(o) for o in _organizations_numbered(brn)
            ):
                raise InvalidInput(
                    {
                        "token": _(
                            "This organisation was registered meanwhile by someone else. Ask "
                            "a colleague there to invite you."
                        )
                    }
                )
            _set_aside_organizations(brn, keep=organization)
            organization.registration_number = brn
            organization.save(update_fields=["registration_number"])
        _set_aside_accounts(email, keep=user)
        user.username = email
        user.is_active = True
        user.save(update_fields=["username", "is_active"])
        audit_record(
            application=None,
            actor=user,
            actor_role=Role.APPLICANT,
            action=AccountAction.EMAIL_VERIFIED,
            payload={"user": user.pk},
        )
    return user


# --- sending the link again ---------------------------------------------------------------------
# The verification-sent page (and a link that no longer works) offer to send the link again. The
# answer is the same whether or not the address has an unconfirmed sign-up, and the budget is
# counted per address and per source whether or not one exists, so neither tells who signed up.

RESEND_PER_ADDRESS = "3/hour"  # links sent again to one address
RESEND_PER_SOURCE = "10/hour"  # requests from one network address


def email_verification_resend(*, email: str, source: str = "") -> None:
    """Anyone may ask for the verification link again for an address: when an unconfirmed
    sign-up uses it, a fresh link is emailed (after commit) and the resend is audited.

    ``RateLimited`` beyond ``RESEND_PER_ADDRESS`` requests for one address or
    ``RESEND_PER_SOURCE`` from one source (``core/throttle.py``; counted either way)."""
    email = email.strip().lower()
    by_address = throttle_hit("verification-resend-address", email, RESEND_PER_ADDRESS)
    by_source = throttle_hit("verification-resend-source", source or "-", RESEND_PER_SOURCE)
    if not (by_address.allowed and by_source.allowed):
        raise RateLimited(
            _("You have asked for several links already. Wait an hour, then try again.")
        )
    with transaction.atomic():
        user = next(
            (
                holder
                for holder in reversed(_accounts_for(email))
                if str(holder.email).lower() == email
                and _is_unverified_claim(holder)
                and not holder.username.startswith("expired-")
            ),
            None,
        )
        if user is None:
            return
        language = (
            Membership.objects.filter(user=user, is_owner=True)
            .values_list("organization__language", flat=True)
            .first()
        ) or "ko"
        audit_record(
            application=None,
            actor=user,
            actor_role=Role.APPLICANT,
            action=AccountAction.VERIFICATION_RESENT,
            payload={"user": user.pk},
        )
        user_id = user.pk
        transaction.on_commit(
            lambda: emails.send_email_verification(user_id=user_id, language=language)
        )


def privacy_consent_give(*, user: Any, version: str, language: str) -> None:
    """A signed-in person agrees to the current personal-data notice (after it changed):
    recorded on the audit chain with the version and the language it was read in."""
    if version != consent.CURRENT:
        raise InvalidInput(
            {"agree": _("The notice changed while you were reading it. Read it again.")}
        )
    with transaction.atomic():
        audit_record(
            application=None,
            actor=user,
            actor_role=Role.APPLICANT,
            action=AccountAction.PRIVACY_CONSENT_GIVEN,
            payload={"version": version, "language": language if language == "en" else "ko"},
        )


def password_reset_allowed(*, email: str, source: str = "") -> bool:
    """Whether another password-reset link may go to ``email`` now: the same budgets as the
    confirmation link, counted whether or not the address has an account."""
    email = email.strip().lower()
    by_address = throttle_hit("password-reset-address", email, RESEND_PER_ADDRESS)
    by_source = throttle_hit("password-reset-source", source or "-", RESEND_PER_SOURCE)
    return by_address.allowed and by_source.allowed


def unverified_sign_ups_expire(*, now: dt.datetime | None = None) -> int:
    """Sign-ups whose address was not confirmed within the link's lifetime give up their user
    name, address and registration number for good (the rows stay: the audit chain names
    them). Returns how many expired."""
    cutoff = (now or timezone.now()) - tokens.EMAIL_VERIFICATION_MAX_AGE
    candidates = get_user_model().objects.filter(
        is_active=False, last_login__isnull=True, date_joined__lt=cutoff
    )
    expired = 0
    for candidate_pk in candidates.exclude(username__startswith="expired-").values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            user = get_user_model().objects.select_for_update().get(pk=candidate_pk)
            if not _is_unverified_claim(user) or user.username.startswith("expired-"):
                continue
            for membership in Membership.objects.filter(user=user).select_related("organization"):
                organization = membership.organization
                if not _is_claimed(organization):
                    organization.registration_number = EXPIRED.format(pk=organization.pk)
                    organization.save(update_fields=["registration_number"])
            user.username = EXPIRED.format(pk=user.pk)
            user.email = ""
            user.set_unusable_password()
            user.save(update_fields=["username", "email", "password"])
            audit_record(
                application=None,
                actor=None,
                actor_role=Role.SYSTEM,
                action=AccountAction.SIGN_UP_EXPIRED,
                payload={"user": user.pk},
            )
            expired += 1
    return expired


def expire_sign_ups_tick() -> str:
    """The scheduler's tick job: unverified sign-ups past their link's lifetime expire."""
    count = unverified_sign_ups_expire()
    return f"sign-ups: {count} unverified expired" if count else ""


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
    invalid = InvalidInput(
        {
            "token": _(
                "This invitation is not valid or has expired (invitations work for 14 days). Ask "
                "the colleague who invited you to send a new one from their organisation page."
            )
        }
    )
    try:
        data = tokens.invitation_token_read(token)
    except signing.BadSignature as error:
        raise invalid from error
    organization = Organization.objects.filter(pk=data.get("o") or 0).first()
    if organization is None or not data.get("e"):
        raise invalid
    return organization, str(data["e"])


def invitation_accept(
    *,
    token: str,
    by: Any = None,
    full_name: str = "",
    password: str = "",
    privacy_consent: str = "",
    language: str = "ko",
) -> Any:
    """The invited person joins: signed in with the invited address, or as a new account (the
    invitation link proves the address, so it is active at once) that agrees to the current
    personal-data notice, recorded with the join."""
    organization, email = invitation_read(token=token)
    with transaction.atomic():
        agreed: dict[str, str] = {}  # a new account's agreement, recorded with the join
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
            if privacy_consent != consent.CURRENT:
                raise InvalidInput(
                    {
                        "privacy_consent": _(
                            "Agree to the collection and use of your personal data to create "
                            "an account."
                        )
                    }
                )
            user = get_user_model()(
                username=email, email=email, first_name=full_name.strip()[:150], is_active=True
            )
            _check_password(password, user)
            user.set_password(password)
            user.save()
            agreed = {
                "privacy_consent": privacy_consent,
                "privacy_consent_language": "en" if language == "en" else "ko",
            }
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
                payload={"organization": organization.pk, **agreed},
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
