"""What the register's actions on a case are open to whom now: one answer for the applicant's
publication page, the staff claims page and the services (like ``applications/availability``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from applications.models import Application
from applications.workflow import TrackKind
from core.errors import NotPermitted, WrongState
from register import permissions as perms
from register.rules import CLAIM_DECISIONS_OPEN, CLAIMS_OPEN, ClaimStatus


def published_if_granted(app: Application) -> bool:
    """Only exemption requests can become waivers in the register (fast-confirmation answers
    appear in the statistics only)."""
    return bool(app.track.kind == TrackKind.EXEMPTION)


def claims_open(user: Any, app: Application) -> bool:
    return (
        published_if_granted(app)
        and app.status in CLAIMS_OPEN
        and perms.can_claim_trade_secret(user, app)
    )


def claim_decisions_open(user: Any, app: Application) -> bool:
    return app.status in CLAIM_DECISIONS_OPEN and perms.can_decide_trade_secret(user, app)


def require_claims_open(user: Any, app: Application) -> None:
    """For the claims service, in the kernel's order: state (409) before permission (403)."""
    if not published_if_granted(app):
        raise WrongState(_("Only exemption requests are published in the register."))
    if app.status not in CLAIMS_OPEN:
        raise WrongState(
            _("Trade secrets are claimed before the decision; this case is %(status)s.")
            % {"status": app.get_status_display()}
        )
    if not perms.can_claim_trade_secret(user, app):
        raise NotPermitted(_("Only members of the applying organisation can claim trade secrets."))


def require_claim_decision_open(user: Any, app: Application, claim_status: str) -> None:
    if app.status not in CLAIM_DECISIONS_OPEN:
        raise WrongState(
            _("Trade-secret claims cannot be decided on a case that is %(status)s.")
            % {"status": app.get_status_display()}
        )
    if claim_status != ClaimStatus.CLAIMED:
        raise WrongState(_("This claim has already been decided."))
    if not perms.can_decide_trade_secret(user, app):
        raise NotPermitted(_("Only the case's assigned officer decides trade-secret claims."))
