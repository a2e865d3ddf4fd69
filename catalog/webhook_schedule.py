"""When queued webhook events are processed: once the deliveries pause, at most one run per
pause, and never later than a bound while they keep coming.

A burst (Centra announcing a bulk edit, an import) is a stream of deliveries naming the same
products over and over. Processing each delivery's events at once fetched each product once per
delivery. Instead, the first delivery of a burst schedules one processing task
``CATALOG_WEBHOOK_COALESCE_SECONDS`` ahead, and every delivery notes its arrival in the shared
cache; the task, when it runs, waits on (re-scheduling itself) while a delivery came in during
the last window, so a burst is applied in one run a window after it ends. A stream that never
pauses is still applied every ``CATALOG_WEBHOOK_MAX_DELAY_SECONDS``.

The marks live in the shared cache (Redis in production), so every web process and worker
agrees; with a process-local cache there is no coalescing beyond claiming every queued event.
If the cache forgets them (eviction, a restart) a task runs at once: an extra fetch, never a
lost event, as the events themselves are rows in the database. In-process ("eager") Celery
runs each task at once, as before.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

# When the burst's first delivery scheduled the task (its presence: a task is scheduled).
PENDING_KEY = "catalog:webhooks:pending-since"
# When the latest delivery arrived.
LATEST_KEY = "catalog:webhooks:latest"


def window() -> float:
    return float(settings.CATALOG_WEBHOOK_COALESCE_SECONDS)


def max_delay() -> float:
    return max(window(), float(settings.CATALOG_WEBHOOK_MAX_DELAY_SECONDS))


def _mark_timeout() -> int:
    # Outlives the longest wait; a mark left by a task that was lost expires after it, and the
    # next delivery schedules a new one.
    return int(max_delay() + window()) + 60


def delivery_queued(now: float | None = None) -> None:
    """A delivery's events were stored as queued: schedule a run unless one is scheduled."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        _enqueue(0)  # runs here and now: nothing to coalesce with
        return
    if not _shared_cache():
        # The worker cannot see this process's marks: schedule each delivery's run, as before
        # (the first run claims every queued event; the others find nothing).
        _enqueue(window())
        return
    current = time.time() if now is None else now
    try:
        cache.set(LATEST_KEY, current, _mark_timeout())
        first = cache.add(PENDING_KEY, current, _mark_timeout())
    except Exception:
        log.warning("cache unavailable: scheduling webhook processing without coalescing")
        first = True
    if first:
        _enqueue(window())


def _shared_cache() -> bool:
    return settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache"


def enqueue_now() -> None:
    """Process the queue without waiting for a pause (staff re-queued failed events)."""
    _enqueue(0)


def due_in(now: float | None = None) -> float:
    """Seconds the scheduled run should still wait; 0: run now."""
    current = time.time() if now is None else now
    try:
        latest, since = cache.get(LATEST_KEY), cache.get(PENDING_KEY)
    except Exception:
        return 0.0
    if not isinstance(latest, float | int) or not isinstance(since, float | int):
        return 0.0
    quiet = current - latest
    waited = current - since
    if quiet >= window() or waited >= max_delay():
        return 0.0
    return max(0.0, min(window() - quiet, max_delay() - waited))


def run_started() -> None:
    """The scheduled run starts: deliveries from now on schedule the next one (the run may or
    may not see their events; the next run takes what it left)."""
    try:
        cache.delete(PENDING_KEY)
    except Exception:
        log.warning("cache unavailable: could not clear the webhook schedule mark")


def _enqueue(countdown: float) -> None:
    # Imported here: the task module imports the processing, which imports this module's users.
    from catalog.tasks import process_webhook_events_task

    try:
        process_webhook_events_task.apply_async(countdown=countdown)
    except Exception:
        # The events are stored as queued: the next delivery's task (or a re-process) claims
        # them, and the scheduled full resync covers them; failing the response would not help.
        log.exception("could not enqueue webhook processing")
        run_started()
