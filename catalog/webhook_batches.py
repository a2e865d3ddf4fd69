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
from centra.errors import CentraValidationError

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
    refused_ids: list[int] = field(default_factory=list)
    retry: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.event_ids,
            "products": self.product_ids,
            "reference": self.reference_kinds,
            "sync_runs": self.sync_run_ids,
            "error": self.error,
            "refused": self.refused_ids,
            "retry": self.retry,
        }


def process_queued_events(
    *, client: Any = None, limit: int = CLAIM_LIMIT, final: bool = True
) -> BatchResult:
    """Claim every queued event, run one partial sync of the union of their ids, and mark them
    processed, failed, or (after a passing failure, unless ``final``) queued again with
    ``retry`` set on the result. Safe to run at any time and in several workers at once."""
    events = claim_queued_events(limit)
    if not events:
        return BatchResult()
    products, kinds = _union(events)
    runs: list[SyncRun] = []
    refused: set[int] = set()
    try:
        if kinds:
            run = sync.refresh_reference(set(kinds), trigger="webhook", client=client)
            runs.append(run)
            if run.status != SyncRun.Status.SUCCEEDED:
                raise _Passing(_run_error(run))
        if products:
            refused = _sync_isolating(products, client, runs)
        error = ""
    except _Passing as exc:
        error = str(exc)
    except Exception as exc:
        log.exception("webhook processing failed for events %s", [e.pk for e in events])
        error = f"{type(exc).__name__}: {exc}"
    event_ids = [event.pk for event in events]
    retry = bool(error) and not final
    if retry:
        _requeue(event_ids, f"will retry: {error}")
    else:
        _finish(events, error, refused)
    return BatchResult(
        event_ids=event_ids,
        product_ids=products,
        reference_kinds=kinds,
        sync_run_ids=[run.pk for run in runs],
        error=error,
        refused_ids=sorted(refused),
        retry=retry,
    )


class _Passing(Exception):
    """A sync failed for a reason that may pass (Centra down, rate limited, a timeout)."""


def _sync_isolating(ids: list[int], client: Any, runs: list[SyncRun]) -> set[int]:
    """Sync ``ids``; the ids Centra refuses, found by halving a refused batch. Raises
    :class:`_Passing` when a run fails for another reason."""
    run = sync.sync_products(ids, trigger="webhook", client=client)
    runs.append(run)
    if run.status == SyncRun.Status.SUCCEEDED:
        return set()
    if not isinstance(run.failure, CentraValidationError):
        raise _Passing(_run_error(run))
    if len(ids) == 1:
        log.warning("Centra refused product %s: %s", ids[0], run.error)
        return set(ids)
    half = len(ids) // 2
    return _sync_isolating(ids[:half], client, runs) | _sync_isolating(ids[half:], client, runs)


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


def _finish(events: list[WebhookEvent], error: str, refused: set[int]) -> None:
    now = timezone.now()
    failed = [e.pk for e in events if _names_any(e, refused)] if refused and not error else []
    for pk in failed:
        event = next(e for e in events if e.pk == pk)
        named = sorted(refused & {int(i) for i in (event.object_ids or {}).get(PRODUCTS, [])})
        WebhookEvent.objects.filter(id=pk, status=PROCESSING).update(
            status=Status.FAILED,
            error=f"Centra refused product ids {named}; the event's other ids were applied",
            processed_at=now,
        )
    rest = [e.pk for e in events if e.pk not in failed]
    WebhookEvent.objects.filter(id__in=rest, status=PROCESSING).update(
        status=Status.FAILED if error else Status.PROCESSED,
        error=error[:MAX_ERROR_LENGTH],
        processed_at=now,
    )


def _names_any(event: WebhookEvent, ids: set[int]) -> bool:
    return any(int(i) in ids for i in (event.object_ids or {}).get(PRODUCTS, []))


def _requeue(event_ids: list[int], error: str) -> None:
    WebhookEvent.objects.filter(id__in=event_ids, status=PROCESSING).update(
        status=Status.QUEUED, error=error[:MAX_ERROR_LENGTH], processed_at=None
    )
