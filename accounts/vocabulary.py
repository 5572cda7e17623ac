"""The accounts app's audit actions (events with no case) and how they read."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.vocabulary import Wording


class AccountAction(models.TextChoices):
    ORGANIZATION_REGISTERED = "organization_registered"
    EMAIL_VERIFIED = "email_verified"
    MEMBER_INVITED = "member_invited"
    MEMBER_JOINED = "member_joined"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled"
    SIGN_UP_EXPIRED = "sign_up_expired"
    VERIFICATION_RESENT = "verification_resent"
    PRIVACY_CONSENT_GIVEN = "privacy_consent_given"


# Account events belong to no case, so no case timeline shows them to the applicant.
ACCOUNT_WORDING: dict[str, Wording] = {
    AccountAction.ORGANIZATION_REGISTERED: Wording(_("Organisation registered"), None),
    AccountAction.EMAIL_VERIFIED: Wording(_("Email address confirmed"), None),
    AccountAction.MEMBER_INVITED: Wording(_("Colleague invited"), None),
    AccountAction.MEMBER_JOINED: Wording(_("Colleague joined the organisation"), None),
    AccountAction.TWO_FACTOR_ENROLLED: Wording(_("Two-factor sign-in set up"), None),
    AccountAction.SIGN_UP_EXPIRED: Wording(_("Unconfirmed sign-up expired"), None),
    AccountAction.VERIFICATION_RESENT: Wording(_("Confirmation link sent again"), None),
    AccountAction.PRIVACY_CONSENT_GIVEN: Wording(_("Agreed to the personal data notice"), None),
}
