"""Centra's webhooks into the local catalog: store every delivery, then apply bursts together.

A delivery is verified and stored as a ``WebhookEvent`` in the request (so the endpoint answers
fast and nothing is lost), and :mod:`catalog.webhook_schedule` has a processing task run once
the deliveries pause; :mod:`catalog.webhook_batches` applies the queued events together.

A delivery that fails verification (a missing or bad signature, a stale timestamp, an
oversized body, too many from one address) is never stored: it is counted in the bounded
record of :mod:`catalog.webhook_rejections`.

Statuses: ``rejected`` (signed, but the payload is malformed; never processed), ``ignored``
(a replay, or nothing the catalog syncs), ``queued`` -> ``processing`` -> ``processed`` or
``failed`` (with the error; staff can re-queue a failed event). A batch that fails for a
reason that passes goes back to ``queued`` (error "will retry: ...") until its last retry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from catalog import webhook_rejections, webhook_schedule
from catalog.models import WebhookEvent
from centra.webhooks import (
    DEFAULT_TOLERANCE,
    FORM_CONTENT_TYPE,
    FUTURE_SKEW,
    InvalidSignature,
    MalformedPayload,
    parse_payload,
    verify_signature,
)

log = logging.getLogger(__name__)

# Centra batches at most a few hundred ids per call; a body far larger is not a delivery.
MAX_BODY_BYTES = 64 * 1024
Status = WebhookEvent.Status


@dataclass(frozen=True)
class Receipt:
    """What the endpoint stored (None when it refused the delivery unstored) and answers."""

    event: WebhookEvent | None
    http_status: int
    body: dict[str, Any] = field(default_factory=dict)


# -- receiving --------------------------------------------------------------------------------


def receive_webhook(
    raw_body: bytes,
    *,
    signature: str | None,
    content_type: str = FORM_CONTENT_TYPE,
    now: float | None = None,
    source: str = "",
) -> Receipt:
    """Verify, parse and store one delivery; enqueue its processing on commit.

    ``raw_body`` is the request body exactly as received: the signature covers those bytes.
    It is verified before anything is stored: a delivery that fails verification is only
    counted (:mod:`catalog.webhook_rejections`, by ``source`` address). A signed delivery is
    stored whatever its payload, so staff see what Centra sent. Without
    ``CENTRA_WEBHOOK_SECRET`` deliveries are accepted unsigned (signature_valid None), and a
    malformed one is only counted, as nothing vouches for it.
    """
    if len(raw_body) > MAX_BODY_BYTES:
        return refuse_oversized(len(raw_body), source)
    secret = settings.CENTRA_WEBHOOK_SECRET
    timestamp: int | None = None
    if secret:
        try:
            timestamp = verify_signature(
                secret, signature, raw_body, now=now, tolerance=DEFAULT_TOLERANCE
            )
        except InvalidSignature as exc:
            return _refuse(source, 401, "signature", exc.reason, raw_body)
    else:
        _warn_unsigned_once()
    try:
        if content_type and content_type != FORM_CONTENT_TYPE:
            raise MalformedPayload(f"not a form ({content_type[:60]})")
        payload = parse_payload(raw_body)
    except MalformedPayload as exc:
        if not secret:
            return _refuse(source, 400, "payload", exc.reason, raw_body)
        event = WebhookEvent(
            raw_body=_as_text(raw_body), signature_valid=True, signature_timestamp=timestamp
        )
        return _reject(event, 400, "payload", exc.reason)
    event = WebhookEvent(
        raw_body=_as_text(raw_body),
        signature_valid=True if secret else None,
        signature_timestamp=timestamp,
        payload=payload,
        object_ids=catalog_ids(payload),
    )
    _classify(event)
    with transaction.atomic():
        event.save()
        if event.status == Status.QUEUED:
            transaction.on_commit(webhook_schedule.delivery_queued)
    sizes = {key: len(ids) for key, ids in event.object_ids.items()}
    log.info("centra webhook #%s %s %s", event.pk, event.status, sizes or event.error)
    return Receipt(event, 200)


def _as_text(raw_body: bytes) -> str:
    # Kept as text for staff; PostgreSQL text cannot hold NUL, which no real delivery contains.
    return raw_body.decode("ascii", errors="replace").replace("\x00", "\ufffd")


def refuse_oversized(length: int, source: str = "") -> Receipt:
    """Count a delivery refused for its size, unread."""
    return _refuse(source, 413, "body", f"body too large (limit {MAX_BODY_BYTES} bytes)")


def refuse_rate_limited(source: str) -> Receipt:
    """Count a delivery refused unread because its address sent too many."""
    return _refuse(source, 429, "rate", "too many deliveries from this address")


def catalog_ids(payload: dict[str, list[str]]) -> dict[str, list[str]]:
    """The ids of the kinds the catalog syncs, de-duplicated and in numeric order; other keys
    (``warehouses``, ``campaigns``, ...) are kept in the payload only."""
    return {
        key: sorted(set(payload[key]), key=int)
        for key in WebhookEvent.CATALOG_KEYS
        if payload.get(key)
    }


def _classify(event: WebhookEvent) -> None:
    replayed = _earlier_delivery(event) if event.signature_valid else None
    if replayed is not None:
        event.status = Status.IGNORED
        event.error = f"replay of webhook #{replayed}"
    elif not event.object_ids:
        event.status = Status.IGNORED
        keys = ", ".join(sorted(event.payload)) or "none"
        event.error = f"names nothing the catalog syncs (keys: {keys[:200]})"
    else:
        event.status = Status.QUEUED


def _earlier_delivery(event: WebhookEvent) -> int | None:
    """The id of an accepted delivery with the same timestamp and body, hence the same
    signature. Only deliveries received since the timestamp (less the allowed skew) can match,
    and anything older than the tolerance fails verification as stale before it gets here."""
    assert event.signature_timestamp is not None
    since = datetime.fromtimestamp(event.signature_timestamp - FUTURE_SKEW - 1, tz=UTC)
    return (
        WebhookEvent.objects.filter(
            received_at__gte=since,
            signature_valid=True,
            signature_timestamp=event.signature_timestamp,
            raw_body=event.raw_body,
        )
        .exclude(status=Status.REJECTED)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )


def _refuse(
    source: str, http_status: int, field_name: str, reason: str, raw_body: bytes = b""
) -> Receipt:
    webhook_rejections.record(source, f"{http_status} {field_name}: {reason}", raw_body)
    log.warning("centra webhook from %s refused (%s): %s", source or "?", http_status, reason)
    return Receipt(None, http_status, {"errors": {field_name: reason}})


def _reject(event: WebhookEvent, http_status: int, field_name: str, reason: str) -> Receipt:
    event.status = Status.REJECTED
    event.error = reason
    event.save()
    log.warning("centra webhook #%s rejected (%s): %s", event.pk, http_status, reason)
    return Receipt(event, http_status, {"errors": {field_name: reason}})


_warned_unsigned = False


def _warn_unsigned_once() -> None:
    global _warned_unsigned
    if not _warned_unsigned:
        _warned_unsigned = True
        log.warning(
            "CENTRA_WEBHOOK_SECRET is not set: accepting unsigned Centra webhooks. "
            "Set the plugin's endpoint secret in Centra and here."
        )


def requeue_failed(event_ids: Iterable[int]) -> int:
    """Put failed events back in the queue and enqueue their processing; returns how many.
    Other statuses are left alone: a rejected or replayed delivery is never applied."""
    with transaction.atomic():
        count = WebhookEvent.objects.filter(id__in=list(event_ids), status=Status.FAILED).update(
            status=Status.QUEUED, error="", processed_at=None
        )
        if count:
            transaction.on_commit(webhook_schedule.enqueue_now)
    return count
