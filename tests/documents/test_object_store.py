"""Private files on an S3-compatible object store (django-storages), tested against a local
S3-compatible server the test starts (moto's threaded server): uploads and letters are written
there and served from there, and when the store cannot be reached an upload is refused with a
clear message and nothing half-saved, and a letter is retried while its decision stands."""

from __future__ import annotations

import hashlib
import socket
import uuid

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from moto.server import ThreadedMotoServer

from applications.models import AuditEvent, Decision
from applications.workflow import ApplicationStatus as S
from documents.models import Document, Letter, LetterStatus
from documents.services import document_upload
from documents.storage import DjangoStore, document_key, letter_key, private_store
from sandbox.settings import s3_private_storage
from tests.builders import drive
from tests.documents.helpers import approved_case
from tests.factories import pass_second_factor
from tests.portal import samples


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def object_store(s3_endpoint, settings, monkeypatch, tmp_path):
    """STORAGES["private"] on a fresh bucket of the local server; the local disk left empty."""
    monkeypatch.setenv("PRIVATE_S3_ACCESS_KEY_ID", "sandbox-test")
    monkeypatch.setenv("PRIVATE_S3_SECRET_ACCESS_KEY", "sandbox-test-secret")
    bucket = f"sandbox-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="sandbox-test",
        aws_secret_access_key="sandbox-test-secret",
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": s3_private_storage(bucket=bucket, endpoint_url=s3_endpoint),
    }
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "local-disk"

    def objects() -> dict[str, bytes]:
        listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {
            item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            for item in listing
        }

    def unreachable() -> None:
        settings.STORAGES = {
            **settings.STORAGES,
            "private": s3_private_storage(
                bucket=bucket, endpoint_url=f"http://127.0.0.1:{free_port()}"
            ),
        }

    def reachable() -> None:
        settings.STORAGES = {
            **settings.STORAGES,
            "private": s3_private_storage(bucket=bucket, endpoint_url=s3_endpoint),
        }

    return {"objects": objects, "down": unreachable, "up": reachable, "local": tmp_path}


def test_uploads_go_to_the_object_store_and_are_served_from_it(client, world, object_store):
    assert isinstance(private_store(), DjangoStore)
    app = drive(world, S.DRAFT)
    client.force_login(world.applicant)
    upload = SimpleUploadedFile("plan.pdf", samples.PDF, content_type="application/pdf")
    response = client.post(
        f"/apply/{app.pk}/step/documents/",
        {"doc_type": "business_plan", "file": upload, "upload": "1", "version": app.version},
    )
    assert response.status_code == 302
    document = Document.objects.get(application=app)
    stored = object_store["objects"]()
    assert stored == {document_key(document): samples.PDF}
    assert hashlib.sha256(stored[document_key(document)]).hexdigest() == document.sha256
    assert not (object_store["local"] / "local-disk").exists()  # nothing on this machine
    download = client.get(f"/documents/{document.pk}/download/")
    assert b"".join(download.streaming_content) == samples.PDF


def test_letters_are_sealed_into_the_object_store_and_served_from_it(
    world, object_store, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        app = approved_case(world)  # the letter is issued after commit, in-process
    letter = Letter.objects.get(application=app)
    assert letter.status == LetterStatus.ISSUED
    stored = object_store["objects"]()[letter_key(letter)]
    assert hashlib.sha256(stored).hexdigest() == letter.sha256
    client = pass_second_factor_client(world.decider)
    download = client.get(f"/letters/{letter.number}/download/")
    assert b"".join(download.streaming_content) == stored
    api = client.get(f"/api/v1/letters/{letter.number}/pdf/")
    assert b"".join(api.streaming_content) == stored


def pass_second_factor_client(user):
    from django.test import Client

    client = Client()
    pass_second_factor(client, user)
    return client


def test_an_upload_while_the_store_is_unreachable_is_refused_and_nothing_is_half_saved(
    client, world, object_store
):
    app = drive(world, S.DRAFT)
    events = AuditEvent.objects.count()
    object_store["down"]()
    client.force_login(world.applicant)
    upload = SimpleUploadedFile("plan.pdf", samples.PDF, content_type="application/pdf")
    response = client.post(
        f"/apply/{app.pk}/step/documents/",
        {"doc_type": "business_plan", "file": upload, "upload": "1", "version": app.version},
    )
    assert response.status_code == 400
    assert "storage is full or unavailable" in response.content.decode()
    assert not Document.objects.filter(application=app).exists()
    assert AuditEvent.objects.count() == events
    object_store["up"]()
    assert object_store["objects"]() == {}


def test_a_letter_while_the_store_is_unreachable_is_retried_and_its_decision_stands(
    world, object_store, django_capture_on_commit_callbacks
):
    object_store["down"]()
    with django_capture_on_commit_callbacks(execute=True):
        app = approved_case(world)  # the decision commits; issuing fails each attempt
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert Decision.objects.filter(application=app, kind="approval").exists()
    letter = Letter.objects.get(application=app)
    assert letter.status == LetterStatus.FAILED
    assert letter.attempts == 3 and "private store" in letter.last_error
    assert not AuditEvent.objects.filter(action="letter_issued").exists()
    # The store is back: the retry (the scheduler's tick does the same) issues it, once.
    object_store["up"]()
    call_command("issue_pending_letters", "--min-age", "0")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ISSUED
    assert (
        hashlib.sha256(object_store["objects"]()[letter_key(letter)]).hexdigest() == letter.sha256
    )
    assert AuditEvent.objects.filter(action="letter_issued").count() == 1


def test_a_download_while_the_store_is_unreachable_says_to_try_again_shortly(
    world, object_store, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        app = approved_case(world)
    letter = Letter.objects.get(application=app)
    document = document_upload(
        application=drive(world, S.DRAFT),
        by=world.applicant,
        doc_type="business_plan",
        file=("plan.pdf", [samples.PDF]),
    )
    settings.DEBUG = False
    client = pass_second_factor_client(world.decider)
    client.raise_request_exception = False
    applicant = Client(raise_request_exception=False)
    applicant.force_login(world.applicant)
    object_store["down"]()
    for who, url in (
        (client, f"/letters/{letter.number}/download/"),
        (applicant, f"/documents/{document.pk}/download/"),
    ):
        page = who.get(url)
        assert page.status_code == 503, url
        assert page["Retry-After"] == "5"
        assert "try again" in page.content.decode()
    problem = client.get(f"/api/v1/letters/{letter.number}/pdf/")
    assert problem.status_code == 503
    assert problem.json()["code"] == "unavailable" and "file store" in problem.json()["detail"]
    object_store["up"]()
    download = client.get(f"/letters/{letter.number}/download/")
    assert b"".join(download.streaming_content) == object_store["objects"]()[letter_key(letter)]
