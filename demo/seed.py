"""Demo data: the Korean programmes (DOMAIN.md §1.1), users for every role, and sample cases
in every status, each reached through the services so that its audit trail is real."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from accounts.services import totp_demo_device
from accounts.twofactor import DEMO_TOTP_KEY, works_in_review
from applications import services
from applications.models import (
    Application,
    Membership,
    Ministry,
    Organization,
    Program,
    StaffProfile,
    Track,
)
from applications.roles import Role
from applications.workflow import ConfirmationOutcome, RecommendationOutcome, TrackKind
from demo import committees as committee_demo
from demo import letters as demo_letters
from demo import notifications as demo_notifications
from demo import sanctions as demo_sanctions
from demo import supervision as demo_supervision
from demo.audit import seed_audit_checkpoint
from demo.cases import (
    PROFILES,
    STORIES,
    Story,
    conditions_of,
    consultation_question,
    consultation_reasons,
    story_of,
)
from demo.guidance import SIMILAR_REVIEW_DAYS, guidance_for
from demo.register import seed_register_cases, seed_statistics
from documents.services import document_upload

DEMO_PASSWORD = "sandbox-demo-2026"

MINISTRIES = [
    ("MSIT", "과학기술정보통신부", "Ministry of Science and ICT"),
    ("MOTIE", "산업통상자원부", "Ministry of Trade, Industry and Energy"),
    ("FSC", "금융위원회", "Financial Services Commission"),
    ("MSS", "중소벤처기업부", "Ministry of SMEs and Startups"),
    ("MOLIT", "국토교통부", "Ministry of Land, Infrastructure and Transport"),
    ("MOHW", "보건복지부", "Ministry of Health and Welfare"),
    ("ME", "환경부", "Ministry of Environment"),
]

YEAR = 365


@dataclass(frozen=True)
class TrackSpec:
    code: str
    kind: str
    name: str
    name_en: str
    legal_basis: str
    max_term_days: int = 0
    max_extensions: int = 0
    extension_term_days: int = 0
    review_days: int = 30
    agenda_days: int | None = 90
    insurance_required: bool = False
    law_amendment_lead_days: int = 60


def _fast(basis: str) -> TrackSpec:
    return TrackSpec(
        "fast_confirmation",
        TrackKind.CONFIRMATION,
        "신속확인",
        "Fast-track confirmation",
        basis,
        agenda_days=None,
        law_amendment_lead_days=0,
    )


def _exemption(code: str, basis: str, term: int, extension: int, lead: int = 60) -> TrackSpec:
    names = {
        "demonstration": ("실증특례", "Regulatory exemption for demonstration"),
        "temporary_permit": ("임시허가", "Temporary permission"),
        "innovative_financial_service": ("혁신금융서비스 지정", "Innovative financial service"),
    }
    name, name_en = names[code]
    return TrackSpec(
        code,
        TrackKind.EXEMPTION,
        name,
        name_en,
        basis,
        max_term_days=term,
        max_extensions=1,
        extension_term_days=extension,
        insurance_required=code != "innovative_financial_service",
        law_amendment_lead_days=lead,
    )


PROGRAMS: list[dict[str, Any]] = [
    {
        "code": "ICT",
        "ministry": "MSIT",
        "name": "ICT 규제샌드박스",
        "name_en": "ICT convergence regulatory sandbox",
        "statute": "정보통신 진흥 및 융합 활성화 등에 관한 특별법",
        "statute_en": "Special Act on the Promotion of ICT and Convergence",
        "committee": "신기술·서비스 심의위원회",
        "committee_en": "Deliberation Committee for New Technologies and Services",
        "authority": "과학기술정보통신부장관",
        "authority_en": "Minister of Science and ICT",
        "tracks": [
            _fast("정보통신융합법 제36조"),
            _exemption("demonstration", "정보통신융합법 제38조의2", 2 * YEAR, 2 * YEAR),
            _exemption("temporary_permit", "정보통신융합법 제37조", 2 * YEAR, 2 * YEAR),
        ],
    },
    {
        "code": "ICP",
        "ministry": "MOTIE",
        "name": "산업융합 규제샌드박스",
        "name_en": "Industrial convergence regulatory sandbox",
        "statute": "산업융합 촉진법",
        "statute_en": "Industrial Convergence Promotion Act",
        "committee": "산업융합 규제특례심의위원회",
        "committee_en": "Industrial Convergence Regulatory Special Cases Deliberation Committee",
        "authority": "산업통상자원부장관",
        "authority_en": "Minister of Trade, Industry and Energy",
        # Terms as amended in 2025 (in force May 2026): demonstration 4+2 years, temporary 3+2.
        "tracks": [
            _fast("산업융합 촉진법 제10조의2"),
            _exemption("demonstration", "산업융합 촉진법 제10조의3", 4 * YEAR + 1, 2 * YEAR),
            _exemption("temporary_permit", "산업융합 촉진법 제10조의5", 3 * YEAR + 1, 2 * YEAR),
        ],
    },
    {
        "code": "FIN",
        "ministry": "FSC",
        "name": "금융규제 샌드박스",
        "name_en": "Financial regulatory sandbox",
        "statute": "금융혁신지원 특별법",
        "statute_en": "Financial Innovation Support Act",
        "committee": "혁신금융심사위원회",
        "committee_en": "Innovative Financial Services Review Committee",
        "authority": "금융위원회",
        "authority_en": "Financial Services Commission",
        "tracks": [
            TrackSpec(
                "innovative_financial_service",
                TrackKind.EXEMPTION,
                "혁신금융서비스 지정",
                "Innovative financial service designation",
                "금융혁신지원 특별법 제4조",
                max_term_days=2 * YEAR,
                max_extensions=1,
                extension_term_days=2 * YEAR,
                review_days=120,
                agenda_days=None,
                law_amendment_lead_days=90,
            ),
        ],
    },
    {
        "code": "RZ",
        "ministry": "MSS",
        "name": "규제자유특구",
        "name_en": "Regulation-free special zones",
        "statute": "규제자유특구 및 지역특화발전특구에 관한 규제특례법",
        "statute_en": "Act on Regulation-Free Special Zones and Special Zones for Regional Specialized Development",
        "committee": "규제자유특구위원회",
        "committee_en": "Regulation-Free Special Zone Committee",
        "authority": "중소벤처기업부장관",
        "authority_en": "Minister of SMEs and Startups",
        "tracks": [
            _fast("규제자유특구법 제85조"),
            _exemption("demonstration", "규제자유특구법 제86조", 4 * YEAR + 1, 2 * YEAR),
            _exemption("temporary_permit", "규제자유특구법 제90조", 3 * YEAR + 1, 2 * YEAR),
        ],
    },
    {
        "code": "SC",
        "ministry": "MOLIT",
        "name": "스마트도시 규제샌드박스",
        "name_en": "Smart city regulatory sandbox",
        "statute": "스마트도시 조성 및 산업진흥 등에 관한 법률",
        "statute_en": "Smart City Act",
        "committee": "국가스마트도시위원회",
        "committee_en": "National Smart City Committee",
        "authority": "국토교통부장관",
        "authority_en": "Minister of Land, Infrastructure and Transport",
        "tracks": [
            _fast("스마트도시법 제44조"),
            _exemption("demonstration", "스마트도시법 제41조", 4 * YEAR + 1, 2 * YEAR),
        ],
    },
]

# username, role, ministry code (staff) or organisation key (applicants), full name
USERS = [
    ("applicant", Role.APPLICANT, "mobility", "김지원"),
    ("applicant2", Role.APPLICANT, "health", "Alex Morgan"),
    ("officer", Role.CASE_OFFICER, "MSIT", "박서연"),
    ("officer2", Role.CASE_OFFICER, "MSIT", "이도윤"),
    ("officer_fsc", Role.CASE_OFFICER, "FSC", "최하은"),
    ("consultee", Role.CONSULTEE, "MOLIT", "정민준"),
    ("decider", Role.DECISION_MAKER, "MSIT", "한지우"),
    ("auditor", Role.AUDITOR, None, "감사 담당"),
    # the ICT committee (demo/committees.py): its secretariat and members
    ("secretary", Role.COMMITTEE_SECRETARY, "MSIT", "서지민"),
    ("chair", Role.COMMITTEE_MEMBER, None, "강현우"),
    ("member1", Role.COMMITTEE_MEMBER, None, "송예린"),
    ("member2", Role.COMMITTEE_MEMBER, None, "임도현"),
]

ORGANIZATIONS = {
    "mobility": (
        "모빌리티랩 주식회사",
        "220-81-12341",
        "김지원",
        "서울특별시 강남구 테헤란로 123",
        "ko",
    ),
    "health": ("HealthBridge Ltd.", "104-86-12345", "Alex Morgan", "10 Seocho-daero, Seoul", "en"),
}


def seed_configuration() -> dict[str, Program]:
    """Ministries, programmes and tracks; updates existing rows so reruns converge."""
    ministries = {}
    for code, name, name_en in MINISTRIES:
        ministries[code], _ = Ministry.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )
    programs = {}
    for spec in PROGRAMS:
        fields = {k: v for k, v in spec.items() if k not in {"code", "ministry", "tracks"}}
        program, _ = Program.objects.update_or_create(
            code=spec["code"], defaults={**fields, "lead_ministry": ministries[spec["ministry"]]}
        )
        for track in spec["tracks"]:
            Track.objects.update_or_create(
                program=program,
                code=track.code,
                defaults={
                    "kind": track.kind,
                    "name": track.name,
                    "name_en": track.name_en,
                    "legal_basis": track.legal_basis,
                    "review_days": track.review_days,
                    "consultation_days": 30,
                    "agenda_days": track.agenda_days,
                    "supplement_response_days": 30,
                    "max_term_days": track.max_term_days,
                    "max_extensions": track.max_extensions,
                    "extension_term_days": track.extension_term_days,
                    "deemed_outcome": (
                        ConfirmationOutcome.DEEMED_NO_REGULATION
                        if track.kind == TrackKind.CONFIRMATION
                        else ""
                    ),
                    "law_amendment_lead_days": track.law_amendment_lead_days,
                    "insurance_required": track.insurance_required,
                    "required_document_types": (
                        ["business_plan"]
                        if track.kind == TrackKind.CONFIRMATION
                        else ["business_plan", "safety_plan", "user_protection_plan"]
                    ),
                    # guidance and the fast review of similar cases: demo/guidance.py
                    **guidance_for(track.code),
                    "similar_review_days": (
                        SIMILAR_REVIEW_DAYS.get(spec["code"])
                        if track.kind == TrackKind.EXEMPTION
                        else None
                    ),
                },
            )
        programs[program.code] = program
    return programs


def seed_people() -> dict[str, User]:
    for role in Role:
        if role != Role.SYSTEM:
            Group.objects.get_or_create(name=role.value)
    orgs = {}
    for key, (name, brn, rep, address, language) in ORGANIZATIONS.items():
        orgs[key], _ = Organization.objects.update_or_create(
            registration_number=brn,
            defaults={
                "name": name,
                "representative": rep,
                "address": address,
                "language": language,
                **PROFILES.get(brn, {}),  # the company profile (demo/cases.py)
            },
        )
    users: dict[str, User] = {}
    for username, role, where, full_name in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": full_name, "email": f"{username}@sandbox.localhost"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=role.value))
        if role == Role.APPLICANT:
            Membership.objects.get_or_create(
                user=user, organization=orgs[str(where)], defaults={"is_owner": True}
            )
        elif where is not None:
            StaffProfile.objects.update_or_create(
                user=user, defaults={"ministry": Ministry.objects.get(code=where)}
            )
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "email": "admin@sandbox.localhost"},
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    users["admin"] = admin
    return users


def _draft(users: dict[str, User], program: Program, track_code: str, title: str) -> Application:
    """A complete draft of a sample case: its own story where ``demo/cases.py`` has one (the
    description, regulation, test plan and KPIs), else the delivery-robot text."""
    if title in STORIES:
        return _draft_from_story(users, program, track_code, title, STORIES[title])
    applicant = users["applicant"]
    track = program.tracks.get(code=track_code)
    exemption = track.kind == TrackKind.EXEMPTION
    app = services.application_create_draft(
        by=applicant,
        organization=applicant.memberships.get().organization,
        program=program,
        track=track,
        title=title,
        summary=f"{title}: 도심 내 제한된 구역에서의 실증 서비스",
        service_description="자율주행 배송 로봇이 보도를 이용하여 아파트 단지 내 택배를 배송합니다.",
        technology_description="라이다·카메라 융합 인지, 원격 관제, 시속 5km 속도 제한.",
        requested_term_days=min(track.max_term_days, 2 * YEAR) if exemption else None,
        region="서울특별시 강남구 일원 (3개 아파트 단지)" if exemption else "",
        scale="로봇 20대" if exemption else "",
        max_users=5000 if exemption else None,
        safety_plan="원격 관제 요원 1인당 로봇 5대, 비상 정지 버튼, 보행자 감지 시 정지.",
        user_protection="단지 입구와 앱에 실증특례 사실, 기간, 연락처를 고지합니다.",
        insurance_plan="대인 1억원 / 대물 5천만원 영업배상책임보험" if exemption else "",
        declaration_truthful=True,
        declaration_consent=True,
    )
    services.regulation_add(
        application=app,
        by=applicant,
        statute="도로교통법",
        article="제2조 제10호",
        competent_ministry=Ministry.objects.get(code="MOLIT"),
        requirement="보도에는 보행자만 통행할 수 있습니다.",
        ground="unclear",
        reason="배송 로봇이 '차'에 해당하여 보도 통행이 금지됩니다.",
    )
    _attach(app, applicant, track)
    return app


def _draft_from_story(
    users: dict[str, User], program: Program, track_code: str, title: str, story: Story
) -> Application:
    applicant = users["applicant"]
    track = program.tracks.get(code=track_code)
    exemption = track.kind == TrackKind.EXEMPTION
    app = services.application_create_draft(
        by=applicant,
        organization=applicant.memberships.get().organization,
        program=program,
        track=track,
        title=title,
        summary=story.summary,
        service_description=story.service,
        technology_description=story.technology,
        problem_solved=story.problem,
        existing_offers=story.offers,
        requested_term_days=min(track.max_term_days, 2 * YEAR) if exemption else None,
        region=story.region if exemption else "",
        scale=story.scale if exemption else "",
        max_users=(story.max_users or 1) if exemption else None,
        safety_plan=story.safety,
        user_protection=story.protection,
        insurance_plan=story.insurance if exemption else "",
        declaration_truthful=True,
        declaration_consent=True,
    )
    rule = story.regulation
    services.regulation_add(
        application=app,
        by=applicant,
        statute=rule.statute,
        article=rule.article,
        competent_ministry=Ministry.objects.get(code=rule.ministry),
        requirement=rule.requirement,
        ground=rule.ground,
        reason=rule.reason,
        exemption_requested=rule.exemption,
    )
    if exemption:
        for name, unit, method, frequency, target in story.kpis:
            services.data_item_add(
                application=app,
                by=applicant,
                name=name,
                unit=unit,
                method=method,
                frequency=frequency,
                target=target,
            )
    _attach(app, applicant, track)
    return app


def _attach(app: Application, applicant: User, track: Track) -> None:
    for doc_type in track.required_document_types or []:
        document_upload(
            application=app,
            by=applicant,
            doc_type=doc_type,
            file=(f"{doc_type}.pdf", [DEMO_PDF]),
        )


# A one-page PDF standing in for each required attachment of the sample cases.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _backdate(app: Application, **fields: Any) -> None:
    """Demo only: move a clock into the past so a system rule has something to act on.
    Never touches ``status``: the rule itself is then applied through the services."""
    Application.objects.filter(pk=app.pk).update(**fields)
    app.refresh_from_db()


def _recommended(app: Application, users: dict[str, User], *, consult: bool) -> Application:
    """A case under review, recommended for approval by the officer (after consulting MOLIT)."""
    officer, consultee = users["officer"], users["consultee"]
    story = story_of(app.title)
    if consult:
        (item,) = services.consultation_request(
            application=app,
            by=officer,
            ministries=[Ministry.objects.get(code="MOLIT")],
            question=consultation_question(story),
        )
        services.consultation_answer(
            consultation=item,
            by=consultee,
            opinion="agree_with_conditions",
            reasons=consultation_reasons(story),
        )
    services.application_recommend(
        application=app,
        by=officer,
        outcome=RecommendationOutcome.APPROVE,
        proposed_term_days=2 * YEAR,
        proposed_conditions=conditions_of(story),
        legal_basis="정보통신융합법 제38조의2",
        reasons="안전 조건 하에서 실증의 필요성이 인정됩니다.",
    )
    return app


def seed_cases(users: dict[str, User], programs: dict[str, Program]) -> list[Application]:
    """One sample case per status (two ways to ``withdrawn`` and to ``confirmed``)."""
    ict = programs["ICT"]
    applicant, officer, decider = users["applicant"], users["officer"], users["decider"]
    today = timezone.localdate(timezone.now(), ict.tz)
    made: list[Application] = []

    def new(track: str, title: str) -> Application:
        app = _draft(users, ict, track, title)
        made.append(app)
        return app

    def submitted(track: str, title: str) -> Application:
        app = new(track, title)
        services.application_submit(application=app, by=applicant)
        return app

    def reviewing(track: str, title: str) -> Application:
        app = submitted(track, title)
        services.application_accept(application=app, by=officer, no_conflict_declared=True)
        return app

    def deliberating(title: str, consult: bool = False) -> Application:
        app = reviewing("demonstration", title)
        return _recommended(app, users, consult=consult)

    def approved(title: str, start: dt.date, end: dt.date) -> Application:
        app = deliberating(title, consult=True)
        start = max(start, today)  # a decision never approves the past: earlier terms start now
        services.application_approve(
            application=app,
            by=decider,
            committee_reference="제42차 신기술·서비스 심의위원회 (2026년 11월 10일)",
            term_start=start,
            term_end=end,
            conditions=conditions_of(story_of(title)),
        )
        return app

    def active(title: str, start: dt.date, end: dt.date) -> Application:
        app = approved(title, start, end)
        demo_supervision.file_policy(app, applicant, start, end)
        services.application_activate(application=app, by=officer)
        return app

    new("demonstration", "무인 드론 배송 실증")
    submitted("demonstration", "공유 전동킥보드 헬멧 자동 대여")
    app = submitted("temporary_permit", "비대면 안경 처방 서비스")
    services.application_request_supplement(
        application=app, by=officer, deficiencies=["안전성 검증 시험성적서", "이용자 고지 문안"]
    )
    reviewing("demonstration", "자율주행 배송 로봇 보도 통행")
    app = reviewing("fast_confirmation", "반려동물 원격 건강 상담")
    services.application_answer_confirmation(
        application=app,
        by=officer,
        outcome=ConfirmationOutcome.REGULATION_APPLIES,
        permits="수의사법 제17조에 따른 동물병원 개설 신고",
        competent_authority="농림축산식품부",
    )
    app = submitted("fast_confirmation", "스마트 주차 공유 플랫폼")
    _backdate(app, due_at=timezone.now() - dt.timedelta(minutes=1))
    services.application_deem_confirmed(
        application=app, rule="deemed_confirmation: 30 days elapsed"
    )
    deliberating("도심 항공 모빌리티 시범 운항", consult=True)
    approved(
        "자율주행 셔틀 야간 운행",
        today + dt.timedelta(days=14),
        today + dt.timedelta(days=14 + 2 * YEAR - 1),
    )
    app = deliberating("개인 간 전기 거래 플랫폼")
    services.application_reject(
        application=app,
        by=decider,
        reasons="전력망 안정성에 대한 검증 자료가 부족합니다.",
        committee_reference="제42차 신기술·서비스 심의위원회 (2026년 11월 10일)",
    )
    lockers = active(
        "무인 로봇 택배 보관함",
        today - dt.timedelta(days=30),
        today + dt.timedelta(days=600),
    )
    # A case citing that waiver for the fast review of similar cases (the officer answers it).
    app = new("demonstration", "무인 로봇 택배 보관함 신도시 확대")
    services.application_update_draft(
        application=app, by=applicant, similar_reference=str(lockers.reference)
    )
    services.application_submit(application=app, by=applicant)
    app = active(
        "원격 의료기기 모니터링",
        today - dt.timedelta(days=60),
        today + dt.timedelta(days=600),
    )
    demo_sanctions.suspend(
        app, decider=decider, applicant=applicant, reason="이용자 안전 사고 발생에 따른 조사"
    )
    app = active(
        "자율주행 셔틀 심야 노선 확대",
        today - dt.timedelta(days=90),
        today + dt.timedelta(days=500),
    )
    demo_sanctions.under_notice(app, decider=decider, applicant=applicant)
    app = active(
        "전동 휠체어 보도 주행 보조",
        today - dt.timedelta(days=200),
        today + dt.timedelta(days=500),
    )
    request = services.law_amendment_request_file(
        application=app, by=applicant, reason="도로교통법 제2조 개정으로 보도 통행 기준 마련 필요"
    )
    services.law_amendment_request_decide(
        law_amendment_request=request, by=decider, accept=True, reason="법령 정비 필요성 인정"
    )
    app = active(
        "수소 드론 산림 감시",
        today - dt.timedelta(days=300),
        today + dt.timedelta(days=400),
    )
    request = services.law_amendment_request_file(
        application=app, by=applicant, reason="항공안전법 시행규칙에 수소 연료 드론 기준 신설 필요"
    )
    services.law_amendment_request_decide(
        law_amendment_request=request, by=decider, accept=True, reason="법령 정비 필요성 인정"
    )
    services.application_regularize(
        application=app, by=decider, reason="항공안전법 시행규칙 개정 시행 (2026년 10월 1일)"
    )
    app = active("캠핑장 돔 텐트 실증", today, today + dt.timedelta(days=1))
    _backdate(app, term_start=today - dt.timedelta(days=400), term_end=today - dt.timedelta(days=1))
    services.application_expire(application=app, rule="expiry: term ended")
    app = active(
        "무인 세탁 배달 로봇", today - dt.timedelta(days=100), today + dt.timedelta(days=600)
    )
    demo_sanctions.revoke(
        app,
        decider=decider,
        applicant=applicant,
        grounds="부가조건(야간 운행 금지) 위반이 반복 확인되었습니다.",
    )
    app = submitted("demonstration", "드론 야간 비행 교육")
    services.application_withdraw(application=app, by=applicant, reason="사업 계획 변경")
    app = submitted("demonstration", "전동 스쿠터 공유")
    services.application_request_supplement(
        application=app, by=officer, deficiencies=["보험 가입 계획서"]
    )
    _backdate(app, supplement_due_at=timezone.now() - dt.timedelta(minutes=1))
    services.application_lapse(application=app)
    made += demo_supervision.seed_supervision(users, programs, _draft)
    return made


def _reviewing(users: dict[str, User], program: Program, title: str) -> Application:
    """A demonstration case submitted and accepted by the officer (under review)."""
    app = _draft(users, program, "demonstration", title)
    services.application_submit(application=app, by=users["applicant"])
    services.application_accept(application=app, by=users["officer"], no_conflict_declared=True)
    return app


def seed_two_factor(users: dict[str, User]) -> None:
    """Demo staff and the operator get a confirmed TOTP device with the documented demo secret,
    so that `manage.py demo_totp <username>` prints the code for /review/ and /admin/."""
    for user in users.values():
        if works_in_review(user) or user.is_superuser:
            totp_demo_device(user=user, key=DEMO_TOTP_KEY)


def seed_demo() -> tuple[bool, dict[str, User]]:
    """Idempotent: configuration converges on every run; sample cases are made once. The
    sample decisions cite their committee in free text, from before the ICT committee met in
    the system; its meetings come after them (demo/committees.py)."""
    with transaction.atomic():
        programs = seed_configuration()
        demo_sanctions.seed_settings(programs)
        users = seed_people()
        seed_two_factor(users)
        demo_letters.seed_letter_sign_off(users)
    first_run = not Application.objects.filter(
        organization__registration_number="220-81-12341"
    ).exists()
    if first_run:
        with transaction.atomic():
            seed_cases(users, programs)
            seed_register_cases(users, programs, _draft)
    else:
        demo_supervision.seed_settings()  # configuration converges on every run
    with transaction.atomic():
        committee = committee_demo.seed_committees(programs, users)
        if first_run:
            ict = programs["ICT"]
            committee_demo.seed_meetings(
                committee,
                users,
                lambda title: _recommended(_reviewing(users, ict, title), users, consult=True),
            )
    if first_run:
        demo_notifications.settle_demo_inboxes()
    seed_statistics()
    seed_audit_checkpoint()
    return first_run, users
