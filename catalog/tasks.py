"""Celery tasks: thin wrappers over :mod:`catalog.sync` and :mod:`catalog.webhook_batches`.

Each is idempotent: running one twice converges on the same catalog (a full sync started while
another runs is recorded as skipped). A sync task returns ``{"run": <SyncRun id>, "status": ...}``;
a failed run is recorded on its SyncRun rather than raised, so Celery does not retry it blindly
(the next webhook or scheduled resync does). Webhook processing alone retries, through Celery,
with a bounded backoff: its events would otherwise wait hours for the next full resync.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from celery import Task, shared_task
from django.conf import settings

from catalog import sync, webhook_batches, webhook_schedule
from catalog.models import SyncRun


def _result(run: SyncRun) -> dict[str, Any]:
    return {"run": run.pk, "status": run.status}


@shared_task(name="catalog.tasks.full_sync_task")
def full_sync_task(trigger: str = SyncRun.Trigger.SCHEDULE.value) -> dict[str, Any]:
    return _result(sync.full_sync(trigger=trigger))


@shared_task(name="catalog.tasks.sync_products_task")
def sync_products_task(
    product_ids: Sequence[int | str], trigger: str = SyncRun.Trigger.WEBHOOK.value
) -> dict[str, Any]:
    return _result(sync.sync_products(product_ids, trigger=trigger))


@shared_task(bind=True, name="catalog.tasks.process_webhook_events_task", max_retries=None)
def process_webhook_events_task(self: Task) -> dict[str, Any]:
    """Apply the queued webhook events once the deliveries pause
    (:mod:`catalog.webhook_schedule`); after a failure that may pass, retry with backoff,
    ``CATALOG_WEBHOOK_MAX_RETRIES`` times, before the events are marked failed."""
    if not self.request.is_eager:
        wait = webhook_schedule.due_in()
        if wait > 0:
            # Deliveries are still arriving: the same run, later, takes them all at once.
            self.apply_async(countdown=wait)
            return {"deferred": wait}
    webhook_schedule.run_started()
    retries = self.request.retries or 0
    # In-process Celery has no worker to retry later, and retrying at once would hold the
    # delivery's request: there the first failure is final, as staff can re-process it.
    final = self.app.conf.task_always_eager or retries >= settings.CATALOG_WEBHOOK_MAX_RETRIES
    result = webhook_batches.process_queued_events(final=final)
    if result.retry:
        raise self.retry(countdown=retry_delay(retries))
    return result.as_dict()


def retry_delay(retries: int) -> float:
    """Seconds before retry number ``retries + 1``: ``CATALOG_WEBHOOK_RETRY_BACKOFF`` doubled
    each time, at most ten minutes, with jitter so workers do not retry in step."""
    base = min(600.0, settings.CATALOG_WEBHOOK_RETRY_BACKOFF * 2**retries)
    return base / 2 + random.uniform(0, base / 2)
