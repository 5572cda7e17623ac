"""Who may claim and decide trade secrets: one predicate per action (the services enforce them;
the pages ask ``register/availability.py``, which adds the case's status)."""

from __future__ import annotations

from typing import Any

from applications import permissions as perms
from applications.models import Application


def can_claim_trade_secret(user: Any, application: Application) -> bool:
    """Members of the applying organisation say which parts of their entry are secret."""
    return perms.can_act_for_applicant(user, application)


def can_decide_trade_secret(user: Any, application: Application) -> bool:
    """The case's assigned officer (unconflicted, of the lead ministry) accepts or refuses."""
    return perms.can_review_application(user, application)
