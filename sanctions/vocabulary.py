"""The due-process actions and how they read (see ``applications/vocabulary.py``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.vocabulary import Notice, Wording


class SanctionsAction(models.TextChoices):
    PRIOR_NOTICE_SENT = "prior_notice_sent"
    OPINION_SUBMITTED = "opinion_submitted"
    HEARING_SCHEDULED = "hearing_scheduled"
    HEARING_HELD = "hearing_held"
    URGENT_GROUND_RECORDED = "urgent_ground_recorded"
    NOTICE_DECIDED = "notice_decided"
    NOTICE_CLOSED = "notice_closed"
    SUSPENSION_CONFIRMED = "suspension_confirmed"
    RESUMPTION_REQUESTED = "resumption_requested"
    SUSPENSION_EXTENDED = "suspension_extended"


A = SanctionsAction

SANCTIONS_WORDING: dict[str, Wording] = {
    A.PRIOR_NOTICE_SENT: Wording(
        _("Prior notice sent"),
        _("The ministry gave notice of a measure it intends to take; you may give your opinion."),
        Notice(
            _("Prior notice of a measure on %(reference)s"),
            _(
                "The ministry intends to suspend or revoke your waiver and invites your opinion "
                "first. The letter gives the grounds; answer on your case page by the date below."
            ),
        ),
    ),
    A.OPINION_SUBMITTED: Wording(
        _("Opinion submitted"),
        _("You submitted your opinion on the prior notice."),
    ),
    A.HEARING_SCHEDULED: Wording(
        _("Hearing scheduled"),
        _("The ministry scheduled a hearing on the prior notice."),
        Notice(
            _("A hearing on %(reference)s is scheduled"),
            _(
                "The ministry will hold a hearing on its prior notice. The letter gives the date and place."
            ),
        ),
    ),
    A.HEARING_HELD: Wording(_("Hearing held"), _("The hearing on the prior notice was held.")),
    A.URGENT_GROUND_RECORDED: Wording(
        _("Urgency ground recorded"),
        _("The ministry recorded why the suspension could not wait for a prior notice."),
    ),
    A.NOTICE_DECIDED: Wording(
        _("Prior notice decided"),
        _("The ministry decided on its prior notice, considering your opinion."),
    ),
    A.NOTICE_CLOSED: Wording(
        _("Prior notice closed without a measure"),
        _("The ministry closed its prior notice without taking the measure."),
        Notice(
            _("No measure will be taken on %(reference)s"),
            _("The ministry closed its prior notice: the measure it intended will not be taken."),
        ),
    ),
    A.SUSPENSION_CONFIRMED: Wording(
        _("Urgent suspension maintained"),
        _("After the notice procedure, the ministry maintained the urgent suspension."),
        Notice(
            _("The suspension of %(reference)s is maintained"),
            _(
                "The ministry considered your opinion and maintains the suspension until the "
                "end of its period; request resumption once the steps are done."
            ),
        ),
    ),
    A.RESUMPTION_REQUESTED: Wording(
        _("Resumption requested"),
        _("You asked for the suspension to be lifted."),
    ),
    A.SUSPENSION_EXTENDED: Wording(
        _("Suspension extended"),
        _("The suspension was extended."),
        Notice(
            _("The suspension of %(reference)s was extended"),
            _("The suspension of your waiver has been extended. The letter gives the new period."),
        ),
    ),
}
