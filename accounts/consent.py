"""Consent to the collection and use of personal data (개인정보 수집·이용 동의), versioned.

Each version's text is kept here as published, in Korean and English, and never edited: a change
of wording is a new version appended to ``VERSIONS`` (and ``CURRENT`` moved to it). The notice
says what PIPA art. 15(2) asks of it — the purpose, the items collected, how long they are kept,
and that one may refuse and what refusing means. It is legal text reviewed in both languages
together, so it lives here rather than in the gettext catalogue (as the letters' wording does).

A person's agreement is an audit event (``privacy_consent_given``, no case) naming the version
and the language it was read in; the event's time is the time of agreement, and the audit chain
keeps it tamper-evident. ``consent_of`` reads the latest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import translation

from accounts.vocabulary import AccountAction
from applications.models import AuditEvent


@dataclass(frozen=True)
class ConsentText:
    title: str
    purpose: str
    items: str
    retention: str
    refusal: str
    agree: str


@dataclass(frozen=True)
class ConsentVersion:
    version: str
    published: str  # ISO date the version took effect
    ko: ConsentText
    en: ConsentText

    def text(self, language: str | None = None) -> ConsentText:
        language = language or translation.get_language() or "ko"
        return self.en if language.startswith("en") else self.ko


VERSIONS: dict[str, ConsentVersion] = {
    "2026-12": ConsentVersion(
        version="2026-12",
        published="2026-12-01",
        ko=ConsentText(
            title="개인정보 수집·이용 동의",
            purpose=(
                "규제특례(규제샌드박스) 신청의 접수·심사·결정 및 사후관리, 본인 확인, 처리 "
                "결과와 기한의 안내"
            ),
            items=(
                "필수: 성명, 이메일 주소, 비밀번호(암호화하여 저장), 소속 기관명, 사업자등록번호, "
                "대표자 성명, 소재지 주소, 안내 언어 / 자동 수집: 접속 기록"
            ),
            retention=(
                "회원 탈퇴 시까지. 다만 신청 및 처리 기록은 공공기록물 관리에 관한 법률에 따라 "
                "해당 기록의 보존기간(최대 10년) 동안 보관합니다."
            ),
            refusal=(
                "동의를 거부할 권리가 있습니다. 다만 필수 항목의 수집·이용에 동의하지 않으면 "
                "회원가입과 온라인 신청을 할 수 없습니다(서면 신청은 가능합니다)."
            ),
            agree="위 개인정보 수집·이용에 동의합니다.",
        ),
        en=ConsentText(
            title="Consent to the collection and use of personal data",
            purpose=(
                "To receive, review, decide and supervise applications for regulatory waivers "
                "(the regulatory sandbox), to confirm who you are, and to tell you about results "
                "and deadlines."
            ),
            items=(
                "Required: your name, email address, password (stored encrypted), organisation "
                "name, business registration number, representative's name, registered address "
                "and language. Collected automatically: access records."
            ),
            retention=(
                "Until you close your account. Records of applications and their handling are "
                "kept for the retention period the Public Records Management Act sets for them "
                "(up to 10 years)."
            ),
            refusal=(
                "You have the right to refuse. If you do not agree to the required items, you "
                "cannot create an account or apply online (you can still apply on paper)."
            ),
            agree="I agree to the collection and use of my personal data as described above.",
        ),
    ),
}
CURRENT = "2026-12"


def current() -> ConsentVersion:
    return VERSIONS[CURRENT]


SESSION_KEY = "privacy_consent"  # the version this session's person is known to have agreed to

# Where an agreement is recorded: with the sign-up itself, or later on its own.
AGREEMENT_ACTIONS = (
    AccountAction.ORGANIZATION_REGISTERED,
    AccountAction.MEMBER_JOINED,
    AccountAction.PRIVACY_CONSENT_GIVEN,
)


@dataclass(frozen=True)
class Agreement:
    version: str
    at: Any  # datetime of the audit event
    language: str = ""
    user: Any = None


def _agreement(event: AuditEvent) -> Agreement | None:
    payload = event.payload if isinstance(event.payload, dict) else {}
    version = payload.get("privacy_consent") or payload.get("version")
    if event.action != AccountAction.PRIVACY_CONSENT_GIVEN and not payload.get("privacy_consent"):
        return None  # a sign-up or join from before consent was asked, or by a signed-in person
    if not version:
        return None
    language = payload.get("privacy_consent_language") or payload.get("language") or ""
    return Agreement(version=str(version), at=event.occurred_at, language=str(language))


def consent_of(user: Any) -> Agreement | None:
    """The user's latest recorded agreement, or None (one query)."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    events = AuditEvent.objects.filter(
        actor_id=user.pk, application__isnull=True, action__in=AGREEMENT_ACTIONS
    ).order_by("-seq")
    for event in events.only("action", "payload", "occurred_at"):
        found = _agreement(event)
        if found is not None:
            return found
    return None


def agreements() -> list[Agreement]:
    """Every recorded agreement, newest first, with who agreed (for staff)."""
    events = (
        AuditEvent.objects.filter(application__isnull=True, action__in=AGREEMENT_ACTIONS)
        .select_related("actor")
        .order_by("-seq")
    )
    found = []
    for event in events:
        agreement = _agreement(event)
        if agreement is not None:
            found.append(
                Agreement(agreement.version, agreement.at, agreement.language, event.actor)
            )
    return found


def must_agree_again(user: Any) -> bool:
    """Whether the user agreed to an older version and must agree to the current one before
    going on. Accounts with no agreement at all pre-date consent at sign-up (made before it, by
    operators, or in demos): they are asked too once ``ASK_ACCOUNTS_WITHOUT_CONSENT`` is set."""
    agreement = consent_of(user)
    if agreement is None:
        return ASK_ACCOUNTS_WITHOUT_CONSENT
    return agreement.version != CURRENT


# Off while accounts made before consent existed (demo personas, operator-made accounts) are
# brought over; docs/portal.md.
ASK_ACCOUNTS_WITHOUT_CONSENT = False
