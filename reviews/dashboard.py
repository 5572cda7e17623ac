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
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications.models import Application, AuditEvent, Program, Track
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


class _PercentileDisc(Aggregate):
    """PostgreSQL's nearest-rank percentile (``percentile_disc``): the first value whose
    cumulative share reaches ``share``, the same value ``percentile`` picks; NULLs skipped."""

    function = "percentile_disc"
    template = "%(function)s(%(share)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, share: float) -> None:
        super().__init__(expression, share=float(share))


def _first(action: str) -> str:
    return f"first_{action}"


def _stage_durations(submitted: QuerySet[Application]) -> QuerySet[AuditEvent, Any]:
    """One row per submitted case with a marker in its record: how long each stage took, or NULL
    where the stage has not both begun and ended (or ended before it began). A stage begins at
    the first of its start actions (in the stage's order) that the case's record holds, the
    first time it happened; it ends likewise: a remand does not restart it. Within one case the
    trail is written in order, so the first time is the earliest ``occurred_at``."""
    # The markers are among the actions the milestones' index holds (``MILESTONE_ACTIONS``):
    # the cases' first moments are read from it alone, in case order.
    per_case = (
        AuditEvent.objects.filter(application__in=submitted.values("pk"), action__in=MARKERS)
        .values("application_id")
        .annotate(**{_first(a): Min("occurred_at", filter=Q(action=a)) for a in MARKERS})
    )

    def moment(actions: tuple[str, ...]) -> Any:
        named = [F(_first(a)) for a in actions]
        return named[0] if len(named) == 1 else Coalesce(*named)

    durations = {}
    for stage in STAGES:
        start, end = moment(stage.start), moment(stage.end)
        durations[stage.slug] = Case(
            When(
                GreaterThanOrEqual(end, start), then=ExpressionWrapper(end - start, DurationField())
            ),
            output_field=DurationField(),
        )
    return per_case.annotate(**durations).order_by()


def _in_days(duration: dt.timedelta) -> float:
    return round(duration.total_seconds() / 86400, 1)


def _stage_times(cases: QuerySet[Application], statutory: str) -> list[StageTime]:
    """Each stage's number of cases, median and 90th percentile (calendar days, one decimal)
    over ``cases`` (the submitted cases in view), computed where the rows are: on PostgreSQL
    the database picks the percentiles (one statement, a row back); elsewhere the durations
    come back and ``percentile`` picks them. Rounding after picking gives what picking among
    rounded days gave, as rounding keeps order. (The cases' ids once went to the database as
    a list: past 65,535 cases in view PostgreSQL refused the statement.)"""
    durations = _stage_durations(cases)
    figures: dict[str, tuple[int, float | None, float | None]] = {}
    if connections[durations.db].vendor == "postgresql":
        picked = durations.aggregate(
            **{
                f"{stage.slug}_{name}": aggregate
                for stage in STAGES
                for name, aggregate in (
                    ("cases", Count(stage.slug)),
                    ("median", _PercentileDisc(stage.slug, 0.5)),
                    ("p90", _PercentileDisc(stage.slug, 0.9)),
                )
            }
        )
        for stage in STAGES:
            median, p90 = picked[f"{stage.slug}_median"], picked[f"{stage.slug}_p90"]
            figures[stage.slug] = (
                picked[f"{stage.slug}_cases"],
                None if median is None else _in_days(median),
                None if p90 is None else _in_days(p90),
            )
    else:
        days: dict[str, list[float]] = {stage.slug: [] for stage in STAGES}
        for row in durations.values_list(*(stage.slug for stage in STAGES)):
            for stage, duration in zip(STAGES, row, strict=True):
                if duration is not None:
                    days[stage.slug].append(_in_days(duration))
        for slug, values in days.items():
            figures[slug] = (len(values), percentile(values, 0.5), percentile(values, 0.9))
    return [
        StageTime(
            stage=stage,
            cases=figures[stage.slug][0],
            median=figures[stage.slug][1],
            p90=figures[stage.slug][2],
            statutory=statutory if stage.slug == "total" else "",
        )
        for stage in STAGES
    ]


def _statutory_days(track_ids: set[int]) -> str:
    """The tracks' statutory review periods: "90", or "30–120" when they differ; "" for none."""
    limits = sorted(
        set(
            Track.objects.filter(pk__in=sorted(track_ids), review_days__gt=0).values_list(
                "review_days", flat=True
            )
        )
    )
    if not limits:
        return ""
    return str(limits[0]) if len(limits) == 1 else f"{limits[0]}–{limits[-1]}"


def dashboard_for(
    *, user: Any, program_id: int | None, now: dt.datetime | None = None
) -> Dashboard:
    """The dashboard's figures. The cases in scope are read once, grouped by programme, track
    and status with the clock's counts in each group: the programmes to choose from, the open
    cases by status, the clock and the tracks whose statutory days apply all come from those
    few rows (they were four statements, each reading the scope). Then the stage times and the
    workload."""
    now = now or timezone.now()
    scoped = Application.objects.filter(selectors.scope_q(user))
    running = Q(status__in=RUNNING_CLOCK, clock_paused_at__isnull=True)
    soon = now + dt.timedelta(days=DUE_SOON_DAYS)
    groups = list(
        scoped.values("program_id", "track_id", "status")
        .annotate(
            n=Count("pk"),
            submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
            overdue=Count("pk", filter=running & Q(due_at__lt=now)),
            soon=Count("pk", filter=running & Q(due_at__gte=now, due_at__lt=soon)),
        )
        .order_by()
    )
    # A few programmes at most: the list of their ids does not grow with the cases.
    in_scope = sorted({group["program_id"] for group in groups})
    programs = list(Program.objects.filter(pk__in=in_scope).order_by("code"))
    program = next((p for p in programs if p.pk == program_id), None)
    if program is not None:
        scoped = scoped.filter(program=program)
        groups = [group for group in groups if group["program_id"] == program.pk]
    board = Dashboard(program=program, programs=programs)
    counts: dict[str, int] = {}
    for group in groups:
        if group["status"] in OPEN_FOR_OFFICER:
            counts[group["status"]] = counts.get(group["status"], 0) + group["n"]
    board.by_status = [
        Bar(label=str(status.label), value=counts[status.value])
        for status in S
        if counts.get(status.value)
    ]
    board.open_total = sum(counts.values())
    board.overdue = sum(group["overdue"] for group in groups)
    board.due_this_week = sum(group["soon"] for group in groups)
    statutory = _statutory_days({group["track_id"] for group in groups if group["submitted"]})
    board.stages = _stage_times(scoped.exclude(submitted_at=None), statutory)
    board.workload = selectors.officer_workload(
        officers=list(selectors.officers_of_ministry(user=user)), now=now
    )
    return board


# --- charts ---------------------------------------------------------------------------------------

CHART_WIDTH = 480
LABEL_WIDTH = 210
BAR_HEIGHT = 22
GAP = 8
VALUE_GAP = 5  # between a bar's end and its value text
FONT_SIZE = 11  # the labels' and values' size in the drawing's units (review.css)


def text_width(text: str) -> float:
    """About how wide ``text`` is drawn at ``FONT_SIZE``: a full-width (Hangul, CJK) character
    takes the whole size, any other about 0.6 of it (a generous average for the site's fonts'
    Latin letters and digits)."""
    return sum(
        FONT_SIZE * (1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6) for char in text
    )


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
        return LABEL_WIDTH + self.width + VALUE_GAP


@dataclass
class Chart:
    height: int
    bars: list[ChartBar]
    marker: float | None = None  # x of a reference line (the statutory deadline)
    marker_text: str = ""
    width: float = CHART_WIDTH


def bar_chart(rows: list[tuple[str, float, str, str]], marker: float | None = None) -> Chart:
    """Horizontal bars: (label, value, value as text, css class) each; ``marker``: a value
    drawn as a vertical line. Geometry only: the template draws it. The bars share one scale,
    as long as it lets every bar's value text end inside the drawing (it was cut off at the
    drawing's edge: "61 days (90th percentile)" after the longest bar); the drawing keeps its
    width, so every chart's text is drawn at one size."""
    top = max([value for _l, value, _t, _c in rows] + [marker or 0, 1])
    span: float = CHART_WIDTH - LABEL_WIDTH - 50
    for _label, value, text, _css in rows:
        room = CHART_WIDTH - LABEL_WIDTH - VALUE_GAP - text_width(text) - 4
        if value > 0:
            span = min(span, room * top / value)
    span = max(span, 0)
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
