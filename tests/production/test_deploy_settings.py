"""The production environment (DEBUG=0 and the required variables) passes Django's deployment
checks and sends the security headers; each check runs the real settings module in a fresh
process, as gunicorn would load it."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="sandbox.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="sandbox.example.go.kr",
        SITE_URL="https://sandbox.example.go.kr",
        SANDBOX_VAR_DIR=tempfile.mkdtemp(prefix="sandbox-test-var-"),
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_prepare_threshold_that_is_no_number_stops_the_start_with_a_sentence():
    """On PostgreSQL, DB_PREPARE_THRESHOLD is a whole number or off; anything else is named in
    the message, and the two good forms start."""
    postgres = "postgres://sandbox@127.0.0.1:1/sandbox"  # ``check`` does not connect
    for good in ("off", " 0", "12"):
        started = run(
            ["manage.py", "check"], production_env(DATABASE_URL=postgres, DB_PREPARE_THRESHOLD=good)
        )
        assert started.returncode == 0, started.stdout + started.stderr
    result = run(
        ["manage.py", "check"], production_env(DATABASE_URL=postgres, DB_PREPARE_THRESHOLD="five")
    )
    assert result.returncode != 0
    assert (
        "DB_PREPARE_THRESHOLD must be a whole number of runs (for example 5) or off, not 'five'"
        in (result.stderr)
    )


PROBE = """
import json, django
django.setup()
from django.test import Client
c = Client()
plain = c.get("/", HTTP_HOST="sandbox.example.go.kr")
secure = c.get("/", secure=True, HTTP_HOST="sandbox.example.go.kr")
health = c.get("/health/", HTTP_HOST="sandbox.example.go.kr")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": [secure.status_code, dict(secure.headers)],
    "health": health.status_code,
    "cookies": {n: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"])}
                for n, m in secure.cookies.items()},
}))
"""


def test_production_headers_redirect_to_https_and_harden_every_page():
    result = run(["-c", PROBE], production_env())
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    status, location = seen["plain"]
    assert status == 301 and location.startswith("https://sandbox.example.go.kr/")
    status, headers = seen["secure"]
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["Strict-Transport-Security"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    # The load balancer's health check is answered over plain HTTP inside the network.
    assert seen["health"] in (200, 503)
    for name, flags in seen["cookies"].items():
        assert flags["secure"], name
