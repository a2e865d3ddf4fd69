"""Rate limits on the account forms (sign in, register, password reset, newsletter), per IP
address and per email address, counted in Django's cache.

Why our own limiter rather than django-ratelimit: what is counted must include the email a form
names (a per-email limit stops one account being guessed from many addresses), which is only
known once the form is read; the rule is a dozen lines on ``cache.add`` + ``cache.incr``, which
are atomic on Redis and in local memory; and a new dependency would bring a decorator API this
project would use for one call. With ``CACHE_URL`` pointing at Redis the counts are shared by
every web process, so the limits hold across processes and machines.

The windows are fixed (``ACCOUNT_RATE_LIMIT_WINDOW`` seconds, counted from each window's first
attempt): simple, and an attacker gains at most one extra window's worth at a boundary. Email
addresses are hashed into the key, so the cache holds no address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "account-limit"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at ``action`` from ``ip`` (may be "") for ``email`` (may be None)."""

    action: str
    ip: str
    email: str | None = None


def allow(attempt: Attempt) -> bool:
    """Count the attempt; False when the IP or the email has used up its window's allowance
    (the attempt is counted either way, so hammering a limit keeps it shut)."""
    allowed = True
    if attempt.ip:
        allowed &= _count(attempt.action, "ip", attempt.ip) <= settings.ACCOUNT_RATE_LIMIT_PER_IP
    if attempt.email:
        email = attempt.email.strip().lower()
        allowed &= _count(attempt.action, "email", email) <= settings.ACCOUNT_RATE_LIMIT_PER_EMAIL
    return allowed


def _count(action: str, kind: str, value: str) -> int:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    key = f"{KEY_PREFIX}:{action}:{kind}:{digest}"
    window = settings.ACCOUNT_RATE_LIMIT_WINDOW
    # add() only creates the counter (with the window as its lifetime); incr() is atomic.
    cache.add(key, 0, window)
    try:
        return int(cache.incr(key))
    except ValueError:  # evicted or expired between the two calls: a new window
        cache.set(key, 1, window)
        return 1
