"""Whether the local copy of the catalog can be trusted to know every product: the last full
sync succeeded less than ``CATALOG_SYNC_STALE_MINUTES`` ago (webhooks keep it current between
full syncs). Pages use it to answer "not found" without asking Centra."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from catalog.models import SyncRun

_KEY = "catalog:last-full-sync"
# Seconds one process trusts its reading before asking the database again.
_RECHECK = 30


def last_full_sync() -> float:
    """Unix time the last successful full sync finished; 0 when none has."""
    cached = cache.get(_KEY)
    if isinstance(cached, float | int):
        return float(cached)
    finished = (
        SyncRun.objects.filter(
            kind=SyncRun.Kind.FULL, status=SyncRun.Status.SUCCEEDED, finished_at__isnull=False
        )
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    value = finished.timestamp() if finished is not None else 0.0
    cache.set(_KEY, value, _RECHECK)
    return value


def copy_is_fresh(now: float | None = None) -> bool:
    current = time.time() if now is None else now
    return current - last_full_sync() < settings.CATALOG_SYNC_STALE_MINUTES * 60
