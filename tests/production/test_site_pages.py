"""The home page says what the service is and where to go; a missing page and a failure answer
with the site's own friendly pages in Korean and English — never Django's debug page."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from register.services import statistics_refresh
from tests.register.helpers import granted

KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_home_page_explains_the_service_and_links_every_entry_point(client, db):
    page = client.get(reverse("home"), **EN).content.decode()
    assert "temporary, conditional waiver" in page
    for name in (
        "apply-dashboard",
        "register",
        "statistics",
        "letter-verify-start",
        "review-queue",
    ):
        assert f'href="{reverse(name)}"' in page, name
    korean = client.get(reverse("home"), **KO).content.decode()
    assert "규제 샌드박스" in korean or "규제샌드박스" in korean
    assert "규제특례 현황" in korean and "통지서 진위 확인" in korean


def test_the_home_page_shows_headline_figures_once_computed(client, world):
    granted(world)
    assert "waivers in force now" not in client.get(reverse("home"), **EN).content.decode()
    statistics_refresh()
    page = client.get(reverse("home"), **EN).content.decode()
    assert '<span class="figure">1</span> waivers in force now' in page


@pytest.fixture
def production(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("headers", "lang", "title", "other"),
    [
        (KO, "ko", "페이지를 찾을 수 없습니다", "Page not found"),
        (EN, "en", "Page not found", "페이지를 찾을 수 없습니다"),
    ],
)
def test_an_unknown_address_is_a_friendly_404_in_the_readers_language(
    production, db, headers, lang, title, other
):
    response = production.get("/no/such/page/", **headers)
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page and f"<h1>{title}</h1>" in page
    assert other in page  # the same message in the other language, for the lost visitor
    assert f'href="{reverse("register")}"' in page and "Traceback" not in page
    assert "technical_404" not in page and "Using the URLconf" not in page


@override_settings(DEBUG=True)
def test_the_debug_page_is_only_for_development(client, db):
    assert "Using the URLconf" in client.get("/no/such/page/").content.decode()


@pytest.mark.urls("tests.production.urls_faulty")
@pytest.mark.parametrize(
    ("headers", "title", "other"),
    [
        (KO, "문제가 발생했습니다", "Something went wrong"),
        (EN, "Something went wrong", "문제가 발생했습니다"),
    ],
)
def test_a_failure_is_a_friendly_500_in_both_languages(production, db, headers, title, other):
    response = production.get("/bug/", **headers)
    assert response.status_code == 500
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page and other in page
    assert "ZeroDivisionError" not in page and "s3cr3t" not in page
