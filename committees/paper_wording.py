"""The fixed wording of committee papers (agenda papers, minutes), in Korean and in English.

Like the letters (``documents/letter_wording.py``), papers are official records read as a whole
in both languages: their wording lives here side by side, not in the translation catalogue, and
headings carry the other language beneath them.
"""

from __future__ import annotations

HEADINGS: dict[str, dict[str, str]] = {
    "reference": {"ko": "문서번호", "en": "Paper reference"},
    "date": {"ko": "작성일", "en": "Date"},
    "committee": {"ko": "위원회", "en": "Committee"},
    "meeting": {"ko": "회차", "en": "Meeting"},
    "when": {"ko": "일시", "en": "Date and time"},
    "venue": {"ko": "장소", "en": "Place"},
    "members": {"ko": "위원 명단", "en": "Members"},
    "agenda": {"ko": "심의 안건", "en": "Agenda"},
    "applicant": {"ko": "신청인", "en": "Applicant"},
    "track": {"ko": "유형", "en": "Track"},
    "summary": {"ko": "신청 내용", "en": "Summary"},
    "scope": {"ko": "신청 범위", "en": "Scope requested"},
    "period": {"ko": "기간", "en": "Period"},
    "region": {"ko": "지역·장소", "en": "Region or sites"},
    "scale": {"ko": "규모", "en": "Scale"},
    "users": {"ko": "이용자 수", "en": "Users"},
    "regulations": {"ko": "관련 규제", "en": "Regulations concerned"},
    "recommendation": {"ko": "검토 의견", "en": "Recommendation"},
    "recommended": {"ko": "권고", "en": "Recommended outcome"},
    "proposed_term": {"ko": "제안 기간", "en": "Proposed term"},
    "proposed_conditions": {"ko": "제안 부가조건", "en": "Proposed conditions"},
    "legal_basis": {"ko": "근거", "en": "Legal basis"},
    "reasons": {"ko": "사유", "en": "Reasons"},
    "opinions": {"ko": "관계부처 의견", "en": "Opinions of related ministries"},
    "attendance": {"ko": "출석", "en": "Attendance"},
    "present": {"ko": "출석 위원", "en": "Present"},
    "absent": {"ko": "불참 위원", "en": "Absent"},
    "quorum": {"ko": "의사정족수", "en": "Quorum"},
    "results": {"ko": "심의 결과", "en": "Results"},
    "result": {"ko": "의결", "en": "Result"},
    "term": {"ko": "특례 기간", "en": "Term"},
    "conditions": {"ko": "부가조건", "en": "Conditions"},
    "votes": {"ko": "표결", "en": "Votes"},
    "recused": {"ko": "회피 위원", "en": "Recused"},
    "approval": {"ko": "회의록 확인", "en": "Approval of the minutes"},
    "verification": {"ko": "진위 확인", "en": "Verification"},
}

TITLES: dict[str, dict[str, str]] = {
    "agenda": {"ko": "안건", "en": "Agenda papers"},
    "minutes": {"ko": "회의록", "en": "Minutes"},
}

TEXT: dict[str, dict[str, str]] = {
    "heading": {
        "ko": "{committee} {meeting} {title}",
        "en": "{title}: {meeting} of the {committee}",
    },
    "meeting_number": {"ko": "제{n}차 회의", "en": "{nth} meeting"},
    "in_person": {"ko": "대면 회의", "en": "In person"},
    "online": {"ko": "온라인 회의", "en": "Online"},
    "day": {"ko": "{n}일", "en": "{n} day"},
    "days": {"ko": "{n}일", "en": "{n} days"},
    "users_max": {"ko": "최대 {n}명", "en": "At most {n}"},
    "not_stated": {"ko": "해당 없음", "en": "Not stated"},
    "no_recommendation": {"ko": "검토 의견 없음", "en": "No recommendation recorded"},
    "no_opinions": {"ko": "의견을 요청한 관계부처 없음", "en": "No ministry was consulted"},
    "no_conditions": {"ko": "부가조건 없음", "en": "No conditions"},
    "no_items": {"ko": "안건 없음", "en": "No items"},
    "recommend_approve": {"ko": "승인 권고", "en": "Approve"},
    "recommend_reject": {"ko": "불승인 권고", "en": "Reject"},
    "opinion_agree": {"ko": "동의", "en": "Agree"},
    "opinion_agree_with_conditions": {"ko": "조건부 동의", "en": "Agree with conditions"},
    "opinion_object": {"ko": "반대", "en": "Object"},
    "opinion_no_opinion_deemed": {"ko": "의견 없음 (간주)", "en": "No opinion (deemed)"},
    "opinion_pending": {"ko": "의견 대기 중", "en": "Awaiting opinion"},
    "role_chair": {"ko": "위원장", "en": "Chair"},
    "role_vice_chair": {"ko": "부위원장", "en": "Vice-chair"},
    "role_member": {"ko": "위원", "en": "Member"},
    "role_ministry_representative": {"ko": "정부위원", "en": "Ministry representative"},
    "result_approve": {"ko": "원안 승인", "en": "Approved"},
    "result_approve_amended": {
        "ko": "수정 승인 (부가조건 변경)",
        "en": "Approved with amended conditions",
    },
    "result_reject": {"ko": "불승인", "en": "Rejected"},
    "result_defer": {"ko": "보류 (차기 회의 재상정)", "en": "Deferred to a later meeting"},
    "result_none": {"ko": "의결 없음", "en": "No result"},
    "quorum_met": {
        "ko": "재적위원 {in_office}명 중 {present}명 출석 (의사정족수 {required}명): 성원",
        "en": "{present} of {in_office} members present (quorum {required}): quorate",
    },
    "quorum_not_met": {
        "ko": "재적위원 {in_office}명 중 {present}명 출석 (의사정족수 {required}명): 정족수 미달로 의결하지 못함",
        "en": "{present} of {in_office} members present (quorum {required}): no quorum, no decision could be taken",
    },
    "votes": {
        "ko": "찬성 {for_}, 반대 {against}, 기권 {abstain}",
        "en": "For {for_}, against {against}, abstain {abstain}",
    },
    "votes_not_recorded": {"ko": "표결 기록 없음", "en": "Votes not recorded"},
    "none": {"ko": "없음", "en": "None"},
    "dropped": {
        "ko": "심의 전에 안건에서 제외됨: 신청이 {status} 상태가 됨 ({date})",
        "en": "Dropped before the committee decided: the case became {status} ({date})",
    },
    "deferred_from": {
        "ko": "제{n}차 회의에서 보류되어 다시 상정된 안건",
        "en": "Deferred by the {nth} meeting and put again",
    },
    "intro_agenda": {
        "ko": "아래 안건을 심의하기 위하여 회의를 개최합니다. 안건에 이해관계가 있는 위원은 회의 전에 회피를 신청하여 주시기 바라며, 회피한 위원은 해당 안건의 의결에 참여하지 않습니다.",
        "en": "The committee meets to deliberate on the items below. A member with a conflict of interest in an item declares it before the meeting and takes no part in deciding that item.",
    },
    "intro_minutes": {
        "ko": "위원회의 심의 결과를 아래와 같이 기록합니다.",
        "en": "The committee's deliberations are recorded below.",
    },
    "approved_by": {
        "ko": "위 회의록이 사실과 같음을 확인합니다. {date} {role} {name}",
        "en": "Approved as a true record on {date} by {name}, {role}.",
    },
    "verification": {
        "ko": "이 문서는 전자서명(PAdES)으로 봉인되어 보관되며, 보관된 파일의 SHA-256 값으로 진위를 확인할 수 있습니다.",
        "en": "This paper is sealed with an electronic signature (PAdES) and kept on file; its SHA-256 identifies it.",
    },
    "record_hash": {
        "ko": "첨부 기록({name}) SHA-256",
        "en": "SHA-256 of the attached record ({name})",
    },
}


def text(key: str, language: str, **values: object) -> str:
    """One phrase of a paper in ``language`` (Korean when the language is unknown)."""
    entry = TEXT[key]
    phrase = entry.get(language, entry["ko"])
    return phrase.format(**values) if values else phrase


def days(n: int, language: str) -> str:
    """A number of days: "1 day", "30 days", "30일"."""
    return text("day" if n == 1 else "days", language, n=n)


def heading(key: str, language: str) -> dict[str, str]:
    """A heading in the paper's language (``main``) and the other language (``alt``)."""
    entry = HEADINGS[key]
    other = "en" if language == "ko" else "ko"
    return {"main": entry.get(language, entry["ko"]), "alt": entry[other]}


def title(key: str, language: str) -> dict[str, str]:
    entry = TITLES[key]
    other = "en" if language == "ko" else "ko"
    return {"main": entry.get(language, entry["ko"]), "alt": entry[other]}
