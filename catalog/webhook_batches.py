"""Applying stored Centra webhooks: claim every queued event at once, union the ids they name,
run one partial sync, and mark the events processed or failed.

Whichever task runs first claims *every* queued event (:func:`claim_queued_events`), so a burst
of overlapping webhooks costs one fetch per id; the tasks that run after it find nothing left to
claim. Receiving and storing deliveries is :mod:`catalog.webhooks`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from catalog import sync
from catalog.models import SyncRun, WebhookEvent

log = logging.getLogger(__name__)

# Events claimed by one task; more stay queued for the tasks enqueued with them.
CLAIM_LIMIT = 1000
# A claim older than this was left by a worker that died mid-run (acks_late redelivers the task,
# but the events are no longer queued); it is taken over. A sync is idempotent, so a slow run
# that is taken over costs a fetch, not correctness.
STALE_CLAIM = timedelta(minutes=15)
MAX_ERROR_LENGTH = 2000
Status = WebhookEvent.Status
PRODUCTS = WebhookEvent.PRODUCTS
REFERENCE_KINDS = WebhookEvent.REFERENCE_KINDS
PROCESSING = Status.PROCESSING


@dataclass(frozen=True)
class BatchResult:
    """One processing run: the events it claimed and the sync it made of them."""

    event_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    reference_kinds: list[str] = field(default_factory=list)
    sync_run_ids: list[int] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.event_ids,
            "products": self.product_ids,
            "reference": self.reference_kinds,
            "sync_runs": self.sync_run_ids,
            "error": self.error,
        }


def process_queued_events(*, client: Any = None, limit: int = CLAIM_LIMIT) -> BatchResult:
    """Claim every queued event, run one partial sync of the union of their ids, and mark them
    processed or failed. Safe to run at any time and in several workers at once."""
    events = claim_queued_events(limit)
    if not events:
        return BatchResult()
    products, kinds = _union(events)
    runs: list[SyncRun] = []
    try:
        if kinds:
            runs.append(sync.refresh_reference(set(kinds), trigger="webhook", client=client))
        if products:
            runs.append(sync.sync_products(products, trigger="webhook", client=client))
        error = "; ".join(_run_error(run) for run in runs if run.status != SyncRun.Status.SUCCEEDED)
    except Exception as exc:
        # Recorded on every claimed event, where staff see it and can re-process.
        log.exception("webhook processing failed for events %s", [e.pk for e in events])
        error = f"{type(exc).__name__}: {exc}"
    event_ids = [event.pk for event in events]
    _finish(event_ids, error)
    return BatchResult(
        event_ids=event_ids,
        product_ids=products,
        reference_kinds=kinds,
        sync_run_ids=[run.pk for run in runs],
        error=error,
    )


def claim_queued_events(limit: int = CLAIM_LIMIT) -> list[WebhookEvent]:
    """Atomically move queued events (and stale claims) to processing and return them.

    On PostgreSQL rows another worker is claiming are skipped (``SKIP LOCKED``); on SQLite,
    which has no row locks, the conditional UPDATE still lets only one claimer win each row.
    ``processed_at`` holds the claim time while processing, which tells this claim's rows apart
    and lets a stale claim be taken over.
    """
    claimed_at = timezone.now()
    claimable = Q(status=Status.QUEUED) | Q(
        status=PROCESSING, processed_at__lt=claimed_at - STALE_CLAIM
    )
    with transaction.atomic():
        candidates = WebhookEvent.objects.filter(claimable).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        WebhookEvent.objects.filter(claimable, id__in=ids).update(
            status=PROCESSING, processed_at=claimed_at, error=""
        )
    return list(
        WebhookEvent.objects.filter(
            id__in=ids, status=PROCESSING, processed_at=claimed_at
        ).order_by("id")
    )


def _union(events: list[WebhookEvent]) -> tuple[list[int], list[str]]:
    products: set[int] = set()
    kinds: set[str] = set()
    for event in events:
        ids = event.object_ids or {}
        products.update(int(i) for i in ids.get(PRODUCTS, []))
        kinds.update(kind for kind in REFERENCE_KINDS if ids.get(kind))
    return sorted(products), sorted(kinds)


def _run_error(run: SyncRun) -> str:
    return f"{run.kind} sync #{run.pk} {run.status}: {run.error or 'no error recorded'}"


def _finish(event_ids: list[int], error: str) -> None:
    WebhookEvent.objects.filter(id__in=event_ids, status=PROCESSING).update(
        status=Status.FAILED if error else Status.PROCESSED,
        error=error[:MAX_ERROR_LENGTH],
        processed_at=timezone.now(),
    )
