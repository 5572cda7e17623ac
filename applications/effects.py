"""What happens after a change commits: letters for decisions, email to applicants.

Services schedule these with ``transaction.on_commit`` so that a failure here never rolls
back or loses the change itself. Each function takes ids (not objects) and re-reads.
"""

from __future__ import annotations


def decision_recorded(*, decision_id: int) -> None:
    """A decision with legal effect was committed: issue its letter (created pending in the
    decision's own transaction by ``documents.services.letter_prepare``) in the background."""
    from documents.models import Letter, LetterStatus  # imported late: documents builds on us
    from documents.tasks import enqueue_issue

    pending = Letter.objects.filter(decision_id=decision_id, status=LetterStatus.PENDING)
    for letter_id in pending.values_list("pk", flat=True):
        enqueue_issue(letter_id=letter_id)


def event_recorded(*, event_id: int) -> None:
    """An audit event was committed: tell the applicant when it concerns them."""
    from applications import notifications  # imported late: notifications renders templates

    if notifications.concerns_applicant(event_id=event_id):
        notifications.send_event_email.enqueue(event_id=event_id)
