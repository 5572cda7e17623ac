"""The committees app's audit actions and how they read (see ``applications/vocabulary.py``).

Events about one case are recorded on it (its timeline shows them); events about a whole
meeting belong to no case (the auditor reads them in the event feed and the meetings API)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.vocabulary import Wording


class CommitteeAction(models.TextChoices):
    # about a meeting (no case)
    MEETING_PLANNED = "meeting_planned"
    AGENDA_REORDERED = "agenda_reordered"
    MEETING_PAPERS_SENT = "meeting_papers_sent"
    MEETING_HELD = "meeting_held"
    MINUTES_APPROVED = "minutes_approved"
    MEETING_DECISIONS_ISSUED = "meeting_decisions_issued"
    # about a case on the agenda
    AGENDA_ITEM_ADDED = "agenda_item_added"
    AGENDA_ITEM_REMOVED = "agenda_item_removed"
    AGENDA_ITEM_DROPPED = "agenda_item_dropped"
    PUT_TO_COMMITTEE = "put_to_committee"
    RECUSAL_DECLARED = "recusal_declared"
    COMMITTEE_RESULT_RECORDED = "committee_result_recorded"
    COMMITTEE_DEFERRED = "committee_deferred"


COMMITTEE_WORDING: dict[str, Wording] = {
    CommitteeAction.MEETING_PLANNED: Wording(_("Committee meeting planned"), None),
    CommitteeAction.AGENDA_REORDERED: Wording(_("Committee agenda reordered"), None),
    CommitteeAction.MEETING_PAPERS_SENT: Wording(_("Committee papers sent"), None),
    CommitteeAction.MEETING_HELD: Wording(_("Committee meeting held: attendance recorded"), None),
    CommitteeAction.MINUTES_APPROVED: Wording(_("Committee minutes approved"), None),
    CommitteeAction.MEETING_DECISIONS_ISSUED: Wording(_("Committee decisions issued"), None),
    CommitteeAction.AGENDA_ITEM_ADDED: Wording(_("Put on a draft committee agenda"), None),
    CommitteeAction.AGENDA_ITEM_REMOVED: Wording(_("Taken off a draft committee agenda"), None),
    CommitteeAction.AGENDA_ITEM_DROPPED: Wording(
        _("Dropped from the committee agenda: the case left deliberation"), None
    ),
    CommitteeAction.PUT_TO_COMMITTEE: Wording(
        _("Put to the committee: on the agenda, papers sent"),
        _("The case is on the agenda of a committee meeting; the papers went to its members."),
    ),
    CommitteeAction.RECUSAL_DECLARED: Wording(_("Committee member recused"), None),
    CommitteeAction.COMMITTEE_RESULT_RECORDED: Wording(_("Committee result recorded"), None),
    CommitteeAction.COMMITTEE_DEFERRED: Wording(
        _("Deferred by the committee"),
        _("The committee deferred the case to a later meeting."),
    ),
}
