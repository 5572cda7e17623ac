"""Supervision's audit actions and how they read (see ``applications/vocabulary.py``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.vocabulary import Notice, Wording


class SupervisionAction(models.TextChoices):
    REPORT_SUBMITTED = "report_submitted"
    REPORT_ACCEPTED = "report_accepted"
    REPORT_REVISION_REQUESTED = "report_revision_requested"
    REPORT_REMINDER = "report_reminder"
    REPORT_OVERDUE = "report_overdue"
    INCIDENT_REPORTED = "incident_reported"
    INCIDENT_ACKNOWLEDGED = "incident_acknowledged"
    INCIDENT_QUESTION_ASKED = "incident_question_asked"
    INCIDENT_ANSWERED = "incident_answered"
    INCIDENT_CLOSED = "incident_closed"
    INCIDENTS_CITED = "incidents_cited"
    INSURANCE_ACCEPTED = "insurance_accepted"
    INSURANCE_RETURNED = "insurance_returned"
    INSURANCE_GAP = "insurance_gap"
    INSURANCE_LAPSE_REMINDER = "insurance_lapse_reminder"
    USER_NOTICE_FILED = "user_notice_filed"
    USER_NOTICE_ACCEPTED = "user_notice_accepted"
    USER_NOTICE_RETURNED = "user_notice_returned"
    CONDITION_MET = "condition_met"
    CONDITION_BREACHED = "condition_breached"
    CONDITION_REOPENED = "condition_reopened"


A = SupervisionAction

SUPERVISION_WORDING: dict[str, Wording] = {
    A.REPORT_SUBMITTED: Wording(_("Report submitted"), _("You submitted a report.")),
    A.REPORT_ACCEPTED: Wording(
        _("Report accepted"),
        _("The ministry accepted your report."),
        Notice(
            _("Your report on %(reference)s was accepted"),
            _("The ministry has reviewed your report and accepted it."),
        ),
    ),
    A.REPORT_REVISION_REQUESTED: Wording(
        _("Report revision requested"),
        _("The ministry asked you to revise a report."),
        Notice(
            _("Action needed: revise your report on %(reference)s"),
            _(
                "The ministry has reviewed your report and asks you to revise it. The reasons are "
                "below; submit the revised report from your case page."
            ),
        ),
    ),
    A.REPORT_REMINDER: Wording(
        _("Report reminder sent"),
        _("We reminded you that a report is due soon."),
        Notice(
            _("Reminder: a report on %(reference)s is due in %(days)s days"),
            _("A report under the conditions of your waiver is due soon. Submit it on time."),
        ),
    ),
    A.REPORT_OVERDUE: Wording(
        _("Report overdue"),
        _("A report was not submitted by its due date."),
        Notice(
            _("Your report on %(reference)s is overdue"),
            _(
                "A report required by the conditions of your waiver was not submitted by its due "
                "date. Submit it now; a missing report can be a ground for measures against the "
                "waiver."
            ),
        ),
    ),
    A.INCIDENT_REPORTED: Wording(_("Incident reported"), _("You reported an incident.")),
    A.INCIDENT_ACKNOWLEDGED: Wording(
        _("Incident acknowledged"), _("The ministry acknowledged your incident report.")
    ),
    A.INCIDENT_QUESTION_ASKED: Wording(
        _("Question about an incident"),
        _("The ministry asked a question about an incident."),
        Notice(
            _("Action needed: a question about an incident on %(reference)s"),
            _(
                "The ministry has a question about an incident you reported. Answer it on your case page."
            ),
        ),
    ),
    A.INCIDENT_ANSWERED: Wording(
        _("Incident question answered"), _("You answered the ministry's question.")
    ),
    A.INCIDENT_CLOSED: Wording(_("Incident closed"), _("The ministry closed an incident.")),
    A.INCIDENTS_CITED: Wording(
        _("Incidents cited as grounds"), _("The decision cites reported incidents as its grounds.")
    ),
    A.INSURANCE_ACCEPTED: Wording(
        _("Insurance policy accepted"), _("The ministry accepted your insurance policy.")
    ),
    A.INSURANCE_RETURNED: Wording(
        _("Insurance policy returned"),
        _("The ministry returned your insurance policy."),
        Notice(
            _("Action needed: your insurance policy for %(reference)s was returned"),
            _("The ministry did not accept the insurance policy you filed. The reasons are below."),
        ),
    ),
    A.INSURANCE_GAP: Wording(
        _("Insurance ends before the term"),
        _("Your insurance ends before the waiver does."),
        Notice(
            _("Action needed: your insurance for %(reference)s ends before the waiver"),
            _(
                "The liability insurance on file ends before the term of your waiver. Renew it "
                "and file the new policy before the cover lapses."
            ),
        ),
    ),
    A.INSURANCE_LAPSE_REMINDER: Wording(
        _("Insurance lapse reminder sent"),
        _("We reminded you that your insurance ends soon."),
        Notice(
            _("Reminder: your insurance for %(reference)s ends in %(days)s days"),
            _(
                "Your liability insurance ends before the waiver does. File the renewed policy "
                "before it lapses; the service may not run without cover."
            ),
        ),
    ),
    A.USER_NOTICE_FILED: Wording(
        _("User notice evidence filed"), _("You filed evidence of how users are told.")
    ),
    A.USER_NOTICE_ACCEPTED: Wording(
        _("User notice accepted"), _("The ministry accepted your user notice.")
    ),
    A.USER_NOTICE_RETURNED: Wording(
        _("User notice returned"),
        _("The ministry returned your user notice."),
        Notice(
            _("Action needed: your user notice for %(reference)s was returned"),
            _("The ministry did not accept how users are told. The reasons are below."),
        ),
    ),
    A.CONDITION_MET: Wording(
        _("Condition marked met"), _("The ministry recorded a condition as met.")
    ),
    A.CONDITION_BREACHED: Wording(
        _("Condition marked breached"),
        _("The ministry recorded a condition as breached."),
        Notice(
            _("A condition of your waiver %(reference)s is recorded as breached"),
            _(
                "The ministry recorded that a condition of your waiver was breached. The note is "
                "below; see the conditions register on your case page."
            ),
        ),
    ),
    A.CONDITION_REOPENED: Wording(
        _("Condition reopened"), _("The ministry set a condition back to open.")
    ),
}
