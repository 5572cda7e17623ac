"""Failures answer with a plain page and never a traceback: 503 while the database is away."""

from __future__ import annotations

import pytest


@pytest.fixture
def production_client(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    return client


@pytest.mark.urls("tests.production.urls_faulty")
def test_a_lost_database_gives_a_503_page_with_retry_after(production_client):
    response = production_client.get("/gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Service briefly unavailable" in body
    assert "Traceback" not in body and "Connection refused" not in body


@pytest.mark.urls("tests.production.urls_faulty")
def test_a_bug_gives_a_plain_500_page_without_details(production_client):
    response = production_client.get("/bug/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "s3cr3t" not in body and "ZeroDivisionError" not in body
