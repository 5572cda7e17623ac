"""Reading RFC 9457 problem answers in tests."""

from __future__ import annotations

from typing import Any


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """The problem body, after checking the answer is one: its status, media type, stable code,
    its type URI and the request id it shares with the X-Request-Id header."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code), body
    assert body["type"].endswith(f"/api/problems/{code}/")
    assert body["request_id"] == response["X-Request-Id"]
    assert body["title"] and body["detail"]
    return body


def named(body: dict[str, Any]) -> dict[str, list[str]]:
    """A 400's ``errors``, as parameter → messages."""
    out: dict[str, list[str]] = {}
    for error in body["errors"]:
        out.setdefault(error["name"], []).append(error["detail"])
    return out
