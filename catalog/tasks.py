"""Celery tasks: thin wrappers over :mod:`catalog.sync` and :mod:`catalog.webhook_batches`.

Each is idempotent: running one twice converges on the same catalog (a full sync started while
another runs is recorded as skipped). A sync task returns ``{"run": <SyncRun id>, "status": ...}``;
a failed run is recorded on its SyncRun rather than raised, so Celery does not retry it blindly
(the next webhook or scheduled resync does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import shared_task

from catalog import sync, webhook_batches
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


@shared_task(name="catalog.tasks.process_webhook_events_task")
def process_webhook_events_task() -> dict[str, Any]:
    return webhook_batches.process_queued_events().as_dict()
