from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from api.auth import api_token_issue


@pytest.fixture(autouse=True)
def fresh_throttle() -> Iterator[None]:
    """Throttle counters live in the cache; each test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


class Api:
    """A client that speaks to the API with a bearer token (or none)."""

    def __init__(self, raw_token: str | None) -> None:
        self.raw_token = raw_token
        self.client = Client()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.raw_token}"} if self.raw_token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers())

    def request(self, method: str, path: str) -> Any:
        return self.client.generic(method, path, headers=self.headers())


@pytest.fixture
def api_as() -> Any:
    def make(user: Any | None) -> Api:
        if user is None:
            return Api(None)
        _, raw = api_token_issue(username=user.username, name="test")
        return Api(raw)

    return make
