"""The Celery tasks (eager without a broker, as in the embedded setup) and the beat schedule."""

from __future__ import annotations

import httpx
import pytest
from django.conf import settings

from catalog.models import Product, SyncRun
from catalog.tasks import (
    full_sync_task,
    process_webhook_events_task,
    sync_products_task,
)
from centra_sandbox import Sandbox
from storefront.celery import app
from tests.catalog import upstream

pytestmark = pytest.mark.django_db

PLAIN = 101


def test_full_sync_task_runs_a_full_sync_and_is_idempotent(centra_sandbox: Sandbox) -> None:
    first = full_sync_task.delay(trigger="admin").get()
    second = full_sync_task.delay(trigger="admin").get()

    runs = list(SyncRun.objects.order_by("pk"))
    assert first == {"run": runs[0].pk, "status": "succeeded"}
    assert second == {"run": runs[1].pk, "status": "succeeded"}
    assert [(r.kind, r.trigger) for r in runs] == [("full", "admin"), ("full", "admin")]
    assert runs[1].counts == upstream.zero_counts()
    assert upstream.local_counts() == upstream.counts(centra_sandbox.store)


def test_full_sync_task_defaults_to_the_schedule_trigger() -> None:
    result = full_sync_task.delay().get()

    assert SyncRun.objects.get(pk=result["run"]).trigger == SyncRun.Trigger.SCHEDULE


def test_sync_products_task_applies_a_change(control: httpx.Client) -> None:
    full_sync_task.delay(trigger="command").get()
    control.put(f"products/{PLAIN}", json={"active": False})

    result = sync_products_task.delay([str(PLAIN)]).get()

    run = SyncRun.objects.get(pk=result["run"])
    assert (run.kind, run.trigger, run.status) == ("partial", "webhook", "succeeded")
    assert not Product.objects.filter(pk=PLAIN).exists()
    # Again: nothing left to do.
    again = SyncRun.objects.get(pk=sync_products_task.delay([str(PLAIN)]).get()["run"])
    assert again.counts == upstream.zero_counts()


def test_the_beat_schedule_names_the_registered_full_sync_task() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["catalog-full-resync"]

    assert entry["task"] == full_sync_task.name == "catalog.tasks.full_sync_task"
    assert entry["kwargs"] == {"trigger": "schedule"}
    assert entry["task"] in app.tasks
    assert "catalog.tasks.sync_products_task" in app.tasks
    assert process_webhook_events_task.name in app.tasks
