"""gunicorn settings for the production profile (``gunicorn -c python:sandbox.gunicorn_conf``).

Request lines and headers keep gunicorn's bounds, stated here. gunicorn itself has no body size
limit: Django refuses an oversized body by its declared length (``sandbox/bodylimits.py``), and
the hook below makes gunicorn close such a connection after the answer rather than read the
rest of the body to keep it alive. A reverse proxy in front adds its own cap
(``client_max_body_size`` in nginx; docs/security.md).
"""

from __future__ import annotations

from typing import Any

limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Bodies larger than this are for signed-in uploads only; any larger request's connection is
# closed after its answer (must equal REQUEST_BODY_MAX_BYTES's default in sandbox/settings.py).
KEEP_ALIVE_BODY_BYTES = 2_621_440


def pre_request(worker: Any, req: Any) -> None:
    """Large or undeclared bodies: answer, then close (never drain gigabytes to keep-alive)."""
    for name, value in req.headers:
        if name == "TRANSFER-ENCODING" and "chunked" in value.lower():
            req.must_close = True
        if name == "CONTENT-LENGTH":
            text = value.strip()
            if not (text.isascii() and text.isdigit()) or int(text) > KEEP_ALIVE_BODY_BYTES:
                req.must_close = True
