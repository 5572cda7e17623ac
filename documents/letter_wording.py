"""The fixed wording of decision letters, in Korean and in English.

A letter is a legal act: its wording is reviewed as a whole in both languages and must not
depend on whether a translation catalogue happens to be compiled where the worker runs, so both
versions live side by side here (the web pages use gettext as usual). Headings are printed in
the letter's language with the other language beneath them (bilingual headings).
"""

from __future__ import annotations

import datetime as dt

from core.dates import MONTHS_EN

LANGUAGES = ("ko", "en")

HEADINGS: dict[str, dict[str, str]] = {
    "authority": {"ko": "발신", "en": "From"},
    "number": {"ko": "문서번호", "en": "Letter number"},
    "issue_date": {"ko": "시행일자", "en": "Date of issue"},
    "effective_date": {"ko": "효력 발생일", "en": "Effective date"},
    "recipient": {"ko": "수신", "en": "Recipient"},
    "company": {"ko": "상호", "en": "Company"},
    "representative": {"ko": "대표자", "en": "Representative"},
    "registration": {"ko": "사업자등록번호", "en": "Business registration no."},
    "address": {"ko": "주소", "en": "Address"},
    "case": {"ko": "신청 번호", "en": "Application reference"},
    "service": {"ko": "신청 서비스", "en": "Service"},
    "legal_basis": {"ko": "근거 법령", "en": "Legal basis"},
    "committee": {"ko": "심의 위원회", "en": "Committee"},
    "outcome": {"ko": "처분 결과", "en": "Outcome"},
    "exempted": {"ko": "특례 적용 규정", "en": "Exempted provisions"},
    "scope": {"ko": "특례의 범위", "en": "Scope"},
    "period": {"ko": "기간", "en": "Period"},
    "region": {"ko": "지역·장소", "en": "Region or sites"},
    "scale": {"ko": "규모", "en": "Scale"},
    "users": {"ko": "이용자 수", "en": "Users"},
    "conditions": {"ko": "부가조건", "en": "Conditions"},
    "no": {"ko": "번호", "en": "No."},
    "condition": {"ko": "조건", "en": "Condition"},
    "obligations": {"ko": "의무 사항", "en": "Obligations"},
    "deadlines": {"ko": "기간 연장 및 법령 정비 요청", "en": "Extension and law amendment"},
    "revocation_grounds": {"ko": "취소 사유", "en": "Grounds for revocation"},
    "reasons": {"ko": "사유", "en": "Reasons"},
    "effects": {"ko": "처분의 효과", "en": "Effect of this decision"},
    "permits": {"ko": "적용되는 허가 등", "en": "Permits that apply"},
    "competent_authority": {"ko": "소관 기관", "en": "Competent authority"},
    "appeal": {"ko": "불복 절차 안내", "en": "Your right to appeal"},
    "supersedes": {"ko": "정정 안내", "en": "Correction"},
    "publication": {"ko": "공개", "en": "Publication"},
    "verification": {"ko": "진위 확인", "en": "Verification"},
    "signatory": {"ko": "발신 명의", "en": "Signed for the authority"},
    "department": {"ko": "담당 부서", "en": "Department"},
    "officer": {"ko": "담당자", "en": "Responsible officer"},
    "phone": {"ko": "전화", "en": "Telephone"},
    "email": {"ko": "전자우편", "en": "Email"},
    "disclosure": {"ko": "공개구분", "en": "Disclosure"},
    "approval": {"ko": "결재", "en": "Approval"},
}

TITLES: dict[str, dict[str, str]] = {
    "approval": {"ko": "실증을 위한 규제특례 지정 통지", "en": "Notice of designation"},
    "approval_temporary_permit": {"ko": "임시허가서", "en": "Temporary permit"},
    "rejection": {"ko": "규제특례 신청 불승인 통지", "en": "Notice of rejection"},
    "confirmation": {"ko": "신속확인 결과 통지", "en": "Answer to a fast-confirmation request"},
    "deemed_confirmation": {
        "ko": "신속확인 간주 통지",
        "en": "Notice of deemed confirmation",
    },
    "extension": {"ko": "규제특례 기간 연장 통지", "en": "Notice of extension"},
    "suspension": {"ko": "규제특례 효력 정지 통지", "en": "Notice of suspension"},
    "revocation": {"ko": "규제특례 취소 통지", "en": "Notice of revocation"},
    "expiry": {"ko": "규제특례 기간 만료 통지", "en": "Notice of expiry"},
    "prior_notice": {
        "ko": "처분 사전통지서",
        "en": "Prior notice of an intended measure",
    },
    "hearing_notice": {"ko": "청문 실시 통지", "en": "Notice of hearing"},
    "urgent_suspension": {
        "ko": "규제특례 효력 긴급 정지 통지",
        "en": "Notice of urgent suspension",
    },
    "suspension_extension": {
        "ko": "규제특례 효력 정지 기간 연장 통지",
        "en": "Notice of extended suspension",
    },
    "resumption": {"ko": "규제특례 효력 재개 통지", "en": "Notice of resumption"},
    "law_amendment": {
        "ko": "법령 정비 요청 수용 및 효력 유지 통지",
        "en": "Notice of continuation pending law amendment",
    },
    "conversion": {
        "ko": "임시허가 전환 통지",
        "en": "Notice of conversion into a temporary permit",
    },
    "continuation_end": {
        "ko": "규제특례 효력 유지 기간 종료 통지",
        "en": "Notice of the end of continuation",
    },
}

TEXT: dict[str, dict[str, str]] = {
    "intro_approval": {
        "ko": "귀하가 신청한 위 서비스에 대하여 아래와 같이 규제특례를 지정하였음을 알려드립니다.",
        "en": "The authority grants the regulatory exemption for the service named above, on the terms set out below.",
    },
    "intro_rejection": {
        "ko": "귀하가 신청한 위 서비스에 대한 규제특례 신청을 아래의 사유로 승인하지 아니하였음을 알려드립니다.",
        "en": "The authority does not grant the regulatory exemption requested for the service named above, for the reasons below.",
    },
    "intro_confirmation": {
        "ko": "귀하의 신속확인 신청에 대하여 아래와 같이 회신합니다.",
        "en": "This is the answer to your request for fast confirmation.",
    },
    "intro_deemed_confirmation": {
        "ko": "귀하의 신속확인 신청에 대하여 법정 처리기한 내에 회신이 없었으므로 관계 법령에 따라 허가 등이 필요하지 아니한 것으로 간주됨을 알려드립니다.",
        "en": "No answer to your request for fast confirmation was given within the legal deadline; under the law it is therefore deemed that no permit or regulation applies to your service.",
    },
    "intro_extension": {
        "ko": "귀하의 규제특례 기간 연장 신청에 대하여 아래와 같이 기간을 연장하였음을 알려드립니다.",
        "en": "The term of your regulatory exemption is extended as set out below.",
    },
    "intro_suspension": {
        "ko": "귀하에게 지정된 규제특례의 효력을 아래의 사유로 정지하였음을 알려드립니다.",
        "en": "The effect of your regulatory exemption is suspended for the reasons below.",
    },
    "intro_revocation": {
        "ko": "귀하에게 지정된 규제특례를 아래의 사유로 취소하였음을 알려드립니다.",
        "en": "Your regulatory exemption is revoked on the grounds below.",
    },
    "intro_expiry": {
        "ko": "귀하에게 지정된 규제특례의 기간이 아래와 같이 만료되었음을 알려드립니다.",
        "en": "The term of your regulatory exemption has ended as set out below.",
    },
    "intro_prior_notice": {
        "ko": "「행정절차법」 제21조에 따라 귀하에게 아래의 처분을 하려는 사실과 의견을 제출할 수 있음을 미리 알려드립니다.",
        "en": "Under the Administrative Procedures Act, the authority gives you notice of the measure it intends to take below, and of your right to give your opinion first.",
    },
    "intro_hearing_notice": {
        "ko": "사전통지한 처분에 관하여 아래와 같이 청문을 실시하오니 참석하여 주시기 바랍니다.",
        "en": "A hearing on the measure of the prior notice will be held as set out below.",
    },
    "intro_urgent_suspension": {
        "ko": "이용자의 생명·건강·안전에 대한 급박한 위험을 방지하기 위하여 사전통지 없이 귀하의 규제특례 효력을 즉시 정지하였음을 알려드립니다.",
        "en": "To prevent an imminent danger to users' life, health or safety, the effect of your regulatory exemption is suspended at once, without prior notice.",
    },
    "intro_suspension_extension": {
        "ko": "귀하에 대한 규제특례 효력 정지 기간을 아래와 같이 연장하였음을 알려드립니다.",
        "en": "The suspension of your regulatory exemption is extended as set out below.",
    },
    "intro_resumption": {
        "ko": "귀하에 대한 규제특례 효력 정지를 해제하고 효력을 재개하였음을 알려드립니다.",
        "en": "The suspension of your regulatory exemption is lifted; the exemption applies again.",
    },
    "intro_law_amendment": {
        "ko": "귀하의 법령 정비 요청을 수용하였으므로 법령이 정비될 때까지 규제특례의 효력이 유지됨을 알려드립니다.",
        "en": "Your request for a law amendment is accepted: the exemption continues until the law is amended, as set out below.",
    },
    "intro_conversion": {
        "ko": "귀하에게 지정된 실증을 위한 규제특례를 아래와 같이 임시허가로 전환하였음을 알려드립니다.",
        "en": "Your demonstration exemption is converted into a temporary permit as set out below.",
    },
    "intro_continuation_end": {
        "ko": "법령 정비 시까지 유지되던 규제특례의 효력이 법정 상한에 도달하여 종료되었음을 알려드립니다.",
        "en": "The continuation of your exemption pending the law amendment has reached its legal limit and has ended.",
    },
    "outcome_prior_notice": {
        "ko": "처분 예정 (의견 제출 기회 부여)",
        "en": "Measure intended (opinion invited)",
    },
    "outcome_hearing_notice": {"ko": "청문 실시", "en": "Hearing to be held"},
    "outcome_urgent_suspension": {"ko": "효력 긴급 정지", "en": "Suspended urgently"},
    "outcome_suspension_extension": {"ko": "정지 기간 연장", "en": "Suspension extended"},
    "outcome_resumption": {"ko": "효력 재개", "en": "Resumed"},
    "outcome_law_amendment": {
        "ko": "법령 정비 시까지 효력 유지",
        "en": "Continues pending law amendment",
    },
    "outcome_conversion": {"ko": "임시허가로 전환", "en": "Converted into a temporary permit"},
    "outcome_continuation_end": {"ko": "효력 종료", "en": "Ended"},
    "effect_resumption": {
        "ko": "기존의 부가조건과 의무 사항에 따라 서비스를 다시 제공할 수 있습니다.",
        "en": "You may provide the service again, under the same conditions and obligations.",
    },
    "effect_conversion": {
        "ko": "기존의 기간, 부가조건과 의무 사항은 임시허가에도 그대로 적용됩니다.",
        "en": "The term, conditions and obligations continue to apply to the temporary permit.",
    },
    "outcome_approval": {"ko": "승인 (규제특례 지정)", "en": "Approved (exemption granted)"},
    "outcome_rejection": {"ko": "불승인", "en": "Rejected"},
    "outcome_no_regulation": {
        "ko": "허가 등이 필요하지 아니함",
        "en": "No permit or regulation applies",
    },
    "outcome_regulation_applies": {
        "ko": "허가 등이 필요함",
        "en": "A permit or regulation applies",
    },
    "outcome_deemed_no_regulation": {
        "ko": "허가 등이 필요하지 아니한 것으로 간주",
        "en": "Deemed: no permit or regulation applies",
    },
    "outcome_extension": {"ko": "기간 연장", "en": "Term extended"},
    "outcome_suspension": {"ko": "효력 정지", "en": "Suspended"},
    "outcome_revocation": {"ko": "지정 취소", "en": "Revoked"},
    "outcome_expiry": {"ko": "기간 만료", "en": "Expired"},
    "no_conditions": {"ko": "부가조건 없음", "en": "No conditions"},
    "not_stated": {"ko": "해당 없음", "en": "Not stated"},
    "users_max": {"ko": "최대 {n}명", "en": "At most {n}"},
    "obligation_insurance": {
        "ko": "실증 기간 동안 이용자 피해를 배상하기 위한 책임보험에 가입하고 그 증빙을 제출하여야 합니다(미가입 시 1천만원 이하의 과태료).",
        "en": "Hold liability insurance covering harm to users for the whole term and file proof of it (failure is punishable by a fine of up to KRW 10 million).",
    },
    "obligation_notice": {
        "ko": "이용자에게 규제특례 적용 사실, 기간, 위험 및 피해 구제 절차를 사전에 고지하여야 합니다.",
        "en": "Tell users in advance that the service runs under a regulatory exemption, for how long, its risks and how to claim redress.",
    },
    "obligation_reporting": {
        "ko": "실증 결과를 정기적으로 보고하고, 사고 발생 시 지체 없이 보고하며, 관계 기관의 점검에 협조하여야 합니다.",
        "en": "Report test results periodically, report incidents without delay, and cooperate with supervision and inspections.",
    },
    "extension_rule": {
        "ko": "기간 연장은 {max}회까지, 1회 {duration} 이내에서 만료 전에 신청할 수 있습니다.",
        "en": "The term may be extended {max} time(s), by up to {duration} each, on a request made before it ends.",
    },
    "last_extension_rule": {
        "ko": "이번 연장으로 허용된 기간 연장({max}회)을 모두 사용하였으므로 더 이상 기간 연장을 신청할 수 없습니다.",
        "en": "This extension uses the last of the {max} extension(s) allowed: no further extension may be requested.",
    },
    "end_mark": {"ko": "끝.", "en": "End."},
    "disclosure_public": {"ko": "공개", "en": "Public"},
    "disclosure_partial": {"ko": "부분공개", "en": "Partly public"},
    "disclosure_closed": {"ko": "비공개", "en": "Not public"},
    "no_extension_rule": {
        "ko": "이 특례는 기간 연장이 허용되지 아니합니다.",
        "en": "This exemption cannot be extended.",
    },
    "law_amendment_rule": {
        "ko": "법령 정비 요청은 기간 만료 {duration} 전인 {date}까지 하여야 하며, 요청이 수용되면 법령 정비 시까지 특례의 효력이 유지됩니다.",
        "en": "A request to amend the law must be made by {date} ({duration} before the term ends); while an accepted request is pending, the exemption stays in force until the law is amended.",
    },
    "revocation_ground_false": {
        "ko": "거짓이나 그 밖의 부정한 방법으로 지정을 받은 경우",
        "en": "The designation was obtained by false statements or other improper means.",
    },
    "revocation_ground_conditions": {
        "ko": "부가조건 또는 의무 사항을 위반한 경우",
        "en": "A condition or obligation of this letter is breached.",
    },
    "revocation_ground_harm": {
        "ko": "이용자의 생명·안전 등에 위해가 발생하거나 발생할 우려가 있는 경우",
        "en": "The service harms, or threatens to harm, the life or safety of users.",
    },
    "effect_suspension": {
        "ko": "정지 기간 동안 해당 서비스의 제공을 중단하여야 하며, 정지 사유가 해소되면 효력 재개를 요청할 수 있습니다.",
        "en": "While suspended, you must stop providing the service; once the grounds are resolved you may ask for the suspension to be lifted.",
    },
    "effect_revocation": {
        "ko": "취소일부터 해당 서비스의 제공·판매·사용을 즉시 중단하고 이용자 보호 조치를 이행하여야 합니다.",
        "en": "From the date of revocation you must immediately stop providing, selling or using the service and carry out your user-protection measures.",
    },
    "effect_expiry": {
        "ko": "만료일 다음 날부터 해당 서비스를 제공할 수 없으며, 철수 계획에 따라 이용자 보호 조치를 이행하여야 합니다.",
        "en": "From the day after the term ended the service may no longer be provided; carry out the user-protection measures of your exit plan.",
    },
    "effect_rejection": {
        "ko": "이 통지를 받은 날부터 {days}일 이내에 재심의를 신청할 수 있습니다.",
        "en": "You may ask for reconsideration within {days} days of receiving this letter.",
    },
    "effect_extension": {
        "ko": "기존의 부가조건과 의무 사항은 연장된 기간에도 그대로 적용됩니다.",
        "en": "The conditions and obligations of the designation continue to apply for the extended term.",
    },
    "appeal": {
        "ko": "이 처분에 이의가 있는 경우 처분이 있음을 안 날부터 90일 이내에 「행정심판법」에 따른 행정심판을 청구하거나 「행정소송법」에 따른 행정소송을 제기할 수 있습니다.",
        "en": "If you disagree with this decision you may, within 90 days of learning of it, file an administrative appeal under the Administrative Appeals Act or bring an action under the Administrative Litigation Act.",
    },
    "publication": {
        "ko": "이 처분의 주요 내용(기업명, 서비스, 특례의 범위와 기간)은 관계 법령에 따라 발신 기관의 누리집에 공개됩니다.",
        "en": "The main terms of this decision (company, service, scope and term of the exemption) are published on the authority's website as the law requires.",
    },
    "supersedes": {
        "ko": "이 문서는 문서번호 {number}을(를) 정정하여 대체합니다.",
        "en": "This letter corrects and replaces letter {number}.",
    },
    "verification": {
        "ko": "이 문서의 진위와 현재 효력은 아래 주소에서 문서번호와 확인 코드를 입력하거나(QR 코드) 문서 파일을 올려 확인할 수 있습니다.",
        "en": "Check that this letter is authentic and still in force at the address below, with its number and verification code (or the QR code), or by uploading the file.",
    },
    "verification_code": {
        "ko": "확인 코드",
        "en": "Verification code",
    },
    "record_hash": {
        "ko": "첨부 결정 기록(decision.json) SHA-256",
        "en": "SHA-256 of the attached decision record (decision.json)",
    },
    "seal_note": {
        "ko": "이 문서는 전자서명(PAdES)으로 봉인되었습니다.",
        "en": "This letter is sealed with an electronic signature (PAdES).",
    },
}


def text(key: str, language: str, **values: object) -> str:
    """One sentence of the letter in ``language`` (Korean when the language is unknown)."""
    entry = TEXT[key]
    phrase = entry.get(language, entry["ko"])
    return phrase.format(**values) if values else phrase


def heading(key: str, language: str) -> dict[str, str]:
    """A heading in the letter's language (``main``) and the other language (``alt``)."""
    entry = HEADINGS[key]
    other = "en" if language == "ko" else "ko"
    return {"main": entry.get(language, entry["ko"]), "alt": entry[other]}


def title(key: str, language: str) -> dict[str, str]:
    entry = TITLES[key]
    other = "en" if language == "ko" else "ko"
    return {"main": entry.get(language, entry["ko"]), "alt": entry[other]}


def long_date(day: dt.date | None, language: str) -> str:
    """``2026년 3월 1일`` or ``1 March 2026``."""
    if day is None:
        return ""
    if language == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


# A month as the law counts it, near enough to name a period in months (60 days: 2 months).
_MONTH_DAYS = 365 / 12


def duration(days: int, language: str) -> str:
    """A period as the law writes it: ``2년``, ``1년 6개월``, ``2개월`` (``2 years``, ``1 year
    and 6 months``) when it is a whole number of years and months, give or take a leap day or
    a month's unevenness; in days otherwise, and always for periods under two months (a
    30-day deadline is 30 days, not a month)."""
    years, rest = divmod(days, 365)
    months = round(rest / _MONTH_DAYS)
    if months == 12:
        years, months = years + 1, 0
    exact = abs(days - years * 365 - months * _MONTH_DAYS) <= 3
    if days < 60 or not exact:
        if language == "ko":
            return f"{days}일"
        return f"{days} day" if days == 1 else f"{days} days"
    if language == "ko":
        return " ".join(
            part
            for part in (f"{years}년" if years else "", f"{months}개월" if months else "")
            if part
        )
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years > 1 else ''}")
    if months:
        parts.append(f"{months} month{'s' if months > 1 else ''}")
    return " and ".join(parts)
