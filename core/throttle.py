"""Per-source rate limits for what anyone may ask without signing in (the public letter check,
the open-data API): a fixed-window counter per source address in Django's cache.

The source is the connecting address, or — behind ``PROXY_HOPS`` trusted reverse proxies that
append to ``X-Forwarded-For`` — the address the outermost of them saw (a client cannot choose
it by sending the header itself). With the default per-process cache each web process counts on
its own; a shared cache (``CACHES``) makes the limit global.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def client_address(request: HttpRequest) -> str:
    """Where the request comes from, as far as this site can trust it."""
    hops = int(getattr(settings, "PROXY_HOPS", 0) or 0)
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def parse_rate(rate: str) -> tuple[int, int]:
    """``"20/min"`` → (20 requests, 60 seconds)."""
    count, _, unit = rate.partition("/")
    if not count.strip().isdigit() or unit.strip() not in PERIODS:
        raise ValueError(f"A rate is '<number>/<s|min|hour|day>', not {rate!r}.")
    return int(count), PERIODS[unit.strip()]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window resets (when refused)


def throttle_hit(scope: str, source: str, rate: str, *, now: float | None = None) -> Verdict:
    """Count one request of ``source`` in ``scope``; refuse it once the rate is used up in the
    current window."""
    limit, period = parse_rate(rate)
    moment = time.time() if now is None else now
    window = int(moment // period)
    digest = hashlib.sha256(source.encode()).hexdigest()[:32]
    key = f"throttle:{scope}:{digest}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    if count > limit:
        return Verdict(False, int(period - moment % period) + 1)
    return Verdict(True)
