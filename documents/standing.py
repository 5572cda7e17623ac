"""Where a letter's decision stands now: in force, suspended, continuing pending a law
amendment, superseded by a correction, ended by a later act (revocation, expiry, the end of a
continuation at its cap, regularization, the lifting of a suspension) or replaced by a later decision (a rejection
reconsidered). The public check page shows it beside the letter's authenticity, so an approval
letter of a revoked waiver no longer simply "checks out".

Read from the case's status and its decisions after the letter's own; the later act is named
with its date (in the programme's time zone) and its letter, when it has one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from applications.models import Decision, DecisionKind
from applications.workflow import ApplicationStatus as S
from documents.models import Letter, LetterKind, LetterStatus

K = DecisionKind


class StandingState(models.TextChoices):
    IN_FORCE = "in_force", pgettext_lazy("a letter's decision", "In force")
    SUSPENDED = "suspended", pgettext_lazy("a letter's decision", "Suspended")
    CONTINUING = "continuing", _("In force, continuing pending a law amendment")
    SUPERSEDED = "superseded", _("Superseded by a corrected letter")
    ENDED = "ended", _("No longer in force")
    REPLACED = "replaced", _("Replaced by a later decision")


@dataclass(frozen=True)
class LaterAct:
    """A later decision on the case that changed what this letter's decision does."""

    kind: str
    label: str
    on: dt.date
    letter: Letter | None  # its current (uncorrected) issued letter, if it has one


@dataclass(frozen=True)
class Standing:
    state: str
    act: LaterAct | None = None
    superseded_by: Letter | None = None
    extended_to: dt.date | None = None  # the term now ends then (a later extension)

    @property
    def label(self) -> str:
        return str(StandingState(self.state).label)

    @property
    def in_force(self) -> bool:
        return self.state in (StandingState.IN_FORCE, StandingState.CONTINUING)


# What ends or changes the effect of a letter of each kind, by the case's status now.
_WAIVER_ENDINGS: dict[str, tuple[tuple[str, ...], str]] = {
    S.REVOKED: ((K.REVOCATION,), StandingState.ENDED),
    S.EXPIRED: ((K.EXPIRY, K.CONTINUATION_END), StandingState.ENDED),
    S.REGULARIZED: ((K.REGULARIZATION,), StandingState.ENDED),
    S.SUSPENDED: ((K.SUSPENSION, K.URGENT_SUSPENSION), StandingState.SUSPENDED),
    S.CONTINUING: ((K.LAW_AMENDMENT,), StandingState.CONTINUING),
}
# Letters that grant (or carry on) the waiver itself.
_WAIVER_LETTERS = (LetterKind.APPROVAL, LetterKind.EXTENSION, LetterKind.CONVERSION)
# Letters of a suspension, and what ends one.
_SUSPENSION_LETTERS = (
    LetterKind.SUSPENSION,
    LetterKind.URGENT_SUSPENSION,
    LetterKind.SUSPENSION_EXTENSION,
)
_ENDS_SUSPENSION = (K.RESUMPTION, K.REVOCATION, K.EXPIRY, K.CONTINUATION_END)
_REPLACES_REJECTION = (K.APPROVAL, K.REJECTION)


def current_letter(decision: Decision) -> Letter | None:
    """The issued letter of a decision that no correction has replaced."""
    return (
        Letter.objects.filter(decision=decision, status=LetterStatus.ISSUED)
        .exclude(superseded_by__status=LetterStatus.ISSUED)
        .order_by("-version", "-id")
        .first()
    )


def _act(decision: Decision) -> LaterAct:
    return LaterAct(
        kind=decision.kind,
        label=decision.get_kind_display(),
        on=decision.application.program.local_date(decision.decided_at),
        letter=current_letter(decision),
    )


def letter_standing(letter: Letter) -> Standing:
    """Where the decision this (issued) letter carries stands now."""
    correction = (
        Letter.objects.filter(supersedes=letter, status=LetterStatus.ISSUED)
        .select_related("application__program")
        .first()
    )
    if correction is not None:
        return Standing(StandingState.SUPERSEDED, superseded_by=correction)
    decision = letter.decision
    app = letter.application
    later = list(
        Decision.objects.filter(application=app)
        .filter(
            Q(decided_at__gt=decision.decided_at)
            | Q(decided_at=decision.decided_at, pk__gt=decision.pk)
        )
        .select_related("application__program")
        .order_by("decided_at", "id")
    )
    if letter.kind in _WAIVER_LETTERS:
        extensions = [d for d in later if d.kind == K.EXTENSION]
        extended_to = extensions[-1].term_end if extensions else None
        ending = _WAIVER_ENDINGS.get(S(app.status))
        if ending is not None:
            kinds, state = ending
            acts = [d for d in later if d.kind in kinds]
            if acts:
                return Standing(state, act=_act(acts[-1]), extended_to=extended_to)
        return Standing(StandingState.IN_FORCE, extended_to=extended_to)
    if letter.kind in _SUSPENSION_LETTERS:
        ended = next((d for d in later if d.kind in _ENDS_SUSPENSION), None)
        if ended is not None:
            return Standing(StandingState.ENDED, act=_act(ended))
    if letter.kind == LetterKind.REJECTION:
        replaced = next((d for d in later if d.kind in _REPLACES_REJECTION), None)
        if replaced is not None:
            return Standing(StandingState.REPLACED, act=_act(replaced))
    return Standing(StandingState.IN_FORCE)
