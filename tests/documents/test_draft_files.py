"""Item 8 of the second security review: a draft is its organisation's alone, and its files
follow its visibility. Staff, auditors and the operator see neither until it is submitted."""

from __future__ import annotations

import pytest
from django.test import Client

from applications import services
from applications.visibility import can_view_application
from applications.workflow import ApplicationStatus as S
from core.errors import NotVisible
from documents.selectors import document_get_for
from documents.services import document_upload
from tests.builders import drive
from tests.factories import UserFactory, pass_second_factor
from tests.portal import samples

READERS = ("officer", "auditor", "decider", "consultee", "operator")


@pytest.fixture
def draft_with_file(world):
    app = drive(world, S.DRAFT)
    document = document_upload(
        application=app, by=world.applicant, doc_type="business_plan", file=("p.pdf", [samples.PDF])
    )
    operator = UserFactory.create(username="operator", is_staff=True, is_superuser=True)
    return app, document, operator


def reader(world, operator, name):
    return operator if name == "operator" else world.persona(name)


@pytest.mark.parametrize("name", READERS)
def test_a_drafts_file_is_not_there_for_staff_auditors_or_the_operator(
    world, draft_with_file, name
):
    app, document, operator = draft_with_file
    user = reader(world, operator, name)
    assert not can_view_application(user, app)
    with pytest.raises(NotVisible):
        document_get_for(user=user, pk=document.pk)
    client = Client()
    pass_second_factor(client, user)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 404
    assert client.get("/api/v1/applications/").json()["results"] == []


def test_the_file_follows_the_case_once_it_is_submitted(world, draft_with_file):
    app, document, operator = draft_with_file
    services.application_submit(application=app, by=world.applicant)
    for name in ("officer", "auditor", "operator"):
        client = Client()
        pass_second_factor(client, reader(world, operator, name))
        response = client.get(f"/documents/{document.pk}/download/")
        assert response.status_code == 200, name
    # A ministry neither leading nor consulted still sees nothing.
    client = Client()
    pass_second_factor(client, world.foreign_officer)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 404


def test_the_organisations_members_keep_their_draft_and_its_file(world, draft_with_file):
    app, document, _operator = draft_with_file
    client = Client()
    client.force_login(world.applicant)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    assert client.get(f"/apply/{app.pk}/").status_code == 200
    other = Client()
    other.force_login(world.other_applicant)
    assert other.get(f"/documents/{document.pk}/download/").status_code == 404
