"""What the public sees of a granted waiver, as rules (docs/public.md says them in words).

- Only granted waivers are published: a case enters the register with its approval decision.
- Never personal data: the company's name is published; its representative, registration
  number and address, the applicant's people and the ministry's staff never are.
- Parts of the entry the applicant wrote (or that describe their test) may be claimed as a
  trade secret (``PublishedField``); a claimed part is withheld until the case officer decides,
  withheld for good once the officer accepts the claim, and published if the officer refuses it.
- The waiver's status *now* follows the case: in force (approved or active), suspended,
  continuing pending a law amendment, revoked, expired, regularized; each with the date of the
  decision that set it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import DecisionKind
from applications.workflow import ApplicationStatus as S


class PublishedField(models.TextChoices):
    """Parts of a register entry an applicant may claim as a trade secret (in entry order)."""

    SUMMARY = "summary", _("Summary of the service")
    REGION = "region", _("Region or sites")
    SCALE = "scale", _("Scale")
    MAX_USERS = "max_users", _("Maximum number of users")
    CONDITIONS = "conditions", _("Conditions of the waiver")


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("Awaiting the case officer's decision")
    ACCEPTED = "accepted", _("Accepted: not published")
    REFUSED = "refused", _("Refused: published")


# A claimed part is withheld until the officer refuses the claim.
WITHHOLDING = frozenset({ClaimStatus.CLAIMED, ClaimStatus.ACCEPTED})


class RegisterStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    SUSPENDED = "suspended", _("Suspended")
    CONTINUING = "continuing", _("Continuing pending law amendment")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    REGULARIZED = "regularized", _("Regularized")


R = RegisterStatus

# The case statuses of a granted waiver and how the register names them.
REGISTER_STATUS_OF: dict[str, str] = {
    S.APPROVED: R.IN_FORCE,
    S.ACTIVE: R.IN_FORCE,
    S.SUSPENDED: R.SUSPENDED,
    S.CONTINUING: R.CONTINUING,
    S.REVOKED: R.REVOKED,
    S.EXPIRED: R.EXPIRED,
    S.REGULARIZED: R.REGULARIZED,
}

# The decisions that put a waiver in each status (the latest one dates it). In force dates from
# the approval, or from the lifting of a suspension.
STATUS_DECISIONS: dict[str, tuple[str, ...]] = {
    R.IN_FORCE: (DecisionKind.APPROVAL, DecisionKind.RESUMPTION),
    R.SUSPENDED: (DecisionKind.SUSPENSION, DecisionKind.URGENT_SUSPENSION),
    R.CONTINUING: (DecisionKind.LAW_AMENDMENT,),
    R.REVOKED: (DecisionKind.REVOCATION,),
    R.EXPIRED: (DecisionKind.EXPIRY, DecisionKind.CONTINUATION_END),
    R.REGULARIZED: (DecisionKind.REGULARIZATION,),
}

# The applicant says what is secret before the committee decides (they see the preview).
CLAIMS_OPEN = frozenset(
    {S.DRAFT, S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW, S.DELIBERATION}
)
# The officer decides claims from acceptance on, also after the approval (a claim still open
# then keeps its part withheld until decided).
CLAIM_DECISIONS_OPEN = frozenset(
    {S.UNDER_REVIEW, S.DELIBERATION, S.APPROVED, S.ACTIVE, S.SUSPENDED, S.CONTINUING}
)

# The decision kinds counted in the statistics as first outcomes of a request.
OUTCOMES = (
    DecisionKind.APPROVAL,
    DecisionKind.REJECTION,
    DecisionKind.CONFIRMATION,
    DecisionKind.DEEMED_CONFIRMATION,
)
# ... and as later acts on granted waivers.
LATER_ACTS = (
    DecisionKind.EXTENSION,
    DecisionKind.LAW_AMENDMENT,
    DecisionKind.SUSPENSION,
    DecisionKind.RESUMPTION,
    DecisionKind.REVOCATION,
    DecisionKind.EXPIRY,
    DecisionKind.REGULARIZATION,
    DecisionKind.URGENT_SUSPENSION,
    DecisionKind.SUSPENSION_EXTENSION,
    DecisionKind.CONVERSION,
    DecisionKind.CONTINUATION_END,
)

# Open data is published under the Korea Open Government Licence, type 1 (attribution; the
# government's equivalent of CC BY).
LICENCE = {
    "name": "Korea Open Government Licence, Type 1 (KOGL-1: attribution)",
    "url": "https://www.kogl.or.kr/info/licenseType1.do",
}
