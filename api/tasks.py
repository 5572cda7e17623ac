"""Webhook deliveries in the background (django-tasks: in-process by default, ``db_worker`` in
production). A failed attempt is retried after ``WEBHOOK_RETRY_DELAYS`` by enqueueing the task
again to run then (backends that can defer, such as the database queue); the scheduler's tick
sends whatever is due and was not (a lost task, or an in-process backend that cannot wait)."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from api import webhooks

logger = logging.getLogger(__name__)


@task()
def deliver_webhook(*, delivery_id: int, replay: bool = False) -> bool:
    """One attempt at one delivery; queues the next one when it failed and may be retried."""
    outcome = webhooks.delivery_attempt(delivery_id=delivery_id, replay=replay)
    if outcome.retry_in is not None:
        enqueue_delivery(delivery_id=delivery_id, delay=outcome.retry_in)
    return outcome.delivered


def enqueue_delivery(*, delivery_id: int, delay: float = 0, replay: bool = False) -> None:
    """Queue an attempt (now, or after ``delay`` seconds where the backend can wait); if even
    queueing fails, the scheduler's tick sends it when it is due."""
    try:
        if delay:
            if not deliver_webhook.get_backend().supports_defer:
                return  # the tick sends it when due
            later = deliver_webhook.using(run_after=timezone.now() + dt.timedelta(seconds=delay))
            later.enqueue(delivery_id=delivery_id, replay=replay)
        else:
            deliver_webhook.enqueue(delivery_id=delivery_id, replay=replay)
    except Exception:
        logger.exception("Could not queue webhook delivery %s; the tick will send it", delivery_id)


def deliveries_on_event(*, event_id: int) -> None:
    """``applications.effects.on_event``: deliveries for the committed event, queued."""
    for delivery_id in webhooks.deliveries_create(event_id=event_id):
        enqueue_delivery(delivery_id=delivery_id)


def deliveries_on_events(*, event_ids: list[int]) -> None:
    """``deliveries_on_event`` for many events committed together (the sweep's chunks): nothing
    to read per event while no subscription is live."""
    if not webhooks.live_subscriptions_exist():
        return
    for event_id in event_ids:
        deliveries_on_event(event_id=event_id)


def deliver_due() -> str:
    """The scheduler's tick: send the deliveries that are due (their task was lost or the task
    backend cannot wait)."""
    due = webhooks.deliveries_due()
    delivered = sum(webhooks.delivery_attempt(delivery_id=pk).delivered for pk in due)
    if not due:
        return ""
    return f"webhooks: {delivered} of {len(due)} due deliveries delivered"
