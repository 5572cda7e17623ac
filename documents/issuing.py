"""Issuing letters: render, seal and store a pending letter, exactly once, and note failed
attempts. Run by the background task (``documents/tasks.py``) and the scheduler's sweep of
letters whose task was lost."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from applications.roles import Role
from applications.services import event_record
from documents import letter_data
from documents.models import Letter, LetterStatus
from documents.storage import discard, private_key, store_private
from documents.vocabulary import DocumentAction

OPEN_LETTER_STATUSES = (LetterStatus.PENDING, LetterStatus.FAILED)


def letter_issue(*, letter: Letter) -> Letter:
    """System: render, seal and store a pending letter, then record ``letter_issued`` with its
    number and SHA-256 — exactly once, even when two workers run it at the same time (row lock
    on PostgreSQL, and a conditional update that only one of them can win everywhere)."""
    # Imported here, not at the top: WeasyPrint and pyHanko take a second to load, and only the
    # processes that issue letters need them (web processes start without).
    from documents import letters, signing

    written: list[str] = []
    try:
        with transaction.atomic():
            current = (
                Letter.objects.select_for_update(of=("self",))
                .select_related(
                    "application__program__lead_ministry",
                    "application__track",
                    "application__organization",
                    "decision__decided_by",
                    "supersedes",
                )
                .get(pk=letter.pk)
            )
            if current.status == LetterStatus.ISSUED:
                return current
            at = timezone.now()
            data = letter_data.letter_input(current, issued_at=at)
            try:
                pdf = letters.render(data)
            finally:
                letters.release_memory()
            sealed = signing.seal(
                pdf,
                reason=f"{current.number} {current.get_kind_display()}",
                location=current.application.program.lead_ministry.name,
            )
            digest = hashlib.sha256(sealed).hexdigest()
            storage_name = secrets.token_hex(32)
            written.append(store_private(private_key("letters", storage_name), sealed))
            won = (
                Letter.objects.filter(pk=current.pk, status__in=OPEN_LETTER_STATUSES).update(
                    status=LetterStatus.ISSUED,
                    issued_at=at,
                    storage_name=storage_name,
                    size=len(sealed),
                    sha256=digest,
                    attempts=F("attempts") + 1,
                    last_error="",
                )
                == 1
            )
            if not won:  # another worker issued it meanwhile: keep theirs
                discard(written)
                return Letter.objects.get(pk=current.pk)
            app = current.application
            event_record(
                app,
                None,
                Role.SYSTEM,
                DocumentAction.LETTER_ISSUED,
                {
                    "number": current.number,
                    "sha256": digest,
                    "kind": current.kind,
                    "decision": current.decision_id,
                    "version": current.version,
                    "supersedes": current.supersedes.number if current.supersedes else "",
                },
                at=at,
            )
    except BaseException:
        discard(written)
        raise
    current.refresh_from_db()
    return current


def letter_attempt_failed(*, letter: Letter, error: BaseException, final: bool) -> Letter:
    """System: note a failed issuing attempt; the decision stays committed and the letter stays
    pending (``failed`` once the task has used its attempts; ``issue_pending_letters`` retries)."""
    with transaction.atomic():
        current = Letter.objects.select_for_update().get(pk=letter.pk)
        if current.status == LetterStatus.ISSUED:
            return current
        current.attempts += 1
        current.last_error = f"{type(error).__name__}: {error}"[:2000]
        current.status = LetterStatus.FAILED if final else LetterStatus.PENDING
        current.save(update_fields=["attempts", "last_error", "status"])
    return current
