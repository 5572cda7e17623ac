"""Writes of the public side: trade-secret claims and their decisions (shaped like every case
write: one transaction → lock the case row → visibility 404 → version 409 → state 409 →
permission 403 → input 400 → write → audit event), the register entries kept current with the
decisions, and the statistics snapshot."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Decision, DecisionKind
from applications.roles import Role
from applications.services.kernel import (
    application_row_lock,
    event_record,
    require_version,
    require_visible,
)
from core.errors import InvalidInput, NotVisible
from core.prepared import KeptRows, kept, read_together
from register import statistics
from register.availability import require_claim_decision_open, require_claims_open
from register.models import RegisterEntry, StatisticsSnapshot, TradeSecretClaim
from register.publication import entry_fields
from register.rules import (
    LATER_ACTS,
    REGISTER_STATUS_OF,
    ClaimStatus,
    PublishedField,
)
from register.vocabulary import RegisterAction

MAX_REASON = 2000

# --- trade-secret claims --------------------------------------------------------------------------


def trade_secret_claims_set(
    *,
    application: Application,
    by: Any,
    claims: Mapping[str, str],
    expected_version: int | None = None,
) -> list[TradeSecretClaim]:
    """The applicant says, before the decision, which parts of the future register entry are
    trade secrets (part → why). Parts left out are published; a changed reason asks the officer
    again."""
    problems: dict[str, str] = {}
    wanted: dict[str, str] = {}
    for name, reason in claims.items():
        if name not in PublishedField.values:
            problems[name] = _("This part of the register entry cannot be claimed.")
            continue
        text = (reason or "").strip()
        if not text:
            problems[f"reason_{name}"] = _("Say why this part is a trade secret.")
        elif len(text) > MAX_REASON:
            problems[f"reason_{name}"] = _("Keep the reason under %(max)s characters.") % {
                "max": MAX_REASON
            }
        wanted[name] = text
    if problems:
        raise InvalidInput(problems)
    now = timezone.now()
    with transaction.atomic():
        app = application_row_lock(application)
        require_visible(by, app)
        require_version(app, expected_version)
        require_claims_open(by, app)
        existing = {
            claim.field: claim
            for claim in TradeSecretClaim.objects.select_for_update().filter(application=app)
        }
        added, changed, withdrawn = [], [], []
        for name, text in wanted.items():
            claim = existing.get(name)
            if claim is None:
                TradeSecretClaim.objects.create(
                    application=app, field=name, reason=text, claimed_by=by, claimed_at=now
                )
                added.append(name)
            elif claim.reason != text:
                claim.reason, claim.status = text, ClaimStatus.CLAIMED
                claim.claimed_by, claim.claimed_at = by, now
                claim.decided_by, claim.decided_at, claim.decision_reason = None, None, ""
                claim.save()
                changed.append(name)
        for name, claim in existing.items():
            if name not in wanted:
                claim.delete()
                withdrawn.append(name)
        if added or changed or withdrawn:
            event_record(
                app,
                by,
                Role.APPLICANT,
                RegisterAction.TRADE_SECRET_CLAIMS_CHANGED,
                {"claimed": added, "changed": changed, "withdrawn": withdrawn},
            )
        return list(TradeSecretClaim.objects.filter(application=app))


def trade_secret_claim_decide(
    *,
    claim: TradeSecretClaim,
    by: Any,
    accept: bool,
    reason: str = "",
    expected_version: int | None = None,
) -> TradeSecretClaim:
    """The assigned case officer accepts a claim (the part is never published) or refuses it
    with a reason the applicant reads (the part is published)."""
    text = (reason or "").strip()
    if not accept and not text:
        raise InvalidInput({"reason": _("Say why the claim is refused; the applicant reads it.")})
    if len(text) > MAX_REASON:
        raise InvalidInput(
            {"reason": _("Keep the reason under %(max)s characters.") % {"max": MAX_REASON}}
        )
    with transaction.atomic():
        app = application_row_lock(claim.application)
        require_visible(by, app)
        require_version(app, expected_version)
        item = (
            TradeSecretClaim.objects.select_for_update()
            .filter(pk=claim.pk, application=app)
            .first()
        )
        if item is None:
            raise NotVisible(_("No such claim."))
        require_claim_decision_open(by, app, item.status)
        item.status = ClaimStatus.ACCEPTED if accept else ClaimStatus.REFUSED
        item.decided_by, item.decided_at, item.decision_reason = by, timezone.now(), text
        item.save()
        event_record(
            app,
            by,
            Role.CASE_OFFICER,
            RegisterAction.TRADE_SECRET_ACCEPTED if accept else RegisterAction.TRADE_SECRET_REFUSED,
            {"field": item.field, "reason": text},
        )
        register_entry_refresh(application=app)
    return item


# --- register entries ----------------------------------------------------------------------------

ENTRY_DECISIONS = (DecisionKind.APPROVAL, *LATER_ACTS)
ENTRY_COLUMNS = [
    f.name
    for f in RegisterEntry._meta.concrete_fields
    if not f.primary_key and f.name != "application"
]


def _granted() -> Any:
    return Application.objects.filter(status__in=list(REGISTER_STATUS_OF), reference__isnull=False)


def register_entries_build(applications: Iterable[Application], *, now: dt.datetime) -> int:
    """Write (insert or update) the entries of these cases from their current rows; entries of
    cases that are no longer granted waivers are removed. Returns the entries written."""
    apps = list(applications)
    if not apps:
        return 0
    ids = [app.pk for app in apps]
    decisions = _shaping(Decision.objects.filter(application_id__in=ids))
    claims = TradeSecretClaim.objects.filter(application_id__in=ids)
    return _entries_write(apps, list(decisions), list(claims), now)


def _shaping(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    """The decisions among ``decisions`` that shape an entry, in the order it reads them."""
    return decisions.filter(kind__in=ENTRY_DECISIONS).order_by("decided_at", "id")


def _entries_write(
    apps: list[Application],
    decisions: Iterable[Decision],
    claims: Iterable[TradeSecretClaim],
    now: dt.datetime,
) -> int:
    """``register_entries_build`` from what it read: the cases (with their programme's ministry,
    track and organisation), their decisions that shape an entry, in order, and their claims."""
    decisions_of: dict[int, list[Decision]] = defaultdict(list)
    for decision in decisions:
        decisions_of[decision.application_id].append(decision)
    claims_of: dict[int, list[TradeSecretClaim]] = defaultdict(list)
    for claim in claims:
        claims_of[claim.application_id].append(claim)
    entries, gone = [], []
    for app in apps:
        values = entry_fields(
            app, claims=claims_of[app.pk], decisions=decisions_of[app.pk], now=now
        )
        if values is None:
            gone.append(app.pk)
        else:
            entries.append(RegisterEntry(**values))
    if gone:
        RegisterEntry.objects.filter(application_id__in=gone).delete()
    RegisterEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["application"],
        update_fields=ENTRY_COLUMNS,
    )
    return len(entries)


def _with_relations(applications: Any) -> Any:
    return applications.select_related("program__lead_ministry", "track", "organization").order_by(
        "pk"
    )


def register_entry_refresh(*, application: Application) -> None:
    """Bring one case's entry up to date (inside the caller's transaction): what
    ``register_entries_build`` reads for the case, its decisions and its claims, read in one
    round trip on PostgreSQL (kept SQL sent together: every approval and later act runs it)."""
    alias = application._state.db or router.db_for_write(Application)
    case, decisions, claims = kept(
        _ONE_CASE_SQL, (alias, connections[alias].vendor), lambda: _one_case_reads(alias), limit=8
    )
    values = {"case": application.pk}
    apps, decided, claimed = read_together(
        case.read(values), decisions.read(values), claims.read(values)
    )
    _entries_write(apps, decided, claimed, timezone.now())


# What an entry of one case is built from: the SQL compiled once per database, the case's id
# in the place of the mark.
_MARK_CASE = -2_013_265_908
_ONE_CASE_SQL: OrderedDict[
    Hashable, tuple[KeptRows[Application], KeptRows[Decision], KeptRows[TradeSecretClaim]]
] = OrderedDict()


def _one_case_reads(
    alias: str,
) -> tuple[KeptRows[Application], KeptRows[Decision], KeptRows[TradeSecretClaim]]:
    marks: dict[Hashable, str] = {_MARK_CASE: "case"}
    case = _with_relations(Application.objects.using(alias).filter(pk=_MARK_CASE))
    decisions = _shaping(Decision.objects.using(alias).filter(application_id=_MARK_CASE))
    claims = TradeSecretClaim.objects.using(alias).filter(application_id=_MARK_CASE)
    return (
        KeptRows(case, alias, marks),
        KeptRows(decisions, alias, marks),
        KeptRows(claims, alias, marks),
    )


def register_entry_on_decision(*, decision: Decision) -> None:
    """Subscribed to the kernel's decisions (``RegisterConfig.ready``): an approval puts the
    waiver in the register and every later act updates its status, in the decision's own
    transaction, so the public never sees a revoked waiver as in force."""
    if decision.kind in ENTRY_DECISIONS:
        register_entry_refresh(application=decision.application)


def register_entries_on_decisions(*, decisions: list[Decision]) -> None:
    """``register_entry_on_decision`` for many decisions of one transaction (the sweep's
    chunks): the entries of their cases rebuilt in one pass."""
    ids = sorted({d.application_id for d in decisions if d.kind in ENTRY_DECISIONS})
    if ids:
        register_entries_build(
            _with_relations(Application.objects.filter(pk__in=ids)), now=timezone.now()
        )


def register_rebuild(*, batch: int = 1000) -> int:
    """Every granted waiver's entry from scratch (after a restore, or to seed a copy)."""
    written, last = 0, 0
    now = timezone.now()
    while True:
        chunk = list(_with_relations(_granted().filter(pk__gt=last))[:batch])
        if not chunk:
            break
        with transaction.atomic():
            written += register_entries_build(chunk, now=now)
        last = chunk[-1].pk
    stale = RegisterEntry.objects.exclude(application__status__in=list(REGISTER_STATUS_OF))
    stale.delete()
    return written


def register_reconcile(*, limit: int = 500) -> str:
    """The scheduler's tick: entries missing for granted waivers, or whose status disagrees
    with their case's, are rebuilt (a safety net under the decision hook; normally none)."""
    expected = Case(
        *[
            When(application__status=status, then=Value(shown))
            for status, shown in REGISTER_STATUS_OF.items()
        ],
        default=Value(""),
    )
    drifted = list(
        RegisterEntry.objects.annotate(expected=expected)
        .filter(~Q(status=F("expected")))
        .values_list("application_id", flat=True)[:limit]
    )
    missing = list(
        _granted().filter(register_entry__isnull=True).values_list("pk", flat=True)[:limit]
    )
    ids = sorted({*drifted, *missing})
    if not ids:
        return ""
    with transaction.atomic():
        register_entries_build(
            _with_relations(Application.objects.filter(pk__in=ids)), now=timezone.now()
        )
        RegisterEntry.objects.filter(application_id__in=drifted).exclude(
            application__status__in=list(REGISTER_STATUS_OF)
        ).delete()
    return f"register: {len(ids)} entries brought up to date"


# --- statistics ----------------------------------------------------------------------------------


def statistics_refresh(*, now: dt.datetime | None = None) -> StatisticsSnapshot:
    """Compute the statistics with aggregate queries and keep them as the one snapshot."""
    data = statistics.compute()
    with transaction.atomic():
        StatisticsSnapshot.objects.all().delete()
        return StatisticsSnapshot.objects.create(computed_at=now or timezone.now(), data=data)


def statistics_current() -> StatisticsSnapshot:
    """The snapshot, refreshed first when none exists or it is older than
    ``STATISTICS_MAX_AGE`` seconds (the scheduler's tick normally keeps it fresh)."""
    snapshot = StatisticsSnapshot.objects.order_by("-computed_at", "-id").first()
    age = settings.STATISTICS_MAX_AGE
    if snapshot is None or (timezone.now() - snapshot.computed_at).total_seconds() > age:
        snapshot = statistics_refresh()
    return snapshot


def statistics_tick() -> str:
    """The scheduler's tick: a fresh snapshot (routine, so nothing for the log)."""
    statistics_refresh()
    return ""
