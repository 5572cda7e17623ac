"""Open data under /api/public/: no token, the register and the statistics as JSON and CSV,
ETag and Last-Modified with 304 answers, a throttle per source address, and an OpenAPI schema
of its own (the auditor API's schema does not list it, nor it the auditor API)."""

from __future__ import annotations

import csv
import io

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings
from drf_spectacular.validation import validate_schema

from register.models import RegisterEntry
from register.openapi import PUBLIC_SCHEMA_SETTINGS
from register.rules import LICENCE, PublishedField
from register.services import statistics_refresh
from tests.api.problems import named, problem_of
from tests.documents.helpers import issue_all
from tests.register.helpers import granted

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiver(world):
    app = granted(
        world,
        claims={PublishedField.SCALE: "원가"},
        decisions={PublishedField.SCALE: True},
        summary="아파트 단지 내 로봇 배송",
    )
    issue_all(app)
    return app


def test_the_register_reads_as_json_without_any_token(world, client, waiver):
    response = client.get(reverse("public-api:register"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    entry = RegisterEntry.objects.get(application=waiver)
    assert body["count"] == 1 and body["count_is_exact"] is True
    assert body["next"] is None and body["previous"] is None and body["licence"] == LICENCE
    assert body["results"] == [
        {
            "reference": waiver.reference,
            "url": f"http://testserver/register/{waiver.reference}/",
            "company": world.organization.name,
            "title": waiver.title,
            "summary": "아파트 단지 내 로봇 배송",
            "programme": {
                "code": "ICT",
                "name": world.program.name,
                "name_en": world.program.name_en,
            },
            "track": {
                "code": world.exemption.code,
                "name": world.exemption.name,
                "name_en": world.exemption.name_en,
            },
            "ministry": {"code": "MSIT", "name": world.lead.name, "name_en": world.lead.name_en},
            "exempted_provisions": ["도로교통법 제2조 제10호"],
            "scope": {"region": "서울 강남구", "scale": "", "max_users": 5000},
            "conditions": ["최고 속도 시속 5km 이하로 운행할 것", "야간에는 운행하지 않을 것"],
            "conditions_count": 2,
            "withheld": ["scale"],
            "granted_on": entry.granted_on.isoformat(),
            "term": {
                "start": waiver.term_start.isoformat(),
                "end": waiver.term_end.isoformat(),
                "extensions": 0,
            },
            "status": "in_force",
            "status_since": entry.granted_on.isoformat(),
        }
    ]
    assert response["Link"] == f'<{LICENCE["url"]}>; rel="license"'


def test_one_waiver_lists_its_letters_with_their_check_links(client, waiver):
    body = client.get(reverse("public-api:register-entry", args=[waiver.reference])).json()
    (letter,) = body["letters"]
    issued = waiver.letters.get()
    assert letter == {
        "number": issued.number,
        "kind": "approval",
        "issued_on": letter["issued_on"],
        "check_url": f"http://testserver/verify/{issued.number}/?code={issued.verification_code}",
        "superseded_by": None,
    }
    missing = client.get(reverse("public-api:register-entry", args=["ICT-1999-00001"]))
    assert missing.status_code == 404


def test_an_unchanged_answer_is_a_304_by_etag_or_by_date_and_a_change_is_not(world, client, waiver):
    url = reverse("public-api:register")
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and first["Cache-Control"].startswith("public, max-age=")
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    other_query = client.get(url + "?sort=company", HTTP_IF_NONE_MATCH=etag)
    assert other_query.status_code == 200
    granted(world, title="새 실증")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["count"] == 2
    csv_url = reverse("public-api:register-csv")
    tag = client.get(csv_url)["ETag"]
    assert client.get(csv_url, HTTP_IF_NONE_MATCH=tag).status_code == 304


def test_statistics_read_as_json_and_csv_with_their_own_etag(world, client, waiver):
    statistics_refresh()
    response = client.get(reverse("public-api:statistics"))
    body = response.json()
    assert body["licence"] == LICENCE
    assert {
        "code": "ICT",
        "name": world.program.name,
        "name_en": world.program.name_en,
        "ministry": "MSIT",
    } in body["programmes"]
    year = waiver.decided_at.year
    assert {
        "year": year,
        "programme": "ICT",
        "track": world.exemption.code,
        "kind": "approval",
        "count": 1,
    } in body["decisions"]
    assert body["waivers_now"] == [
        {"programme": "ICT", "track": world.exemption.code, "status": "in_force", "count": 1}
    ]
    assert (
        client.get(
            reverse("public-api:statistics"), HTTP_IF_NONE_MATCH=response["ETag"]
        ).status_code
        == 304
    )
    table = client.get(reverse("public-api:statistics-csv", args=["decisions"]))
    rows = list(csv.reader(io.StringIO(table.getvalue().decode("utf-8-sig"))))
    assert rows[0] == ["year", "programme", "track", "kind", "count"]
    assert [str(year), "ICT", world.exemption.code, "approval", "1"] in rows
    assert client.get(reverse("public-api:statistics-csv", args=["secrets"])).status_code == 404


def test_the_register_csv_has_every_entry_and_neutralises_formulas(world, client):
    world.organization.name = '=HYPERLINK("http://x")'
    world.organization.save()
    apps = [granted(world, title=f"+서비스 {n}") for n in range(3)]
    response = client.get(reverse("public-api:register-csv"))
    assert response["Content-Disposition"] == 'attachment; filename="register.csv"'
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    assert header[:4] == ["reference", "company", "title", "summary"]
    assert sorted(r[0] for r in data) == sorted(a.reference for a in apps)
    assert {r[1] for r in data} == {'\'=HYPERLINK("http://x")'}
    assert all(r[2].startswith("'+서비스") for r in data)
    filtered = client.get(reverse("public-api:register-csv"), {"status": "revoked"})
    assert len(list(csv.reader(io.StringIO(filtered.getvalue().decode("utf-8-sig"))))) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"year": "soon"},
        {"status": "asleep"},
        {"program": "NOPE"},
        {"sort": "random"},
        {"cursor": "forged"},
        {"unknown": "1"},
    ],
)
def test_bad_parameters_are_a_400_that_names_them(client, waiver, params):
    response = client.get(reverse("public-api:register"), params)
    assert set(named(problem_of(response, 400, "invalid_parameter"))) == set(params)


def test_requests_are_throttled_per_source_address(client, settings, waiver):
    settings.PUBLIC_API_THROTTLE_RATE = "3/min"
    url = reverse("public-api:register")
    codes = [client.get(url, REMOTE_ADDR="203.0.113.5").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get(url, REMOTE_ADDR="203.0.113.5")
    assert int(refused["Retry-After"]) > 0
    assert client.get(url, REMOTE_ADDR="198.51.100.7").status_code == 200
    # A client cannot escape by naming another address itself.
    spoofed = client.get(url, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert spoofed.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_source(client, settings, waiver):
    settings.PUBLIC_API_THROTTLE_RATE = "1/min"
    settings.PROXY_HOPS = 1
    url = reverse("public-api:register")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 200
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 200
    forged = "192.0.2.99, 203.0.113.5"  # the client's own entry comes first: ignored
    assert client.get(url, HTTP_X_FORWARDED_FOR=forged, **proxy).status_code == 429


def test_the_open_data_has_its_own_schema_apart_from_the_auditor_api(client, db):
    public = yaml.safe_load(client.get(reverse("public-api:schema")).content)
    assert public["info"]["title"] == "Sandbox open data"
    assert public["info"]["license"] == LICENCE
    assert sorted(public["paths"]) == [
        "/api/public/register.csv",
        "/api/public/register/",
        "/api/public/register/{reference}/",
        "/api/public/statistics/",
        "/api/public/statistics/{table}.csv",
    ]
    for item in public["paths"].values():
        assert "security" not in item["get"] or item["get"]["security"] in ([], [{}])
        assert {"200", "304", "429"} <= set(item["get"]["responses"])
    auditor = yaml.safe_load(client.get(reverse("api:schema")).content)
    assert auditor["paths"] and not [p for p in auditor["paths"] if p.startswith("/api/public/")]
    assert client.get(reverse("public-api:docs")).status_code == 200


def test_the_public_schema_validates_without_warnings(db):
    GENERATOR_STATS.reset()
    with patched_settings(PUBLIC_SCHEMA_SETTINGS):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS, (GENERATOR_STATS._warn_cache, GENERATOR_STATS._error_cache)
    assert "/api/public/register/" in schema["paths"]


def test_posting_to_the_open_data_is_refused(client, waiver):
    assert client.post(reverse("public-api:register"), {}).status_code == 405
    assert Client().get(reverse("public-api:register")).status_code == 200
