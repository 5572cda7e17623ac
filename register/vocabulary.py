"""The register app's audit actions (trade-secret claims on a case) and how they read."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.vocabulary import Notice, Wording


class RegisterAction(models.TextChoices):
    TRADE_SECRET_CLAIMS_CHANGED = "trade_secret_claims_changed"
    TRADE_SECRET_ACCEPTED = "trade_secret_accepted"
    TRADE_SECRET_REFUSED = "trade_secret_refused"


REGISTER_WORDING: dict[str, Wording] = {
    RegisterAction.TRADE_SECRET_CLAIMS_CHANGED: Wording(
        _("Trade-secret claims changed"),
        _("You changed which parts of the register entry you claim as trade secrets."),
    ),
    RegisterAction.TRADE_SECRET_ACCEPTED: Wording(
        _("Trade-secret claim accepted"),
        _("The ministry accepted a trade-secret claim: that part will not be published."),
        Notice(
            _("Your trade-secret claim on %(reference)s was accepted"),
            _(
                "The case officer accepted your claim: that part of the register entry will not be published."
            ),
        ),
    ),
    RegisterAction.TRADE_SECRET_REFUSED: Wording(
        _("Trade-secret claim refused"),
        _("The ministry refused a trade-secret claim: that part will be published."),
        Notice(
            _("Your trade-secret claim on %(reference)s was refused"),
            _(
                "The case officer refused your claim, for the reason below: that part of the register entry will be published if the waiver is granted."
            ),
        ),
    ),
}
