"""What is public: a trade secret the applicant claimed and the officer accepted never appears
on any public page, in the open data or its CSV, or in search; neither does personal data; a
refused claim is published; the applicant sees beforehand exactly what will be published."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from applications.models import AuditEvent
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput, NotPermitted, NotVisible, StaleVersion, WrongState
from documents.letter_data import check_path
from register.models import RegisterEntry, TradeSecretClaim
from register.rules import ClaimStatus, PublishedField
from register.selectors import publication_preview
from register.services import (
    statistics_refresh,
    trade_secret_claim_decide,
    trade_secret_claims_set,
)
from tests.builders import draft, drive
from tests.documents.helpers import issue_all
from tests.register.helpers import approve, decide_claims, granted, reviewed
from tests.reviews.helpers import signed_in

pytestmark = pytest.mark.django_db

F = PublishedField
SECRETS = {
    "summary": "비밀요약 라이다융합 X9 알고리즘",
    "region": "비밀지역 판교 Q7 단지",
    "scale": "비밀규모 로봇 77대",
    "conditions": "비밀조건 센서 배치 Z3",
}
ALL_CLAIMED = {
    F.SUMMARY: "알고리즘 구성이 드러납니다.",
    F.REGION: "고객사 계약상 비공개입니다.",
    F.SCALE: "양산 계획이 드러납니다.",
    F.MAX_USERS: "시장 규모 추정이 드러납니다.",
    F.CONDITIONS: "조건에 센서 배치가 포함됩니다.",
}


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def _everything_public(client: Client, app, entry_reference: str) -> dict[str, str]:
    """Every public page and open-data answer that could show this waiver."""
    statistics_refresh()
    letters = list(app.letters.filter(status="issued"))
    urls = [
        reverse("home"),
        reverse("register"),
        reverse("register") + "?sort=company",
        reverse("register-entry", args=[entry_reference]),
        reverse("statistics"),
        reverse("public-api:register"),
        reverse("public-api:register-entry", args=[entry_reference]),
        reverse("public-api:register-csv"),
        reverse("public-api:statistics"),
        *[
            reverse("public-api:statistics-csv", args=[table])
            for table in ("received", "decisions", "processing_time_summary", "waivers_now")
        ],
        *[reverse("statistics-csv", args=["decisions-by-year"])],
        *[check_path(letter.number, letter.verification_code) for letter in letters],
    ]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = _body(response)
    return pages


def test_an_accepted_trade_secret_appears_on_no_public_page_api_or_csv(world, client):
    app = granted(
        world,
        claims=ALL_CLAIMED,
        decisions=dict.fromkeys(ALL_CLAIMED, True),
        summary=SECRETS["summary"],
        region=SECRETS["region"],
        scale=SECRETS["scale"],
        max_users=987_654,
        conditions=[SECRETS["conditions"]],
    )
    issue_all(app)
    pages = _everything_public(client, app, app.reference)
    for url, page in pages.items():
        for secret in (*SECRETS.values(), "987654", "987,654"):
            assert secret not in page, (url, secret)
    # What is not secret is there (the test would notice a page that shows nothing).
    entry_page = pages[reverse("register-entry", args=[app.reference])]
    assert app.title in entry_page and world.organization.name in entry_page
    assert "Withheld: trade secret" in entry_page and "1 condition, withheld" in entry_page
    api = client.get(reverse("public-api:register-entry", args=[app.reference])).json()
    assert api["summary"] == "" and api["conditions"] == [] and api["conditions_count"] == 1
    assert api["scope"] == {"region": "", "scale": "", "max_users": None}
    assert sorted(api["withheld"]) == sorted(F.values)


def test_search_cannot_find_a_waiver_by_its_withheld_words(world, client):
    app = granted(
        world,
        claims={F.SUMMARY: "영업비밀"},
        decisions={F.SUMMARY: True},
        summary=SECRETS["summary"],
    )
    for query in ("라이다융합", "X9", "비밀요약"):
        page = client.get(reverse("register"), {"q": query}).content.decode()
        assert app.reference not in page, query
        api = client.get(reverse("public-api:register"), {"q": query}).json()
        assert api["results"] == [], query
    assert app.reference in client.get(reverse("register"), {"q": "자율주행"}).content.decode()


def test_personal_data_is_never_published(world, client):
    for persona, name in (("applicant", "minji-k-4411"), ("officer", "park-so-7731")):
        user = world.persona(persona)
        user.username, user.email = name, f"{name}@example.kr"
        user.first_name, user.last_name = "민지", "김"
        user.save()
    app = granted(world)
    issue_all(app)
    organization = world.organization
    personal = [
        organization.representative,
        organization.registration_number,
        organization.address,
        "minji-k-4411",
        "park-so-7731",
        "김 민지",
        "민지 김",
    ]
    for url, page in _everything_public(client, app, app.reference).items():
        for value in personal:
            assert value and value not in page, (url, value)


def test_a_claim_awaiting_the_officer_is_withheld_and_a_refused_one_is_published(world, client):
    app = reviewed(
        world,
        claims={F.REGION: "계약상 비공개", F.SCALE: "원가 구조"},
        region=SECRETS["region"],
        scale=SECRETS["scale"],
    )
    decide_claims(world, app, {F.SCALE: False})
    approve(world, app)
    entry = RegisterEntry.objects.get(application=app)
    assert entry.region == "" and entry.withheld == [F.REGION]
    assert entry.scale == SECRETS["scale"]
    # Decided after the approval: the entry follows at once.
    claim = TradeSecretClaim.objects.get(application=app, field=F.REGION)
    trade_secret_claim_decide(claim=claim, by=world.officer, accept=False, reason="공개 필요")
    entry.refresh_from_db()
    assert entry.region == SECRETS["region"] and entry.withheld == []
    page = client.get(reverse("register-entry", args=[app.reference])).content.decode()
    assert SECRETS["region"] in page and SECRETS["scale"] in page


def test_the_applicant_sees_before_the_decision_exactly_what_will_be_published(world, client):
    app = draft(world, summary=SECRETS["summary"], region=SECRETS["region"])
    client.force_login(world.applicant)
    url = reverse("register-publication", args=[app.pk])
    page = client.get(url).content.decode()
    assert "Preview of your entry" in page
    assert SECRETS["summary"] in page and SECRETS["region"] in page
    assert "도로교통법 제2조 제10호" in page  # the regulations named become the exemptions
    response = client.post(
        url,
        {
            "version": app.version,
            "claim_summary": "on",
            "reason_summary": "알고리즘이 드러납니다.",
            "claim_region": "on",
            "reason_region": "",
        },
    )
    assert response.status_code == 400
    assert "Say why this part is a trade secret." in response.content.decode()
    assert not TradeSecretClaim.objects.filter(application=app).exists()
    response = client.post(
        url, {"version": app.version, "claim_summary": "on", "reason_summary": "알고리즘"}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert SECRETS["summary"] not in page and SECRETS["region"] in page
    assert "Withheld until the case officer decides your claim: Summary of the service." in page
    # The portal's case pages point there.
    check = client.get(reverse("application-check", args=[app.pk])).content.decode()
    assert url in check


def test_the_preview_is_the_entry_the_register_then_publishes(world):
    app = reviewed(world, claims={F.SCALE: "원가"}, scale=SECRETS["scale"])
    decide_claims(world, app, {F.SCALE: True})
    before = publication_preview(application=app)
    approve(world, app)
    entry = RegisterEntry.objects.get(application=app)
    for name in ("company", "title", "summary", "region", "scale", "max_users", "withheld"):
        assert getattr(before, name) == getattr(entry, name), name
    assert entry.exempted_provisions == before.exempted_provisions


def test_claims_are_audited_and_a_refusal_is_emailed_with_its_reason(
    world, django_capture_on_commit_callbacks
):
    app = reviewed(world, claims={F.SUMMARY: "알고리즘"})
    claimed = AuditEvent.objects.filter(application=app, action="trade_secret_claims_changed")
    assert claimed.get().payload == {"claimed": ["summary"], "changed": [], "withdrawn": []}
    claim = TradeSecretClaim.objects.get(application=app)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        trade_secret_claim_decide(
            claim=claim, by=world.officer, accept=False, reason="이용자 보호상 공개 필요"
        )
    event = AuditEvent.objects.get(application=app, action="trade_secret_refused")
    assert event.actor == world.officer and event.payload["field"] == "summary"
    claim.refresh_from_db()
    assert (
        claim.status == ClaimStatus.REFUSED and claim.decision_reason == "이용자 보호상 공개 필요"
    )
    (email,) = mail.outbox
    assert app.reference in email.subject and "거부" in email.subject  # the case's language
    assert "이용자 보호상 공개 필요" in email.body


def test_claims_follow_the_rules_of_every_case_write(world):
    app = draft(world)
    claims = {F.SUMMARY: "이유"}
    with pytest.raises(NotVisible):
        trade_secret_claims_set(application=app, by=world.other_applicant, claims=claims)
    with pytest.raises(NotVisible):  # a draft is its organisation's alone (issue 20)
        trade_secret_claims_set(application=app, by=world.officer, claims=claims)
    with pytest.raises(StaleVersion):
        trade_secret_claims_set(
            application=app, by=world.applicant, claims=claims, expected_version=app.version + 1
        )
    with pytest.raises(InvalidInput) as error:
        trade_secret_claims_set(application=app, by=world.applicant, claims={"title": "x"})
    assert "title" in error.value.errors
    decided = drive(world, S.APPROVED)
    with pytest.raises(WrongState):
        trade_secret_claims_set(application=decided, by=world.applicant, claims=claims)
    confirmation = drive(world, S.UNDER_REVIEW, track="confirmation")
    with pytest.raises(WrongState):
        trade_secret_claims_set(application=confirmation, by=world.applicant, claims=claims)


def test_only_the_assigned_officer_decides_a_claim_and_only_once(world):
    app = reviewed(world, claims={F.SUMMARY: "이유"})
    claim = TradeSecretClaim.objects.get(application=app)
    for persona in ("other_officer", "decider", "applicant"):
        with pytest.raises(NotPermitted):
            trade_secret_claim_decide(claim=claim, by=world.persona(persona), accept=True)
    with pytest.raises(NotVisible):
        trade_secret_claim_decide(claim=claim, by=world.foreign_officer, accept=True)
    with pytest.raises(InvalidInput):
        trade_secret_claim_decide(claim=claim, by=world.officer, accept=False, reason=" ")
    trade_secret_claim_decide(claim=claim, by=world.officer, accept=True)
    with pytest.raises(WrongState):
        trade_secret_claim_decide(claim=claim, by=world.officer, accept=False, reason="번복")


def test_a_changed_reason_asks_the_officer_again_and_a_dropped_claim_is_published(world):
    app = draft(world, summary=SECRETS["summary"])
    trade_secret_claims_set(application=app, by=world.applicant, claims={F.SUMMARY: "처음"})
    trade_secret_claims_set(application=app, by=world.applicant, claims={F.SUMMARY: "처음"})
    assert AuditEvent.objects.filter(action="trade_secret_claims_changed").count() == 1
    trade_secret_claims_set(application=app, by=world.applicant, claims={F.SUMMARY: "바뀜"})
    assert TradeSecretClaim.objects.get(application=app).reason == "바뀜"
    trade_secret_claims_set(application=app, by=world.applicant, claims={})
    assert not TradeSecretClaim.objects.filter(application=app).exists()
    assert AuditEvent.objects.filter(action="trade_secret_claims_changed").last().payload == {
        "claimed": [],
        "changed": [],
        "withdrawn": ["summary"],
    }


def test_the_officer_decides_claims_on_the_staff_case_page(world):
    app = reviewed(world, claims={F.SCALE: "원가 구조"}, scale=SECRETS["scale"])
    client = signed_in(world.officer)
    case_page = client.get(reverse("review-case", args=[app.pk])).content.decode()
    url = reverse("register-claims", args=[app.pk])
    assert url in case_page and "Decide 1 claim" in case_page
    page = client.get(url).content.decode()
    assert "원가 구조" in page
    claim = TradeSecretClaim.objects.get(application=app)
    decide = reverse("register-claim-decide", args=[app.pk, claim.pk])
    prefix = f"c{claim.pk}"
    response = client.post(
        decide, {f"{prefix}-version": app.version, f"{prefix}-decision": "refuse"}
    )
    assert response.status_code == 400
    assert "Say why the claim is refused" in response.content.decode()
    response = client.post(
        decide,
        {
            f"{prefix}-version": app.version,
            f"{prefix}-decision": "refuse",
            f"{prefix}-reason": "공개",
        },
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REFUSED and claim.decided_by == world.officer
