"""Webhooks following the Standard Webhooks specification (standardwebhooks.com).

Auditors subscribe a URL to audit event types (``audit.<action>``, or ``audit.*`` for all).
When an audit event commits (``applications.effects.on_event``), each matching subscription
gets a delivery: one message with a stable ``webhook-id``, a JSON body
``{"type": "audit.<action>", "timestamp": <the event's time>, "data": <the event as the feed
shows it>}``, and on every attempt the headers ``webhook-id``, ``webhook-timestamp`` (seconds)
and ``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" with the secret>``.
A 2xx answer delivers it; anything else (or no answer within ``WEBHOOK_TIMEOUT``) is retried
after ``WEBHOOK_RETRY_DELAYS`` (by the task queue, the scheduler's tick as a safety net), then
marked failed. Every attempt is logged; a delivery can be replayed.

Safety: ``https`` only and no private, loopback or link-local destination (checked on every
attempt, after name resolution), unless settings allow them for local testing; redirects are
not followed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import (
    AttemptTrigger,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from api.permissions import can_manage_webhooks
from api.serializers import EventSerializer
from applications import vocabulary
from applications.audit import utc_text
from applications.models import AuditEvent
from core.errors import InvalidInput, NotPermitted, NotVisible
from core.prepared import KeptRows, kept

TYPE_PREFIX = "audit."
ALL_TYPES = "audit.*"
LEASE = dt.timedelta(seconds=60)  # an attempt in flight holds its delivery this long


def event_type(action: str) -> str:
    return f"{TYPE_PREFIX}{action}"


def event_types_available() -> list[str]:
    return [ALL_TYPES, *(event_type(action) for action in sorted(vocabulary.registered()))]


# --- subscriptions ----------------------------------------------------------------------------


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidInput({"url": _("Give a web address (URL).")}) from error
    schemes = ("https", "http") if settings.WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in schemes or not parts.hostname or port == 0:
        raise InvalidInput({"url": _("Give an https address with a host name.")})
    if parts.username or parts.password or parts.fragment:
        raise InvalidInput({"url": _("Leave user names, passwords and fragments out of it.")})
    if len(url) > 2000:
        raise InvalidInput({"url": _("Use at most 2000 characters.")})
    return url


def _check_types(types: list[str]) -> list[str]:
    available = set(event_types_available())
    unknown = [t for t in types if t not in available]
    if not types or unknown or len(set(types)) != len(types):
        raise InvalidInput(
            {"event_types": _("Give one or more different event types from the list.")}
        )
    return types


def webhook_subscribe(
    *, by: Any, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookSubscription, str]:
    """An auditor subscribes ``url`` to ``event_types``; returns the subscription and its
    signing secret (``whsec_…``), which is not shown again."""
    if not can_manage_webhooks(by):
        raise NotPermitted(_("Only auditors may subscribe to webhooks."))
    url, types = _check_url(url), _check_types(event_types)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            owner=by,
            url=url,
            event_types=types,
            description=description.strip()[:200],
            secret=secret,
            created_at=timezone.now(),
        )
    return subscription, secret


def subscriptions_of(*, user: Any) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(owner=user, deleted_at__isnull=True)


def subscription_get_for(*, user: Any, pk: int) -> WebhookSubscription:
    subscription = subscriptions_of(user=user).filter(pk=pk).first()
    if subscription is None or not can_manage_webhooks(user, subscription):
        raise NotVisible(_("No such webhook subscription."))
    return subscription


def webhook_unsubscribe(*, by: Any, subscription: WebhookSubscription) -> None:
    """No more deliveries; the subscription and its log are kept."""
    with transaction.atomic():
        row = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if not can_manage_webhooks(by, row) or row.deleted_at is not None:
            raise NotVisible(_("No such webhook subscription."))
        row.deleted_at = timezone.now()
        row.save(update_fields=["deleted_at"])


# --- deliveries -------------------------------------------------------------------------------


def _body(event: AuditEvent) -> str:
    payload = {
        "type": event_type(event.action),
        "timestamp": utc_text(event.occurred_at),
        "data": EventSerializer(event).data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def live_subscriptions_exist() -> bool:
    """Whether any subscription is live (``live_subscriptions``: one condition, kept SQL)."""
    return bool(live_subscriptions())


# The live subscriptions' SQL, compiled once per database: every committed event asks for them
# (``deliveries_on_event``), and building the query cost ten times running it on an empty table.
_LIVE_SQL: OrderedDict[Hashable, KeptRows[WebhookSubscription]] = OrderedDict()


def live_subscriptions() -> list[WebhookSubscription]:
    """``list(WebhookSubscription.objects.filter(deleted_at__isnull=True))``, from kept SQL."""
    alias = router.db_for_read(WebhookSubscription)
    live = kept(
        _LIVE_SQL,
        (alias, connections[alias].vendor),
        lambda: KeptRows(
            WebhookSubscription.objects.using(alias).filter(deleted_at__isnull=True), alias, {}
        ),
        limit=8,
    )
    return live.objects({})


def deliveries_create(*, event_id: int) -> list[int]:
    """A delivery for each live subscription to this event's type (once per subscription)."""
    live = live_subscriptions()
    if not live:  # the usual case: no query for the event
        return []
    event = AuditEvent.objects.select_related("application").filter(pk=event_id).first()
    if event is None:
        return []
    kind = event_type(event.action)
    subscriptions = [s for s in live if kind in s.event_types or ALL_TYPES in s.event_types]
    if not subscriptions:
        return []
    body, now, made = _body(event), timezone.now(), []
    for subscription in subscriptions:
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    subscription=subscription,
                    event=event,
                    message_id="msg_" + secrets.token_urlsafe(18),
                    event_type=kind,
                    body=body,
                    created_at=now,
                    next_attempt_at=now,
                )
        except IntegrityError:  # already made (the hook ran twice)
            continue
        made.append(delivery.pk)
    return made


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``id.timestamp.body`` with the secret's key bytes."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer like any other non-2xx: not delivered


_OPENER = urllib.request.build_opener(_NoRedirects)


def _destination_allowed(url: str) -> str | None:
    """None when the URL may be called now; otherwise why not."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not settings.WEBHOOKS_ALLOW_HTTP:
        return "only https addresses are called"
    if settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname or "", parts.port or 443)
    except OSError as error:
        return f"the host name does not resolve ({error})"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            return f"{address} is not a public address"
    return None


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retry_in: float | None  # seconds until the next attempt, or None (delivered, failed, busy)


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Take the delivery for one attempt (a lease, so that a task and the tick never send it
    twice at once); None when it is not due or someone else holds it."""
    now = timezone.now()
    due = WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=delivery_id,
        status=DeliveryStatus.PENDING,
    )
    if not due.update(next_attempt_at=now + LEASE):
        return None
    return WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)


def delivery_attempt(*, delivery_id: int, replay: bool = False) -> Outcome:
    """Send the delivery once, log the attempt, and settle what comes next."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return Outcome(False, None)
    trigger = (
        AttemptTrigger.REPLAY
        if replay
        else (AttemptTrigger.RETRY if delivery.attempts else AttemptTrigger.FIRST)
    )
    subscription, started = delivery.subscription, timezone.now()
    clock = time.monotonic()
    status_code, error = None, ""
    refused = _destination_allowed(subscription.url)
    if subscription.deleted_at is not None:
        error = "the subscription was deleted"
    elif refused:
        error = f"not called: {refused}"
    else:
        stamp = int(time.time())
        request = urllib.request.Request(
            subscription.url,
            data=delivery.body.encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Sandbox-Webhooks/1",
                "webhook-id": delivery.message_id,
                "webhook-timestamp": str(stamp),
                "webhook-signature": signature(
                    subscription.secret, delivery.message_id, stamp, delivery.body
                ),
            },
        )
        try:
            with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT) as answer:
                status_code = answer.status
                answer.read(4096)
        except urllib.error.HTTPError as failure:
            status_code = failure.code
        except (urllib.error.URLError, OSError, ValueError) as failure:
            error = str(getattr(failure, "reason", failure))[:500]
    elapsed = int((time.monotonic() - clock) * 1000)
    delivered = status_code is not None and 200 <= status_code < 300
    delays = settings.WEBHOOK_RETRY_DELAYS
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        WebhookAttempt.objects.create(
            delivery=row,
            trigger=trigger,
            started_at=started,
            duration_ms=elapsed,
            status_code=status_code,
            error=error,
        )
        row.attempts += 1
        row.last_status_code, row.last_error = status_code, error
        retry_in: float | None = None
        if delivered:
            row.status, row.delivered_at, row.next_attempt_at = (
                DeliveryStatus.SUCCEEDED,
                timezone.now(),
                None,
            )
        elif subscription.deleted_at is None and row.attempts <= len(delays):
            retry_in = float(delays[row.attempts - 1])
            row.next_attempt_at = timezone.now() + dt.timedelta(seconds=retry_in)
        else:
            row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
        row.save()
    return Outcome(delivered, retry_in)


def delivery_get_for(*, user: Any, subscription_pk: int, pk: int) -> WebhookDelivery:
    subscription = subscription_get_for(user=user, pk=subscription_pk)
    delivery = subscription.deliveries.filter(pk=pk).first()
    if delivery is None:
        raise NotVisible(_("No such delivery."))
    return delivery


def webhook_replay(*, by: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (delivered or failed), with its retry schedule afresh."""
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        subscription = row.subscription
        if not can_manage_webhooks(by, subscription) or subscription.deleted_at is not None:
            raise NotVisible(_("No such delivery."))
        row.status, row.attempts, row.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
        row.save(update_fields=["status", "attempts", "next_attempt_at"])
    return row


def deliveries_due(*, limit: int = 200) -> list[int]:
    """Pending deliveries whose next attempt is due (their task may have been lost)."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
