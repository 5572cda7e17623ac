"""What supervision adds to approval and extension letters (``documents.letter_data``'s
``register_section``): the reporting schedule with its due dates, and the minimum insured amount
and incident deadline. Letter wording is fixed text in both languages, as in
``documents/letter_wording.py``, never the gettext catalogue (a letter is a legal act)."""

from __future__ import annotations

from typing import Any

from documents import letter_wording as w
from documents.letter_data import LetterSection
from documents.models import Letter, LetterKind
from supervision import selectors
from supervision.models import Report, ReportKind, ReportStatus

TEXT: dict[str, dict[str, str]] = {
    "schedule": {"ko": "보고 일정", "en": "Reporting schedule"},
    "supervision": {"ko": "보험 및 사고 보고", "en": "Insurance and incident reporting"},
    "periodic": {
        "ko": "정기 보고 {n}회차 (대상 기간 {start} – {end}): {due}까지 제출",
        "en": "Periodic report {n} (period {start} – {end}): due by {due}",
    },
    "final": {
        "ko": "결과 보고 (대상 기간 {start} – {end}): {due}까지 제출",
        "en": "Final (result) report (period {start} – {end}): due by {due}",
    },
    "condition": {"ko": " — 부가조건 제{n}호", "en": " — condition {n}"},
    "values": {
        "ko": "각 보고에는 시험 계획의 데이터 항목별 측정값, 이용자 수와 거래 건수, 이용자 민원, 기간 중 사고, 문제점과 변경 사항을 적습니다.",
        "en": "Each report gives the value of every data item of the test plan, users and transactions served, consumer complaints, incidents in the period, and problems and changes.",
    },
    "minimum_cover": {
        "ko": "책임보험 최저 보상한도: {amounts}",
        "en": "Minimum liability insurance cover: {amounts}",
    },
    "per_person": {"ko": "1인당 {n}원", "en": "KRW {n} per person"},
    "per_accident": {"ko": "1사고당 {n}원", "en": "KRW {n} per accident"},
    "aggregate": {"ko": "총 보상한도 {n}원", "en": "KRW {n} in aggregate"},
    "serious_incident": {
        "ko": "중대한 사고는 인지한 때부터 {hours}시간 이내에 보고해야 합니다.",
        "en": "Serious incidents must be reported within {hours} hours of their detection.",
    },
    "user_notice": {
        "ko": "이용자에게 규제특례 사실, 기간, 내용과 연락처를 고지하고 그 증빙을 제출해야 합니다.",
        "en": "Users must be told of the exemption, its term, its contents and a contact point, and evidence of it filed.",
    },
}


def _t(key: str, language: str, **values: object) -> str:
    entry = TEXT[key]
    phrase = entry.get(language, entry["ko"])
    return phrase.format(**values) if values else phrase


def _title(key: str, language: str) -> dict[str, str]:
    other = "en" if language == "ko" else "ko"
    return {"main": _t(key, language), "alt": TEXT[key][other]}


def _report_line(report: Report, language: str) -> str:
    line = _t(
        report.kind if report.kind in (ReportKind.PERIODIC, ReportKind.FINAL) else "periodic",
        language,
        n=report.number,
        start=w.long_date(report.period_start, language),
        end=w.long_date(report.period_end, language),
        due=w.long_date(report.due_on, language),
    )
    if report.condition_number:
        line += _t("condition", language, n=report.condition_number)
    return line


def letter_sections(*, letter: Letter, language: str, **_: Any) -> list[LetterSection]:
    """The supervision sections of an approval or extension letter (none for other kinds)."""
    if letter.kind not in (LetterKind.APPROVAL, LetterKind.EXTENSION):
        return []
    app = letter.application
    reports = list(
        Report.objects.filter(application=app)
        .exclude(status=ReportStatus.CANCELLED)
        .order_by("due_on", "number")
    )
    periodic = [r for r in reports if r.kind == ReportKind.PERIODIC]
    for position, report in enumerate(periodic, start=1):
        report.number = position  # the letter counts periodic reports 1, 2, 3 …
    sections: list[LetterSection] = []
    if reports:
        lines = [_report_line(r, language) for r in reports]
        if app.data_items.exists():
            lines.append(_t("values", language))
        sections.append(LetterSection(_title("schedule", language), lines))
    rules = selectors.settings_for(app.track)
    lines = []
    if app.track.insurance_required and rules is not None:
        amounts = [
            _t(key, language, n=f"{amount:,}")
            for key, amount in (
                ("per_person", rules.min_cover_per_person),
                ("per_accident", rules.min_cover_per_accident),
                ("aggregate", rules.min_cover_aggregate),
            )
            if amount
        ]
        if amounts:
            lines.append(_t("minimum_cover", language, amounts=", ".join(amounts)))
    if rules is not None:
        lines.append(_t("serious_incident", language, hours=rules.serious_incident_hours))
        if rules.user_notice_required:
            lines.append(_t("user_notice", language))
    if lines:
        sections.append(LetterSection(_title("supervision", language), lines))
    return sections
