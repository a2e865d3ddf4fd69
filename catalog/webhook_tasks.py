"""The Celery task that applies queued Centra webhooks (logic in ``catalog.webhooks``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="catalog.webhook_tasks.process_webhook_events")
def process_webhook_events_task() -> dict[str, Any]:
    # Imported here because catalog.webhooks imports this module to enqueue the task.
    from catalog.webhooks import process_queued_events

    return process_queued_events().as_dict()
