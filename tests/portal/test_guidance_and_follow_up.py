"""The track choice explains each track from its programme data (meaning, who decides, the
deadlines, what to attach, with downloadable templates in Korean and English); after a fast
confirmation that a regulation applies, the case page offers the exemption tracks, each starting
a new application prefilled from the case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications import services
from applications.models import Application, AuditEvent, CoApplicant, Track
from applications.workflow import ApplicationStatus as S
from applications.workflow import ConfirmationOutcome
from core.errors import NotVisible, WrongState
from demo.guidance import GUIDANCE
from tests.builders import World, draft

pytestmark = pytest.mark.django_db


def test_the_track_choice_shows_meaning_who_decides_deadlines_and_attachments(client, world):
    world.exemption.help = GUIDANCE["demonstration"][0]
    world.exemption.help_en = GUIDANCE["demonstration"][1]
    world.exemption.required_document_types = ["business_plan", "safety_plan"]
    world.exemption.similar_review_days = 15
    world.exemption.save()
    world.program.committee_en = "Deliberation Committee for New Technologies and Services"
    world.program.save()
    client.force_login(world.applicant)
    page = client.get(reverse("application-start"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Demonstration exemption: a limited real-market test" in page
    assert "Deliberation Committee for New Technologies and Services decides" in page
    assert f"Put to the committee within {world.exemption.agenda_days} days" in page
    assert "15 days once the ministry confirms the similarity" in page
    assert reverse("application-template", args=["business_plan", "en"]) in page
    assert reverse("application-template", args=["safety_plan", "ko"]) in page
    assert "The ministry responsible for the regulation answers." in page  # confirmation track


def test_the_korean_track_choice_reads_in_korean(client, world):
    world.exemption.help = GUIDANCE["demonstration"][0]
    world.exemption.save()
    client.force_login(world.applicant)
    client.cookies["django_language"] = "ko"
    page = client.get(reverse("application-start"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "실증특례: 허가 기준이 없거나" in page
    assert "결정" in page and "기한" in page


@pytest.mark.parametrize("kind", ["business_plan", "safety_plan", "user_protection_plan"])
@pytest.mark.parametrize(("language", "heading"), [("ko", "# "), ("en", "# ")])
def test_each_template_downloads_as_markdown_in_each_language(client, kind, language, heading):
    response = client.get(reverse("application-template", args=[kind, language]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{kind}.{language}.md"'
    text = response.content.decode()
    assert text.startswith(heading)
    korean = any("\uac00" <= ch <= "\ud7a3" for ch in text.splitlines()[0])
    assert korean == (language == "ko")


def test_an_unknown_template_is_a_404(client):
    assert client.get(reverse("application-template", args=["passport", "ko"])).status_code == 404
    assert (
        client.get(reverse("application-template", args=["business_plan", "fr"])).status_code == 404
    )


def confirmed(world: World, outcome: str) -> Application:
    app = draft(world, track=world.confirmation, problem_solved="주차면 부족")
    services.co_applicant_add(
        application=app,
        by=world.applicant,
        name="파킹파트너",
        registration_number="123-45-67890",
        role="주차장 제공",
    )
    services.application_submit(application=app, by=world.applicant)
    services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
    services.application_answer_confirmation(
        application=app,
        by=world.officer,
        outcome=outcome,
        permits="주차장법 제19조" if outcome == ConfirmationOutcome.REGULATION_APPLIES else "",
        competent_authority="국토교통부"
        if outcome == ConfirmationOutcome.REGULATION_APPLIES
        else "",
    )
    app.refresh_from_db()
    assert app.status == S.CONFIRMED
    return app


def test_a_regulation_applies_answer_offers_the_exemption_tracks(client, world):
    app = confirmed(world, ConfirmationOutcome.REGULATION_APPLIES)
    client.force_login(world.applicant)
    page = client.get(reverse("application-detail", args=[app.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "A regulation applies: what you can do now" in text
    assert f'name="track" value="{world.exemption.pk}"' in text
    response = client.post(
        reverse("application-follow-up", args=[app.pk]), {"track": world.exemption.pk}
    )
    new = Application.objects.exclude(pk=app.pk).get(title=app.title)
    assert response.url == reverse("application-step", args=[new.pk, "service"])
    assert new.status == S.DRAFT and new.track == world.exemption
    assert new.problem_solved == "주차면 부족"
    assert [(r.statute, r.article) for r in new.regulations.all()] == [
        (r.statute, r.article) for r in app.regulations.all()
    ]
    assert CoApplicant.objects.get(application=new).name == "파킹파트너"
    assert AuditEvent.objects.filter(
        application=new, action="follow_up_started", payload__track=world.exemption.code
    ).exists()


def test_no_regulation_answers_offer_nothing_and_refuse_a_crafted_post(client, world):
    app = confirmed(world, ConfirmationOutcome.NO_REGULATION)
    client.force_login(world.applicant)
    page = client.get(reverse("application-detail", args=[app.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "A regulation applies: what you can do now" not in page.content.decode()
    before = Application.objects.count()
    client.post(reverse("application-follow-up", args=[app.pk]), {"track": world.exemption.pk})
    assert Application.objects.count() == before
    with pytest.raises(WrongState):
        services.application_create_follow_up(source=app, by=world.applicant, track=world.exemption)


def test_another_organisation_cannot_start_from_the_case(client, world):
    app = confirmed(world, ConfirmationOutcome.REGULATION_APPLIES)
    with pytest.raises(NotVisible):
        services.application_create_follow_up(
            source=app, by=world.other_applicant, track=world.exemption
        )
    client.force_login(world.other_applicant)
    response = client.post(
        reverse("application-follow-up", args=[app.pk]), {"track": world.exemption.pk}
    )
    assert response.status_code == 404
    assert Track.objects.filter(pk=world.exemption.pk).exists()
