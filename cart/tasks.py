"""Celery tasks: thin wrappers over :mod:`cart.order_events`."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.exceptions import Retry
from django.conf import settings

from cart import order_events


@shared_task(bind=True, name="cart.tasks.send_order_event_task")
def send_order_event_task(self: Any, event_id: int) -> str | Retry:
    """One delivery attempt of an order event; a failed one is retried by Celery, after
    :func:`cart.order_events.retry_delay`, up to ``ORDER_EVENT_MAX_RETRIES`` times. Returns the
    attempt's outcome (``sent``, ``failed``, ``skipped``)."""
    retries, limit = self.request.retries, settings.ORDER_EVENT_MAX_RETRIES
    outcome = order_events.send_order_event(event_id, can_retry=retries < limit)
    if outcome is not order_events.Outcome.RETRY:
        return outcome.value
    countdown = order_events.retry_delay(retries)
    # A worker schedules the retry when it is raised. Run eagerly (no broker), Celery runs it at
    # once when it is returned; raised, it would escape to the caller as an error
    # (CELERY_TASK_EAGER_PROPAGATES) instead.
    eager = bool(self.request.is_eager)
    return self.retry(countdown=countdown, max_retries=limit, throw=not eager)
