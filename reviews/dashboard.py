"""The dashboard's reads (``/review/dashboard/``): per ministry and programme, the open cases by
status, what is overdue and due this week, how long each stage takes (median and 90th
percentile) against the statutory deadline, and the workload per officer. Everything is scoped
to what the user may see in the workspace (``selectors.scope_q``).

Stage times come from the audit trail (the moments each case was submitted, accepted,
recommended and decided), in calendar days; the statutory deadline is the track's review period
from submission to the decision (the clock's pauses, for supplements and deliberation, are not
subtracted: the figure is what the applicant waited)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications.models import Application, AuditEvent, Program
from applications.workflow import OPEN_FOR_OFFICER, RUNNING_CLOCK
from applications.workflow import ApplicationStatus as S
from reviews import selectors

DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class Stage:
    slug: str
    label: Promise
    start: tuple[str, ...]
    end: tuple[str, ...]


STAGES = (
    Stage("intake", _("Submission to acceptance"), ("submit",), ("accept",)),
    Stage("review", _("Acceptance to recommendation"), ("accept",), ("recommend",)),
    Stage("decision", _("Recommendation to decision"), ("recommend",), ("approve", "reject")),
    Stage(
        "total",
        _("Submission to decision"),
        ("submit",),
        ("approve", "reject", "answer_confirmation", "deem_confirmed"),
    ),
)
MARKERS = sorted({a for stage in STAGES for a in (*stage.start, *stage.end)})


@dataclass
class StageTime:
    stage: Stage
    cases: int
    median: float | None
    p90: float | None
    statutory: str  # "90" or "30–120" days; "" when no statutory limit applies to the stage


@dataclass
class Bar:
    label: str
    value: int


@dataclass
class Dashboard:
    program: Program | None
    programs: list[Program]
    by_status: list[Bar] = field(default_factory=list)
    open_total: int = 0
    overdue: int = 0
    due_this_week: int = 0
    stages: list[StageTime] = field(default_factory=list)
    workload: list[Any] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.5: the median), or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _stage_times(cases: list[Application]) -> list[StageTime]:
    moments: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    events = (
        AuditEvent.objects.filter(application__in=[c.pk for c in cases], action__in=MARKERS)
        .order_by("seq")
        .values_list("application_id", "action", "occurred_at")
    )
    for app_id, action, at in events:
        moments[app_id].setdefault(action, at)  # the first time: a remand does not restart
    limits = sorted({c.track.review_days for c in cases if c.track.review_days})
    statutory = ""
    if limits:
        statutory = str(limits[0]) if len(limits) == 1 else f"{limits[0]}–{limits[-1]}"
    result = []
    for stage in STAGES:
        days = []
        for app_id in {c.pk for c in cases}:
            seen = moments.get(app_id, {})
            start = next((seen[a] for a in stage.start if a in seen), None)
            end = next((seen[a] for a in stage.end if a in seen), None)
            if start is not None and end is not None and end >= start:
                days.append(round((end - start).total_seconds() / 86400, 1))
        result.append(
            StageTime(
                stage=stage,
                cases=len(days),
                median=percentile(days, 0.5),
                p90=percentile(days, 0.9),
                statutory=statutory if stage.slug == "total" else "",
            )
        )
    return result


def dashboard_for(
    *, user: Any, program_id: int | None, now: dt.datetime | None = None
) -> Dashboard:
    now = now or timezone.now()
    scoped = Application.objects.filter(selectors.scope_q(user))
    programs = list(Program.objects.filter(pk__in=scoped.values("program_id")).order_by("code"))
    program = next((p for p in programs if p.pk == program_id), None)
    if program is not None:
        scoped = scoped.filter(program=program)
    board = Dashboard(program=program, programs=programs)
    counts = dict(
        scoped.filter(status__in=OPEN_FOR_OFFICER)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("status", "n")
    )
    board.by_status = [
        Bar(label=str(status.label), value=counts[status.value])
        for status in S
        if counts.get(status.value)
    ]
    board.open_total = sum(counts.values())
    running = Q(status__in=RUNNING_CLOCK, clock_paused_at__isnull=True)
    clock = scoped.aggregate(
        overdue=Count("pk", filter=running & Q(due_at__lt=now)),
        soon=Count(
            "pk",
            filter=running & Q(due_at__gte=now, due_at__lt=now + dt.timedelta(days=DUE_SOON_DAYS)),
        ),
    )
    board.overdue, board.due_this_week = clock["overdue"], clock["soon"]
    decided = list(scoped.exclude(submitted_at=None).select_related("track"))
    board.stages = _stage_times(decided)
    board.workload = selectors.officer_workload(
        officers=list(selectors.officers_of_ministry(user=user)), now=now
    )
    return board


# --- charts ---------------------------------------------------------------------------------------

CHART_WIDTH = 480
LABEL_WIDTH = 210
BAR_HEIGHT = 22
GAP = 8


@dataclass
class ChartBar:
    label: str
    value: float
    text: str
    y: int
    width: float
    css: str = "bar"

    @property
    def text_x(self) -> float:
        return LABEL_WIDTH + self.width + 5


@dataclass
class Chart:
    height: int
    bars: list[ChartBar]
    marker: float | None = None  # x of a reference line (the statutory deadline)
    marker_text: str = ""


def bar_chart(rows: list[tuple[str, float, str, str]], marker: float | None = None) -> Chart:
    """Horizontal bars: (label, value, value as text, css class) each; ``marker``: a value
    drawn as a vertical line. Geometry only: the template draws it."""
    top = max([value for _l, value, _t, _c in rows] + [marker or 0, 1])
    span = CHART_WIDTH - LABEL_WIDTH - 50
    bars = [
        ChartBar(
            label=label,
            value=value,
            text=text,
            y=index * (BAR_HEIGHT + GAP),
            width=round(span * value / top, 1),
            css=css,
        )
        for index, (label, value, text, css) in enumerate(rows)
    ]
    return Chart(
        height=max(1, len(rows)) * (BAR_HEIGHT + GAP),
        bars=bars,
        marker=round(LABEL_WIDTH + span * marker / top, 1) if marker else None,
    )
