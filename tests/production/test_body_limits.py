"""Item 9 of the second security review: request bodies are refused by their declared length
before anything reads them, in Django (``sandbox/bodylimits.py``) and in the production web
server (gunicorn closes such a connection instead of reading the rest)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from sandbox.bodylimits import RequestBodyLimitMiddleware, body_limit

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


class Untouchable:
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def refusal(path: str, length: int, *, user=None, **meta):
    request = RequestFactory().post(path, data=b"", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(length)
    request.META["wsgi.input"] = Untouchable()
    request.META.update(meta)
    if user is not None:
        request.user = user
    reached: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        reached.append(request)
        return HttpResponse("reached")

    response = RequestBodyLimitMiddleware(view)(request)
    return response, bool(reached)


def test_a_200_mb_letter_check_is_refused_by_its_declared_length_alone(db):
    response, reached = refusal("/verify/ICT-2026-00001-L1/", 200 * MIB)
    assert response.status_code == 413 and not reached
    assert "at most 10 MB" in response.content.decode()


def test_anonymous_forms_take_small_bodies_only(db, world):
    response, reached = refusal("/accounts/signup/", 3 * MIB)
    assert response.status_code == 413 and not reached
    response, reached = refusal("/apply/1/supplement/", 50 * MIB)  # not signed in: small only
    assert response.status_code == 413 and not reached
    _, reached = refusal("/accounts/signup/", 100_000)
    assert reached


def test_signed_in_people_send_what_their_pages_take(world):
    applicant = world.applicant
    _, reached = refusal("/apply/1/step/documents/", 20 * MIB + 4096, user=applicant)
    assert reached
    response, reached = refusal("/apply/1/step/documents/", 22 * MIB, user=applicant)
    assert response.status_code == 413 and not reached
    _, reached = refusal("/apply/1/supplement/", 150 * MIB, user=applicant)
    assert reached  # ten files of 20 MB
    response, _ = refusal("/review/1/approve/", 3 * MIB, user=world.decider)
    assert response.status_code == 413
    assert body_limit("/apply/7/supplement/", signed_in=True) > body_limit(
        "/apply/7/", signed_in=True
    )


@pytest.mark.parametrize(
    ("meta", "status"),
    [
        ({"HTTP_TRANSFER_ENCODING": "chunked"}, 411),
        ({"CONTENT_LENGTH": "-5"}, 400),
        ({"CONTENT_LENGTH": "1e9"}, 400),
        ({"CONTENT_LENGTH": "١٢"}, 400),
    ],
)
def test_bodies_without_a_plain_declared_length_are_refused(db, meta, status):
    response, reached = refusal("/verify/x/", 10, **meta)
    assert response.status_code == status and not reached


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def gunicorn(tmp_path):
    """The production web server with the production profile's settings module."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings_test",
        "SANDBOX_VAR_DIR": str(tmp_path),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "sandbox.wsgi",
        "-c",
        "python:sandbox.gunicorn_conf",
    ]
    command += ["--bind", f"127.0.0.1:{port}", "--worker-class", "gthread", "--threads", "2"]
    command += ["--keep-alive", "65"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_web_server_answers_413_and_closes_without_reading_the_rest(gunicorn):
    """Headers for 200 MB, then one megabyte of it: the answer comes at once and the server
    closes the connection rather than waiting for (and draining) the other 199 MB."""
    head = (
        "POST /verify/ICT-2026-00001-L1/ HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {200 * MIB}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", gunicorn), timeout=10) as connection:
        connection.sendall(head)
        with contextlib.suppress(OSError):  # the server may already have closed: fine
            connection.sendall(b"x" * MIB)
        received = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break  # closed by the server
            received += chunk
    assert received.startswith(b"HTTP/1.1 413"), received[:200]
    assert time.monotonic() - started < 10
