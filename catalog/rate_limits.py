"""Buckets of tokens kept in the shared cache, so every web process draws from the same one:
the webhook endpoint's per-source-address limit and the shop-wide cap on live Centra lookups.

A bucket holds ``capacity`` tokens and is refilled whole at the start of each ``period``
(counted from the epoch, so every process agrees on the boundaries). Taking a token is one
atomic ``incr`` on a key of that period, which Redis (and the local-memory cache) do without a
race between processes; a read-then-write would let a burst through between the two.

When the cache itself fails the token is granted: a cache outage must not take the webhook
endpoint or the catalog pages down with it (Centra's own rate limit still applies).
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

log = logging.getLogger(__name__)

_PREFIX = "ratelimit:"


def take(name: str, *, capacity: int, period: float, now: float | None = None) -> bool:
    """Take one token from the bucket ``name``; False when it is empty for this period.
    A capacity of 0 or less means no limit."""
    if capacity <= 0:
        return True
    current = time.time() if now is None else now
    window = int(current // period)
    key = f"{_PREFIX}{name}:{window}"
    # Kept a little past the period's end, never less than a second.
    timeout = max(1, int(period - current % period) + 1)
    try:
        cache.add(key, 0, timeout)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout)
            used = 1
    except Exception:
        log.warning("rate limit bucket %s unavailable; letting the request through", name)
        return True
    return used <= capacity


def retry_after(period: float, now: float | None = None) -> int:
    """Whole seconds until the bucket refills."""
    current = time.time() if now is None else now
    return max(1, int(period - current % period + 0.999))
