"""What the due-process letters print beyond the decision's own fields: the prior notice (its
grounds, the measure intended, the opinion deadline and how to respond), the opinion and why it
was or was not accepted, a hearing's date and place, the suspension's period and cure steps
and how to ask for resumption, an urgent suspension's ground, a continuation's cap, a
conversion's tracks, and the result-report duty after expiry.

It reads the decision's ``details`` (plain data the deciding app recorded with the decision:
``sanctions`` for the procedure, the kernel for continuation and conversion); ``documents``
never imports the app that wrote them. Wording is fixed text in both languages, as in
``letter_wording`` (a letter is a legal act).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from documents import letter_wording as w

TEXT: dict[str, dict[str, str]] = {
    # headings
    "notice": {"ko": "사전통지", "en": "Prior notice"},
    "measure": {"ko": "하려는 처분", "en": "Measure intended"},
    "grounds": {"ko": "처분의 원인이 되는 사실", "en": "Grounds"},
    "cited": {"ko": "관련 기록", "en": "Records cited"},
    "opinion_deadline": {"ko": "의견 제출 기한", "en": "Deadline for your opinion"},
    "how_to_respond": {"ko": "의견 제출 방법", "en": "How to respond"},
    "opinion": {"ko": "제출된 의견", "en": "Your opinion"},
    "assessment": {"ko": "의견의 반영 여부", "en": "Whether your opinion was accepted"},
    "hearing": {"ko": "청문", "en": "Hearing"},
    "suspension_period": {"ko": "정지 기간", "en": "Period of suspension"},
    "cure_steps": {"ko": "시정 조치", "en": "Steps to cure"},
    "resumption": {"ko": "효력 재개 요청 방법", "en": "How to request resumption"},
    "urgency": {"ko": "긴급 처분의 사유", "en": "Why this was urgent"},
    "continuation": {"ko": "효력 유지 기간", "en": "Continuation"},
    "conversion": {"ko": "전환 내용", "en": "Conversion"},
    "result_report": {"ko": "결과 보고 의무", "en": "Result report"},
    # lines
    "measure_suspend": {
        "ko": "규제특례 효력 정지{period}",
        "en": "Suspension of the exemption{period}",
    },
    "measure_revoke": {"ko": "규제특례 지정 취소", "en": "Revocation of the exemption"},
    "period_days": {"ko": " ({days}일 이내)", "en": " (for up to {days} days)"},
    "notice_ref": {
        "ko": "{date} 사전통지 (제{number}호)",
        "en": "Prior notice no. {number} of {date}",
    },
    "cited_incident": {
        "ko": "사고 보고 제{number}호 ({date}): {text}",
        "en": "Incident {number} ({date}): {text}",
    },
    "cited_condition": {
        "ko": "부가조건 제{number}호 위반: {text}",
        "en": "Condition {number} breached: {text}",
    },
    "cited_report": {
        "ko": "{text} 미제출 (제출 기한 {date})",
        "en": "{text} not filed (due {date})",
    },
    "opinion_due": {
        "ko": "{date}까지 (이 날까지 의견이 없으면 의견이 없는 것으로 봅니다)",
        "en": "By {date} (if no opinion is received by then, you are taken to have none)",
    },
    "respond": {
        "ko": "사전통지를 받은 기업은 규제샌드박스 누리집의 해당 신청 화면에서 의견서와 증빙 자료를 제출하거나 청문을 요청할 수 있습니다. 기한 전에는 처분하지 아니합니다.",
        "en": "Submit your opinion with supporting files, or ask for a hearing, on this application's page on the sandbox website. No measure is taken before the deadline.",
    },
    "opinion_submitted": {
        "ko": "{date} 의견 제출{hearing}",
        "en": "Opinion submitted on {date}{hearing}",
    },
    "hearing_asked": {"ko": " (청문 요청)", "en": " (a hearing was requested)"},
    "no_opinion": {
        "ko": "기한({date})까지 의견이 제출되지 아니함",
        "en": "No opinion was submitted by the deadline ({date})",
    },
    "hearing_held": {
        "ko": "{when}, {place}에서 청문 실시",
        "en": "Hearing held on {when} at {place}",
    },
    "accepted": {"ko": "의견을 반영함: {why}", "en": "Accepted: {why}"},
    "partly": {"ko": "의견을 일부 반영함: {why}", "en": "Accepted in part: {why}"},
    "not_accepted": {"ko": "의견을 반영하지 아니함: {why}", "en": "Not accepted: {why}"},
    "not_assessed": {"ko": "검토할 의견이 없음", "en": "No opinion to consider"},
    "period": {"ko": "{start}부터 {end}까지", "en": "From {start} to {end}"},
    "resume_how": {
        "ko": "시정 조치를 마친 경우 규제샌드박스 누리집의 해당 신청 화면에서 시정 증빙을 첨부하여 효력 재개를 요청할 수 있습니다. 정지 기간이 끝날 때까지 시정되지 아니하면 처분청이 후속 조치를 결정합니다.",
        "en": "Once the steps are done, request resumption with evidence of the cure on this application's page on the sandbox website. If the suspension period ends without a cure, the authority decides what follows.",
    },
    "urgency_life": {"ko": "생명에 대한 위험", "en": "Danger to life"},
    "urgency_health": {"ko": "건강에 대한 위험", "en": "Danger to health"},
    "urgency_safety": {"ko": "안전에 대한 위험", "en": "Danger to safety"},
    "urgent_followup": {
        "ko": "긴급한 위해 방지를 위하여 사전통지 없이 처분하였으며, 사전통지와 의견 제출 절차는 이 처분 후에 진행됩니다.",
        "en": "To prevent imminent harm this measure was taken without prior notice; the prior notice and your opportunity to give an opinion follow it.",
    },
    "hearing_at": {"ko": "일시: {when}", "en": "Date and time: {when}"},
    "hearing_place": {"ko": "장소: {place}", "en": "Place: {place}"},
    "hearing_online": {"ko": "장소: 온라인 ({place})", "en": "Place: online ({place})"},
    "hearing_note": {
        "ko": "청문에 출석하여 의견을 진술하고 증거를 제출할 수 있습니다. 출석이 어려운 경우 청문일 전까지 의견서를 제출할 수 있습니다.",
        "en": "You may attend, state your views and present evidence. If you cannot attend, you may send a written opinion before the hearing.",
    },
    "original_end": {"ko": "원래 기간 만료일: {date}", "en": "Original end of the term: {date}"},
    "cap": {
        "ko": "법령 정비 시까지 효력이 유지되며, 최장 {date}({months}개월)까지로 합니다.",
        "en": "The exemption continues until the law is amended, at the latest until {date} ({months} months).",
    },
    "no_cap": {
        "ko": "법령 정비 시까지 효력이 유지됩니다.",
        "en": "The exemption continues until the law is amended.",
    },
    "cap_reached": {
        "ko": "효력 유지 기간의 상한({date})에 도달하였습니다.",
        "en": "The continuation reached its legal limit ({date}).",
    },
    "converted": {
        "ko": "{old}에서 {new}(으)로 전환",
        "en": "Converted from {old} into {new}",
    },
    "report_duty": {
        "ko": "기간 만료일부터 30일 이내에 실증 결과 보고서를 제출하여야 합니다. 제출하지 아니하면 향후 신청에 불이익이 있을 수 있습니다.",
        "en": "File the result report of the test within 30 days of the end of the term; failing to do so may count against future applications.",
    },
}


def _t(key: str, language: str, **values: object) -> str:
    entry = TEXT[key]
    phrase = entry.get(language, entry["ko"])
    return phrase.format(**values) if values else phrase


def _title(key: str, language: str) -> dict[str, str]:
    other = "en" if language == "ko" else "ko"
    return {"main": _t(key, language), "alt": TEXT[key][other]}


def _day(value: Any, language: str) -> str:
    if not value:
        return ""
    return w.long_date(dt.date.fromisoformat(str(value)[:10]), language)


def _moment(value: Any, language: str, tz: Any) -> str:
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(str(value)).astimezone(tz)
    clock = moment.strftime("%H:%M")
    return f"{w.long_date(moment.date(), language)} {clock}"


def _section(key: str, language: str, lines: list[str]) -> dict[str, Any]:
    return {"title": _title(key, language), "lines": [line for line in lines if line]}


def _cited(items: list[dict[str, Any]], language: str) -> list[str]:
    lines = []
    for item in items:
        key = f"cited_{item.get('kind')}"
        if key in TEXT:
            lines.append(
                _t(
                    key,
                    language,
                    number=item.get("number", ""),
                    date=_day(item.get("date"), language),
                    text=item.get("text", ""),
                )
            )
    return lines


def _notice_sections(details: dict[str, Any], language: str, *, full: bool) -> list[dict[str, Any]]:
    notice = details.get("notice") or {}
    if not notice:
        return []
    period = notice.get("period_days")
    measure = _t(
        f"measure_{notice.get('measure', 'suspend')}",
        language,
        period=_t("period_days", language, days=period) if period else "",
    )
    sections = []
    if full:
        sections.append(_section("measure", language, [measure]))
        sections.append(_section("grounds", language, [notice.get("grounds", "")]))
        sections.append(_section("cited", language, _cited(notice.get("cited") or [], language)))
        sections.append(
            _section(
                "opinion_deadline",
                language,
                [_t("opinion_due", language, date=_day(notice.get("opinion_due"), language))],
            )
        )
        sections.append(_section("how_to_respond", language, [_t("respond", language)]))
    else:
        sections.append(
            _section(
                "notice",
                language,
                [
                    _t(
                        "notice_ref",
                        language,
                        number=notice.get("number", ""),
                        date=_day(notice.get("sent_on"), language),
                    ),
                    measure,
                ],
            )
        )
    return sections


def _opinion_sections(details: dict[str, Any], language: str, tz: Any) -> list[dict[str, Any]]:
    if not details.get("notice"):
        return []
    opinion = details.get("opinion")
    notice = details["notice"]
    lines = []
    if opinion:
        lines.append(
            _t(
                "opinion_submitted",
                language,
                date=_day(opinion.get("submitted_on"), language),
                hearing=_t("hearing_asked", language) if opinion.get("hearing_requested") else "",
            )
        )
        if opinion.get("summary"):
            lines.append(opinion["summary"])
    else:
        lines.append(_t("no_opinion", language, date=_day(notice.get("opinion_due"), language)))
    hearing = details.get("hearing")
    if hearing and hearing.get("held_at"):
        lines.append(
            _t(
                "hearing_held",
                language,
                when=_moment(hearing["held_at"], language, tz),
                place=hearing.get("place", ""),
            )
        )
    sections = [_section("opinion", language, lines)]
    assessment = details.get("assessment") or {}
    if opinion:
        key = {"accepted": "accepted", "partly": "partly", "not_accepted": "not_accepted"}.get(
            str(assessment.get("outcome")), "not_accepted"
        )
        sections.append(
            _section("assessment", language, [_t(key, language, why=assessment.get("why", ""))])
        )
    return sections


def _suspension_sections(details: dict[str, Any], language: str) -> list[dict[str, Any]]:
    sections = []
    period = details.get("period") or {}
    if period:
        sections.append(
            _section(
                "suspension_period",
                language,
                [
                    _t(
                        "period",
                        language,
                        start=_day(period.get("start"), language),
                        end=_day(period.get("end"), language),
                    )
                ],
            )
        )
    steps = [str(step) for step in details.get("cure_steps") or []]
    if steps:
        sections.append(
            _section("cure_steps", language, [f"{n}. {step}" for n, step in enumerate(steps, 1)])
        )
    if period:
        sections.append(_section("resumption", language, [_t("resume_how", language)]))
    return sections


def procedure_sections(
    *, kind: str, details: dict[str, Any], language: str, tz: Any, tracks: dict[str, str]
) -> list[dict[str, Any]]:
    """The titled lists the letter of ``kind`` prints from its decision's ``details``, in the
    letter's language. ``tracks``: track code → name in that language (for a conversion)."""
    details = details or {}
    sections: list[dict[str, Any]] = []
    if kind == "prior_notice":
        sections += _notice_sections(details, language, full=True)
    elif kind == "hearing_notice":
        sections += _notice_sections(details, language, full=False)
        hearing = details.get("hearing") or {}
        place_key = "hearing_online" if hearing.get("online") else "hearing_place"
        sections.append(
            _section(
                "hearing",
                language,
                [
                    _t("hearing_at", language, when=_moment(hearing.get("at"), language, tz)),
                    _t(place_key, language, place=hearing.get("place", "")),
                    _t("hearing_note", language),
                ],
            )
        )
    elif kind == "urgent_suspension":
        urgency = details.get("urgency") or {}
        ground = f"urgency_{urgency.get('ground', 'safety')}"
        sections.append(
            _section(
                "urgency",
                language,
                [
                    _t(ground, language) if ground in TEXT else "",
                    urgency.get("explanation", ""),
                    _t("urgent_followup", language),
                ],
            )
        )
        sections += _suspension_sections(details, language)
    elif kind in ("suspension", "revocation"):
        sections += _notice_sections(details, language, full=False)
        sections += _opinion_sections(details, language, tz)
        sections += _suspension_sections(details, language)
    elif kind == "suspension_extension":
        sections += _suspension_sections(details, language)
    elif kind == "law_amendment":
        lines = [_t("original_end", language, date=_day(details.get("original_end"), language))]
        if details.get("continuation_until"):
            lines.append(
                _t(
                    "cap",
                    language,
                    date=_day(details["continuation_until"], language),
                    months=details.get("cap_months") or "",
                )
            )
        else:
            lines.append(_t("no_cap", language))
        sections.append(_section("continuation", language, lines))
    elif kind == "continuation_end":
        sections.append(
            _section(
                "continuation",
                language,
                [
                    _t(
                        "cap_reached",
                        language,
                        date=_day(details.get("continuation_until"), language),
                    )
                ],
            )
        )
        sections.append(_section("result_report", language, [_t("report_duty", language)]))
    elif kind == "conversion":
        old, new = details.get("from_track", ""), details.get("to_track", "")
        sections.append(
            _section(
                "conversion",
                language,
                [_t("converted", language, old=tracks.get(old, old), new=tracks.get(new, new))],
            )
        )
    elif kind == "expiry":
        sections.append(_section("result_report", language, [_t("report_duty", language)]))
    return [section for section in sections if section["lines"]]
