"""Who may read which case: one definition, from which both the per-case check and the
queryset filter come.

A person's *scope* is data: everything (auditors, the operator), the cases of the organisations
they belong to (applicants), and the cases of the ministry they work for (staff: the programmes
it leads and the cases it is consulted on). A draft is not yet an application: only its
organisation's members see it (and so its files), never staff, auditors or the operator. ``Scope.q`` turns it into a filter for querysets and
``Scope.contains`` checks one case; ``tests/applications/test_visibility.py`` holds the two
together on random worlds. Everyone else sees nothing, and a case one may not read is a 404.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q, QuerySet

from applications.models import Application, Consultation, Membership
from applications.roles import Role, has_role, holds_staff_powers, ministry_of, organisations_of
from applications.workflow import ApplicationStatus
from core.queries import equals_written_in


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    member: int | None = None  # a user whose organisations' cases are in scope (applicants)
    # The member's organisations when already known (``roles.organisations_of``), so that
    # ``contains`` needs no query for them.
    organisations: frozenset[int] | None = None
    ministry: int | None = None  # a ministry whose led and consulted cases are in scope (staff)

    def q(self, prefix: str = "") -> Q:
        """The scope as a filter on cases (``prefix`` for a relation: ``"application__"``).
        On PostgreSQL the draft status and the ministry are written into the SQL
        (``equals_written_in``): they are the same on every run for everyone of the scope, and
        as parameters they left PostgreSQL planning the statements that filter by them on
        every run."""
        condition = Q(pk__in=[])
        if self.member is not None:
            organizations = Membership.objects.filter(user_id=self.member).values("organization_id")
            condition |= Q(**{f"{prefix}organization_id__in": organizations})
        submitted = _submitted(prefix)
        if self.everything:
            return condition | submitted
        if self.ministry is not None:
            # "id IN (subquery)" rather than a join: inside an OR, PostgreSQL runs it as one
            # hashed subplan instead of a lookup per row (see `make bench-queue`).
            condition |= submitted & (
                equals_written_in(f"{prefix}program__lead_ministry_id", self.ministry)
                | Q(**{f"{prefix}pk__in": _consulted_by(self.ministry)})
            )
        return condition

    def parts(self, led_programmes: Collection[int] | None = None) -> list[Q]:
        """The scope as filters on cases that never hold the same case, whose union is
        ``q()``: for staff, the ministry's led cases and the cases it is consulted on but does
        not lead. A count can then read each part through its own index and stop once it has
        enough (``reviews.selectors.tab_counts``); ``q()`` joins them with an OR, which
        PostgreSQL can only test case by case. An applicant's scope stays one part.

        ``led_programmes``: the programmes the ministry leads, when the caller has read them.
        The parts then name them (none at all for a ministry that leads none) instead of
        joining the programmes, whose estimate of one row PostgreSQL would plan for."""
        if self.member is not None or self.everything or self.ministry is None:
            return [self.q()]
        submitted = _submitted()
        consulted = submitted & Q(pk__in=_consulted_by(self.ministry))
        if led_programmes is None:
            led = equals_written_in("program__lead_ministry_id", self.ministry)
        elif led_programmes:
            led = Q(program_id__in=sorted(led_programmes))
        else:
            return [consulted]
        return [submitted & led, consulted & ~led]

    def contains(self, application: Application) -> bool:
        """Whether one case is in the scope (at most two small queries)."""
        if self.member is not None and (
            application.organization_id in self.organisations
            if self.organisations is not None
            else Membership.objects.filter(
                user_id=self.member, organization_id=application.organization_id
            ).exists()
        ):
            return True
        if application.status == ApplicationStatus.DRAFT:
            return False
        if self.everything:
            return True
        if self.ministry is None:
            return False
        if application.program.lead_ministry_id == self.ministry:
            return True
        return application.consultations.filter(ministry_id=self.ministry).exists()

    def as_staff(self) -> Scope:
        """The part of the scope a person holds as ministry staff (the review workspace)."""
        return replace(self, member=None)


def _submitted(prefix: str = "") -> Q:
    """Not a draft (``prefix`` as ``Scope.q``'s)."""
    return ~equals_written_in(f"{prefix}status", ApplicationStatus.DRAFT)


def _consulted_by(ministry: int) -> QuerySet[Consultation, Any]:
    """The ids of the cases ``ministry`` is consulted on, as a subquery."""
    return Consultation.objects.filter(equals_written_in("ministry_id", ministry)).values(
        "application_id"
    )


NOTHING = Scope()


def scope_of(user: Any) -> Scope:
    """Auditors and the operator read every submitted case; applicants their organisations'
    cases, drafts included; staff their ministry's submitted cases (led or consulted)."""
    if not getattr(user, "is_authenticated", False):
        return NOTHING
    member = user.pk if has_role(user, Role.APPLICANT) else None
    if user.is_superuser or has_role(user, Role.AUDITOR):
        return Scope(everything=True, member=member)
    ministry = ministry_of(user)
    return Scope(member=member, ministry=ministry.pk if ministry is not None else None)


def can_view_application(user: Any, application: Application) -> bool:
    """Whether the user may read the case at all (pages, files, letters, API)."""
    scope = scope_of(user)
    if scope.member is not None:
        scope = replace(scope, organisations=organisations_of(user))
    return scope.contains(application)


def reads_deliberation(user: Any) -> bool:
    """Whether the reader may see a case's internal records — consultation opinions, the
    officer's recommendation and its reasons, assignment and conflict records — besides the
    case itself: staff, auditors and the operator; never an applicant (the applicant reads
    what a letter discloses). Pages, emails and the API ask this."""
    return holds_staff_powers(user)
