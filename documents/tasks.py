"""Background issuing of letters (django-tasks: in-process by default, ``db_worker`` in
production).

Each task tries ``LETTER_MAX_ATTEMPTS`` times, pausing ``LETTER_RETRY_DELAY`` × attempt seconds
between tries. A letter that still fails is marked ``failed`` (the decision is untouched and the
applicant sees "being prepared"); ``manage.py issue_pending_letters`` retries such letters and
any whose task was lost (e.g. a worker killed mid-render).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from documents.issuing import OPEN_LETTER_STATUSES, letter_attempt_failed, letter_issue
from documents.models import Letter, LetterStatus

logger = logging.getLogger(__name__)


def issue_with_retries(*, letter_id: int, attempts: int | None = None) -> bool:
    """Issue one letter, retrying failures; ``True`` once it is issued."""
    attempts = attempts or settings.LETTER_MAX_ATTEMPTS
    for attempt in range(1, attempts + 1):
        letter = Letter.objects.get(pk=letter_id)
        if letter.status == LetterStatus.ISSUED:
            return True
        try:
            letter_issue(letter=letter)
            return True
        except Exception as error:  # any rendering/signing/storage failure: record and retry
            logger.exception("Issuing letter %s failed (attempt %s)", letter.number, attempt)
            letter_attempt_failed(letter=letter, error=error, final=attempt == attempts)
            if attempt < attempts and settings.LETTER_RETRY_DELAY > 0:
                time.sleep(settings.LETTER_RETRY_DELAY * attempt)
    return False


@task()
def issue_letter(*, letter_id: int) -> bool:
    """Render, seal and store one letter (exactly once, whatever runs it concurrently)."""
    return issue_with_retries(letter_id=letter_id)


@task()
def issue_letters(*, letter_ids: list[int]) -> int:
    """Issue many letters, one after the other (the deadline sweep's chunks: one task per chunk
    instead of one per letter); each as ``issue_letter`` does. Returns the letters issued."""
    return sum(issue_with_retries(letter_id=letter_id) for letter_id in letter_ids)


def enqueue_issue_many(*, letter_ids: list[int]) -> None:
    """Queue one task issuing ``letter_ids``; if queueing fails, they stay pending for the
    sweep."""
    try:
        issue_letters.enqueue(letter_ids=letter_ids)
    except Exception:
        logger.exception(
            "Could not queue %s letters; issue_pending_letters will pick them up", len(letter_ids)
        )


def enqueue_issue(*, letter_id: int) -> None:
    """Queue the issuing task; if even queueing fails, the letter stays pending for the sweep."""
    try:
        issue_letter.enqueue(letter_id=letter_id)
    except Exception:
        logger.exception(
            "Could not queue letter %s; issue_pending_letters will pick it up", letter_id
        )


def issue_open_letters(*, older_than: dt.timedelta, attempts: int = 1) -> tuple[int, int]:
    """Issue every letter still pending or failed that was made before ``older_than`` ago: its
    task failed for good or was lost (a worker killed mid-render leaves its task "running"
    forever). Safe beside a task still at work: a letter is issued once whoever wins.
    Returns (issued, still failing)."""
    cutoff = timezone.now() - older_than
    ids = list(
        Letter.objects.filter(status__in=OPEN_LETTER_STATUSES, created_at__lte=cutoff)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    issued = sum(issue_with_retries(letter_id=pk, attempts=attempts) for pk in ids)
    return issued, len(ids) - issued


def issue_stuck_letters() -> str:
    """The scheduler's tick: letters whose issuing task failed for good or died with its worker
    (pending longer than ``LETTER_STUCK_AFTER`` seconds) get issued here."""
    age = dt.timedelta(seconds=settings.LETTER_STUCK_AFTER)
    issued, failing = issue_open_letters(older_than=age)
    if issued or failing:
        return f"letters: {issued} issued, {failing} still failing"
    return ""
