"""Guidance per track as programme data (DOMAIN §1): what each track means, who decides, the
deadlines and what to attach, in Korean and English. ``seed_configuration`` writes it into each
track's ``help`` / ``help_en``; the start page shows it beside the deadlines and attachments
read from the track's own fields. Also the fast review of similar cases (ICT from 2025-04-03,
ICP from 2026-05: 15 days)."""

from __future__ import annotations

# track code → (Korean, English)
GUIDANCE: dict[str, tuple[str, str]] = {
    "fast_confirmation": (
        "신속확인: 우리 서비스에 허가가 필요한지, 어떤 규제가 적용되는지 모를 때 묻는 절차입니다. "
        "소관 부처가 30일 안에 답해야 하며, 기한 안에 답이 없으면 규제가 없는 것으로 봅니다. "
        "규제가 있다는 답을 받으면 실증특례나 임시허가를 이어서 신청할 수 있습니다. "
        "사업계획서를 첨부합니다.",
        "Fast-track confirmation: ask whether any permit or regulation applies to your service "
        "when you are unsure. The competent ministry must answer within 30 days; if it does not, "
        "no regulation is deemed to apply. If the answer is that a regulation applies, you can go "
        "on to apply for a demonstration exemption or a temporary permit. Attach a business plan.",
    ),
    "demonstration": (
        "실증특례: 허가 기준이 없거나 맞지 않거나 다른 법 때문에 사업이 불가능할 때, 기간·장소·"
        "규모를 정해 실제 시장에서 시험하는 제도입니다. 관계 부처 검토(30일, 승인된 사례와 "
        "유사하면 15일)를 거쳐 심의위원회가 결정하며, 신청 후 90일 안에 심의에 부칩니다. "
        "사업계획서, 안전성 확보 방안, 이용자 보호 방안을 첨부하고, 시작 전에 책임보험에 "
        "가입해야 합니다.",
        "Demonstration exemption: a limited real-market test (period, place, scale, conditions) "
        "where permit standards are missing or unsuitable, or another law makes the service "
        "impossible. Related ministries review it (30 days; 15 days for a case substantially the "
        "same as an approved one) and the deliberation committee decides; the case goes to the "
        "committee within 90 days of application. Attach a business plan, a safety plan and a "
        "user-protection plan; liability insurance is required before the test starts.",
    ),
    "temporary_permit": (
        "임시허가: 안전에 문제가 없지만 허가 기준이 없거나 맞지 않을 때, 법령이 정비될 때까지 "
        "먼저 시장에 출시하도록 허가하는 제도입니다. 관계 부처가 30일 안에 의견을 내고(보완 "
        "기간 제외) 심의위원회가 결정합니다. 사업계획서, 안전성 확보 방안, 이용자 보호 방안을 "
        "첨부하고 책임보험에 가입해야 합니다.",
        "Temporary permission: an early market launch while the law is fixed, where the service "
        "is safe but permit standards are missing or unsuitable. Related ministries give their "
        "opinion within 30 days (time for supplements excluded) and the deliberation committee "
        "decides. Attach a business plan, a safety plan and a user-protection plan; liability "
        "insurance is required.",
    ),
    "innovative_financial_service": (
        "혁신금융서비스 지정: 금융 규제의 적용을 일정 기간 유예받아 새로운 금융서비스를 "
        "시험하는 제도입니다. 접수 후 원칙적으로 120일 안에 혁신금융심사위원회가 심사하며, "
        "신청은 공고된 정기 접수 기간에만 받습니다. 사업계획서, 안전성 확보 방안, 이용자 보호 "
        "방안을 첨부합니다.",
        "Innovative financial service designation: test a new financial service with financial "
        "rules deferred for a set period. The Innovative Financial Services Review Committee "
        "reviews it within 120 days of receipt; applications are taken in announced periodic "
        "windows. Attach a business plan, a safety plan and a user-protection plan.",
    ),
}

# programme code → days of the fast review for a case similar to an approved one
SIMILAR_REVIEW_DAYS: dict[str, int] = {"ICT": 15, "ICP": 15}


def guidance_for(code: str) -> dict[str, str]:
    """The ``help`` / ``help_en`` fields of a track with this code (empty when none written)."""
    korean, english = GUIDANCE.get(code, ("", ""))
    return {"help": korean, "help_en": english}
