"""The statistics: aggregate queries over the cases, their decisions and the register (never a
case loaded into Python), kept as a snapshot; and the tables and charts made from a snapshot in
the reader's language.

Definitions (docs/public.md):
- decisions and later acts count ``Decision`` rows by the year they were taken (Seoul time);
- outcomes: approval, rejection, fast-confirmation answer, deemed confirmation;
- received: submitted applications by year of submission; withdrawn: submitted applications
  withdrawn or lapsed, by year of submission;
- processing time: whole days from submission to the (latest) first decision of each decided
  case; median and 90th percentile by the nearest-rank method; "within the deadline" means
  decided by the statutory deadline (which moves by the time the clock was paused).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Func, IntegerField, Q
from django.db.models.functions import ExtractYear
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, Decision, DecisionKind, Ministry, Program, Track
from applications.workflow import ApplicationStatus as S
from applications.workflow import TrackKind
from register.models import RegisterEntry
from register.rules import LATER_ACTS, OUTCOMES, RegisterStatus

SNAPSHOT_VERSION = 1
BUCKET_DAYS = 15
LAST_BUCKET = 180  # everything from here on is one bucket


class DaysBetween(Func):
    """Whole days from one timestamp column to another, on PostgreSQL and SQLite."""

    output_field = IntegerField()

    def __init__(self, start: str, end: str) -> None:
        super().__init__(F(start), F(end))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            sql = f"FLOOR(EXTRACT(EPOCH FROM ({end} - {start})) / 86400)::integer"
        else:
            sql = f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"
        return sql, (*end_params, *start_params)


def compute() -> dict[str, Any]:
    """Every figure of the statistics, from six aggregate queries."""
    submitted = Application.objects.filter(submitted_at__isnull=False)
    received = (
        submitted.annotate(year=ExtractYear("submitted_at"))
        .values("year", "program_id", "track_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    withdrawn = (
        submitted.filter(status=S.WITHDRAWN)
        .annotate(year=ExtractYear("submitted_at"))
        .values("year", "program_id", "track_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    decisions = (
        Decision.objects.annotate(year=ExtractYear("decided_at"))
        .values("year", "kind", "application__program_id", "application__track_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    durations = (
        submitted.filter(decided_at__isnull=False)
        .annotate(days=DaysBetween("submitted_at", "decided_at"))
        .values("track_id", "days")
        .annotate(n=Count("id"), within=Count("id", filter=Q(decided_at__lte=F("due_at"))))
        .order_by()
    )
    register = (
        RegisterEntry.objects.values("program_id", "track_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "version": SNAPSHOT_VERSION,
        "received": [[r["year"], r["program_id"], r["track_id"], r["n"]] for r in received],
        "withdrawn": [[r["year"], r["program_id"], r["track_id"], r["n"]] for r in withdrawn],
        "decisions": [
            [
                r["year"],
                r["application__program_id"],
                r["application__track_id"],
                r["kind"],
                r["n"],
            ]
            for r in decisions
        ],
        "durations": [[r["track_id"], r["days"], r["n"], r["within"]] for r in durations],
        "register": [[r["program_id"], r["track_id"], r["status"], r["n"]] for r in register],
    }


# --- shaping a snapshot for people -------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Programmes, tracks and ministries by id, named in the active language (small tables)."""

    programs: dict[int, Program]
    tracks: dict[int, Track]
    ministries: dict[int, Ministry]

    @classmethod
    def load(cls) -> Labels:
        return cls(
            programs={p.pk: p for p in Program.objects.select_related("lead_ministry")},
            tracks={t.pk: t for t in Track.objects.select_related("program")},
            ministries={m.pk: m for m in Ministry.objects.all()},
        )

    def program(self, pk: int) -> str:
        program = self.programs.get(pk)
        return program.display_name if program else "?"

    def track(self, pk: int) -> str:
        track = self.tracks.get(pk)
        if track is None:
            return "?"
        return f"{track.program.display_name} — {track.display_name}"

    def ministry_of_program(self, pk: int) -> int | None:
        program = self.programs.get(pk)
        return program.lead_ministry_id if program else None

    def ministry(self, pk: int | None) -> str:
        ministry = self.ministries.get(pk) if pk is not None else None
        return ministry.display_name if ministry else "?"


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]  # first cell: the row's label


@dataclass
class Marker:
    label: str
    days: int


@dataclass
class Chart:
    slug: str
    title: Promise | str
    intro: Promise | str
    kind: str  # "bars": stacked horizontal bars; "histogram": days on the x axis
    categories: list[str]
    series: list[tuple[str, list[int]]]
    table: Table
    summary: str = ""
    markers: list[Marker] = field(default_factory=list)
    axis_label: str = ""

    @property
    def total(self) -> int:
        return sum(sum(values) for _name, values in self.series)


OUTCOME_LABELS: dict[str, Promise] = {
    DecisionKind.APPROVAL: gettext_lazy("Approved"),
    DecisionKind.REJECTION: gettext_lazy("Rejected"),
    DecisionKind.CONFIRMATION: gettext_lazy("Fast confirmation answered"),
    DecisionKind.DEEMED_CONFIRMATION: gettext_lazy("Fast confirmation deemed"),
}
ACT_LABELS: dict[str, Promise] = {
    DecisionKind.EXTENSION: gettext_lazy("Extensions"),
    DecisionKind.LAW_AMENDMENT: gettext_lazy("Law amendments (continuing)"),
    DecisionKind.SUSPENSION: gettext_lazy("Suspensions"),
    DecisionKind.RESUMPTION: gettext_lazy("Suspensions lifted"),
    DecisionKind.REVOCATION: gettext_lazy("Revocations"),
    DecisionKind.EXPIRY: gettext_lazy("Expiries"),
    DecisionKind.REGULARIZATION: gettext_lazy("Regularizations"),
    DecisionKind.URGENT_SUSPENSION: gettext_lazy("Urgent suspensions"),
    DecisionKind.SUSPENSION_EXTENSION: gettext_lazy("Suspensions extended"),
    DecisionKind.CONVERSION: gettext_lazy("Conversions into temporary permits"),
    DecisionKind.CONTINUATION_END: gettext_lazy("Continuations ended at their cap"),
}


def _crosstab(
    rows: Iterable[tuple[Any, str, int]],
    series: list[str],
    order: Callable[[Any], Any] = lambda key: key,
) -> tuple[list[Any], dict[str, list[int]]]:
    """(category, series, n) rows → categories in order and one list of counts per series."""
    counts: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for category, name, n in rows:
        if name in series:
            counts[category][name] += n
    categories = sorted(counts, key=order)
    return categories, {name: [counts[c][name] for c in categories] for name in series}


def _stacked(
    slug: str,
    title: Promise,
    intro: Promise,
    first_column: str,
    rows: Iterable[tuple[Any, str, int]],
    names: dict[str, Promise],
    label: Callable[[Any], str],
    order: Callable[[Any], Any] = lambda key: key,
) -> Chart:
    keys = list(names)
    categories, values = _crosstab(rows, keys, order)
    shown = [label(c) for c in categories]
    series = [(str(names[k]), values[k]) for k in keys]
    table = Table(
        columns=[first_column, *[name for name, _values in series], _("Total")],
        rows=[
            [shown[i], *[v[i] for _name, v in series], sum(v[i] for _name, v in series)]
            for i in range(len(categories))
        ],
    )
    chart = Chart(slug, title, intro, "bars", shown, series, table)
    if categories:
        totals = [row[-1] for row in table.rows]
        top = max(range(len(totals)), key=totals.__getitem__)
        chart.summary = _("%(total)s in all; the most, %(n)s, for %(category)s.") % {
            "total": f"{sum(totals):,}",
            "n": f"{totals[top]:,}",
            "category": shown[top],
        }
    else:
        chart.summary = str(_("Nothing to count yet."))
    return chart


def percentile(histogram: dict[int, int], share: float) -> int | None:
    """The nearest-rank percentile of a histogram of whole days."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= rank:
            return days
    return max(histogram)


def _bucket(days: int) -> int:
    return min(max(days, 0) // BUCKET_DAYS * BUCKET_DAYS, LAST_BUCKET)


def _bucket_label(start: int) -> str:
    if start >= LAST_BUCKET:
        return _("%(days)s days or more") % {"days": start}
    return _("%(start)s–%(end)s days") % {"start": start, "end": start + BUCKET_DAYS - 1}


@dataclass(frozen=True)
class TrackTimes:
    """Processing time of one track's decided requests."""

    track_id: int
    decided: int
    median: int | None
    p90: int | None
    statutory_days: int
    within: int  # decided by the statutory deadline

    @property
    def share_within(self) -> str:
        return f"{100 * self.within / self.decided:.0f}%" if self.decided else ""


def track_times(data: dict[str, Any], labels: Labels) -> list[TrackTimes]:
    """Per track: how many decided, median and 90th percentile days, the statutory deadline and
    how many were decided by it (from the snapshot's histogram)."""
    histograms: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    within: dict[int, int] = defaultdict(int)
    for track_id, days, n, on_time in data.get("durations", []):
        if track_id in labels.tracks:
            histograms[track_id][days] += n
            within[track_id] += on_time
    return [
        TrackTimes(
            track_id=pk,
            decided=sum(histogram.values()),
            median=percentile(histogram, 0.5),
            p90=percentile(histogram, 0.9),
            statutory_days=labels.tracks[pk].statutory_days,
            within=within[pk],
        )
        for pk, histogram in sorted(histograms.items(), key=lambda item: labels.track(item[0]))
    ]


def processing_charts(data: dict[str, Any], labels: Labels) -> list[Chart]:
    """One histogram per kind of track (confirmation, exemption) with its median, 90th
    percentile and — when its tracks share one — statutory deadline, and a table per track."""
    charts = []
    kinds = [
        (
            TrackKind.CONFIRMATION,
            "processing-time-confirmation",
            gettext_lazy("Processing time: fast confirmation"),
        ),
        (
            TrackKind.EXEMPTION,
            "processing-time-exemption",
            gettext_lazy("Processing time: exemptions (demonstration, temporary permit)"),
        ),
    ]
    for kind, slug, title in kinds:
        by_track: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        within: dict[int, int] = defaultdict(int)
        for track_id, days, n, on_time in data.get("durations", []):
            track = labels.tracks.get(track_id)
            if track is None or track.kind != kind:
                continue
            by_track[track_id][days] += n
            within[track_id] += on_time
        overall: dict[int, int] = defaultdict(int)
        for histogram in by_track.values():
            for days, n in histogram.items():
                overall[days] += n
        buckets: dict[int, int] = defaultdict(int)
        for days, n in overall.items():
            buckets[_bucket(days)] += n
        deadlines = {labels.tracks[pk].statutory_days for pk in by_track}
        # The axis reaches the statutory deadline too, so its line falls where it belongs.
        limit = min(max([0, *buckets, *(_bucket(d) for d in deadlines)]), LAST_BUCKET)
        starts = list(range(0, limit + 1, BUCKET_DAYS)) if buckets else []
        rows = [
            [
                labels.track(t.track_id),
                t.decided,
                t.median,
                t.p90,
                t.statutory_days,
                t.share_within,
            ]
            for t in track_times(data, labels)
            if t.track_id in by_track
        ]
        table = Table(
            columns=[
                _("Track"),
                _("Decided"),
                _("Median (days)"),
                _("90th percentile (days)"),
                _("Statutory deadline (days)"),
                _("Decided within the deadline"),
            ],
            rows=rows,
        )
        chart = Chart(
            slug,
            title,
            gettext_lazy(
                "Whole days from submission to the decision, for every decided request; the lines "
                "mark the median, the 90th percentile and the statutory deadline."
            ),
            "histogram",
            [_bucket_label(start) for start in starts],
            [(str(_("Decided requests")), [buckets.get(start, 0) for start in starts])],
            table,
            axis_label=str(_("days from submission to decision")),
        )
        median, p90 = percentile(overall, 0.5), percentile(overall, 0.9)
        if median is not None and p90 is not None:
            chart.markers = [
                Marker(_("Median: %(days)s days") % {"days": median}, median),
                Marker(_("90th percentile: %(days)s days") % {"days": p90}, p90),
            ]
            if len(deadlines) == 1:
                (deadline,) = deadlines
                chart.markers.append(
                    Marker(_("Statutory deadline: %(days)s days") % {"days": deadline}, deadline)
                )
            decided = sum(overall.values())
            on_time = sum(within[pk] for pk in by_track)
            chart.summary = _(
                "%(n)s decided; median %(median)s days, 90th percentile %(p90)s days; "
                "%(share)s decided within the statutory deadline."
            ) % {
                "n": f"{decided:,}",
                "median": median,
                "p90": p90,
                "share": f"{100 * on_time / decided:.0f}%",
            }
        else:
            chart.summary = str(_("Nothing to count yet."))
        charts.append(chart)
    return charts


def charts(data: dict[str, Any], labels: Labels) -> list[Chart]:
    """Every chart of the statistics page, in page order."""
    decisions = data.get("decisions", [])
    outcomes = [(year, program, track, kind, n) for year, program, track, kind, n in decisions]

    def program_order(pk: int) -> str:
        program = labels.programs.get(pk)
        return program.code if program else ""

    def track_order(pk: int) -> str:
        return labels.track(pk)

    def ministry_order(pk: int | None) -> str:
        ministry = labels.ministries.get(pk) if pk is not None else None
        return ministry.code if ministry else ""

    result = [
        _stacked(
            "decisions-by-year",
            gettext_lazy("Decisions by year and outcome"),
            gettext_lazy("Every decision on a request, by the year it was taken."),
            _("Year"),
            ((year, kind, n) for year, _p, _t, kind, n in outcomes),
            {k: OUTCOME_LABELS[k] for k in OUTCOMES},
            str,
        ),
        _stacked(
            "decisions-by-programme",
            gettext_lazy("Decisions by programme and outcome"),
            gettext_lazy("All years together."),
            _("Programme"),
            ((program, kind, n) for _y, program, _t, kind, n in outcomes),
            {k: OUTCOME_LABELS[k] for k in OUTCOMES},
            labels.program,
            program_order,
        ),
        _stacked(
            "decisions-by-ministry",
            gettext_lazy("Decisions by ministry and outcome"),
            gettext_lazy("By the lead ministry of each programme, all years together."),
            _("Ministry"),
            (
                (labels.ministry_of_program(program), kind, n)
                for _y, program, _t, kind, n in outcomes
            ),
            {k: OUTCOME_LABELS[k] for k in OUTCOMES},
            labels.ministry,
            ministry_order,
        ),
        _stacked(
            "decisions-by-track",
            gettext_lazy("Decisions by track and outcome"),
            gettext_lazy("All years together."),
            _("Track"),
            ((track, kind, n) for _y, _p, track, kind, n in outcomes),
            {k: OUTCOME_LABELS[k] for k in OUTCOMES},
            labels.track,
            track_order,
        ),
        _stacked(
            "applications-by-year",
            gettext_lazy("Applications received and withdrawn"),
            gettext_lazy(
                "Submitted applications by the year of submission (the total), split into those "
                "decided or still open and those withdrawn or closed for want of a supplement."
            ),
            _("Year"),
            [
                *((year, "kept", n) for year, _p, _t, n in data.get("received", [])),
                *((year, "kept", -n) for year, _p, _t, n in data.get("withdrawn", [])),
                *((year, "withdrawn", n) for year, _p, _t, n in data.get("withdrawn", [])),
            ],
            {
                "kept": gettext_lazy("Decided or still open"),
                "withdrawn": gettext_lazy("Withdrawn or lapsed"),
            },
            str,
        ),
        _stacked(
            "fast-confirmation",
            gettext_lazy("Fast confirmation: answered or deemed"),
            gettext_lazy(
                "Answers given by the ministry against confirmations deemed because the answer "
                "deadline passed in silence, by year."
            ),
            _("Year"),
            ((year, kind, n) for year, _p, _t, kind, n in outcomes),
            {
                DecisionKind.CONFIRMATION: gettext_lazy("Answered"),
                DecisionKind.DEEMED_CONFIRMATION: gettext_lazy("Deemed"),
            },
            str,
        ),
        *processing_charts(data, labels),
        _stacked(
            "after-decision",
            gettext_lazy("After the decision: extensions, law amendments, revocations"),
            gettext_lazy("Decisions on granted waivers, by the year they were taken."),
            _("Year"),
            ((year, kind, n) for year, _p, _t, kind, n in outcomes),
            {k: ACT_LABELS[k] for k in LATER_ACTS},
            str,
        ),
        _stacked(
            "waivers-now",
            gettext_lazy("Granted waivers by status now"),
            gettext_lazy("Every waiver in the register, by where it stands today."),
            _("Programme"),
            ((program, status, n) for program, _t, status, n in data.get("register", [])),
            {value: label for value, label in RegisterStatus.choices},
            labels.program,
            program_order,
        ),
    ]
    return result


def headline(data: dict[str, Any]) -> dict[str, int]:
    """A few figures for the home page and the top of the statistics page."""
    decided: dict[str, int] = defaultdict(int)
    for _y, _p, _t, kind, n in data.get("decisions", []):
        decided[kind] += n
    in_force = sum(
        n
        for _p, _t, status, n in data.get("register", [])
        if status in (RegisterStatus.IN_FORCE, RegisterStatus.CONTINUING)
    )
    return {
        "received": sum(n for *_rest, n in data.get("received", [])),
        "granted": decided[DecisionKind.APPROVAL],
        "in_force": in_force,
        "confirmations": decided[DecisionKind.CONFIRMATION]
        + decided[DecisionKind.DEEMED_CONFIRMATION],
    }
