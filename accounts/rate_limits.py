"""Rate limits on the account forms (sign in, register, password reset, newsletter), per IP
address and per email address, counted in Django's cache.

Why not django-ratelimit: what is counted must include the email a form names (a per-email
limit stops one account being guessed from many addresses), which is only known once the form is
read, and the project already has one shared-cache bucket (:mod:`catalog.rate_limits`, atomic
``incr`` on Redis and in local memory) that the webhook endpoint uses: the account forms draw
from the same kind of bucket. With ``CACHE_URL`` pointing at Redis the counts are shared by every
web process, so the limits hold across processes and machines.

The windows are fixed (``ACCOUNT_RATE_LIMIT_WINDOW`` seconds): simple, and an attacker gains at
most one extra window's worth at a boundary. Email addresses are hashed into the key, so the
cache holds no address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings

from catalog.rate_limits import take


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
        allowed &= _take(attempt.action, "ip", attempt.ip, settings.ACCOUNT_RATE_LIMIT_PER_IP)
    if attempt.email:
        email = attempt.email.strip().lower()
        allowed &= _take(attempt.action, "email", email, settings.ACCOUNT_RATE_LIMIT_PER_EMAIL)
    return allowed


def _take(action: str, kind: str, value: str, capacity: int) -> bool:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return take(
        f"account:{action}:{kind}:{digest}",
        capacity=capacity,
        period=settings.ACCOUNT_RATE_LIMIT_WINDOW,
    )
