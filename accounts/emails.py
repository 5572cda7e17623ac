"""Account emails: the address-verification link and invitations, in the reader's language.
Sent after the sign-up or invitation commits (``transaction.on_commit`` in the services)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.tokens import email_verification_token
from applications.models import Membership, Organization
from core.mail import send_templated, site_link


def send_email_verification(*, user_id: int, language: str) -> int:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return 0
    claimed = (
        Membership.objects.filter(user=user, is_owner=True)
        .values_list("organization__registration_number", flat=True)
        .first()
    )
    token = email_verification_token(user, registration_number=claimed or "")
    link = site_link(reverse("account-verify", args=[token]))
    with translation.override(language):
        return send_templated(
            to=[user.email],
            language=language,
            subject=_("Confirm your email address"),
            template="accounts/email/verify_email",
            context={"user": user, "link": link},
        )


def send_invitation(*, organization_id: int, email: str, token: str, inviter_id: int) -> int:
    organization = Organization.objects.filter(pk=organization_id).first()
    inviter = get_user_model().objects.filter(pk=inviter_id).first()
    if organization is None:
        return 0
    link = site_link(reverse("invitation-accept", args=[token]))
    with translation.override(organization.language):
        return send_templated(
            to=[email],
            language=organization.language,
            subject=_("%(organization)s invites you to the Regulatory Sandbox")
            % {"organization": organization.name},
            template="accounts/email/invitation",
            context={"organization": organization, "inviter": inviter, "link": link},
        )


def send_sign_up_attempt_notice(*, email: str, language: str) -> int:
    """Someone signed up with an address that has an account: the address is told (the sign-up
    page says the same to everyone, so it reveals nothing)."""
    with translation.override(language):
        return send_templated(
            to=[email],
            language=language,
            subject=_("Your email address already has an account"),
            template="accounts/email/sign_up_attempt",
            context={
                "login_link": site_link(reverse("login")),
                "reset_link": site_link(reverse("password_reset")),
            },
        )
