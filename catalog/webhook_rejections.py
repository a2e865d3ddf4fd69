"""The record of webhook deliveries refused before they were trusted: bounded and
self-cleaning, so a flood of forged or broken deliveries costs a counter, not storage.

One :class:`~catalog.models.RejectedWebhook` row per source address and reason, whose count
grows; it keeps the first bytes of the latest delivery (made printable) for staff to recognise
it. Rows untouched for ``KEEP`` are deleted, and past ``MAX_ROWS`` (many addresses, e.g. a
spoofing sender) the least recently seen go first; both only when a row is added, the only time
the table grows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import RejectedWebhook

log = logging.getLogger(__name__)

FIRST_BYTES = 120
MAX_ROWS = 500
KEEP = timedelta(days=7)
_REASON_LENGTH = RejectedWebhook._meta.get_field("reason").max_length or 120


def printable(raw: bytes, limit: int = FIRST_BYTES) -> str:
    """The first ``limit`` bytes as ASCII text, anything else escaped (NUL included, which
    PostgreSQL text cannot hold)."""
    return raw[:limit].decode("latin-1").encode("unicode_escape").decode("ascii")


def record(source: str, reason: str, raw: bytes = b"") -> None:
    """Count one refused delivery from ``source`` (an IP address, or "")."""
    now = timezone.now()
    reason = reason[:_REASON_LENGTH]
    first = printable(raw)[:200]
    rows = RejectedWebhook.objects.filter(source=source, reason=reason)
    if rows.update(count=F("count") + 1, last_at=now, first_bytes=first):
        return
    try:
        with transaction.atomic():
            RejectedWebhook.objects.create(
                source=source, reason=reason, count=1, first_at=now, last_at=now, first_bytes=first
            )
    except IntegrityError:
        # Another process added the row between our update and insert.
        rows.update(count=F("count") + 1, last_at=now, first_bytes=first)
        return
    prune(now)


def prune(now: datetime | None = None) -> int:
    """Delete rows untouched for ``KEEP``, then all but the ``MAX_ROWS`` most recent."""
    now = now or timezone.now()
    deleted, _ = RejectedWebhook.objects.filter(last_at__lt=now - KEEP).delete()
    newest_first = RejectedWebhook.objects.order_by("-last_at", "-id")
    beyond = list(newest_first.values_list("id", flat=True)[MAX_ROWS:])
    if beyond:
        more, _ = RejectedWebhook.objects.filter(id__in=beyond).delete()
        deleted += more
    return deleted
