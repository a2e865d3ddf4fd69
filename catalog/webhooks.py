"""Centra's webhooks into the local catalog: store every delivery, then apply bursts together.

A delivery is verified and stored as a ``WebhookEvent`` in the request (so the endpoint answers
fast and nothing is lost), and a processing task is enqueued on commit with a countdown of
``CATALOG_WEBHOOK_COALESCE_SECONDS``; :mod:`catalog.webhook_batches` applies the queued events
together.

Statuses: ``rejected`` (bad signature, stale timestamp, malformed or oversized body; never
processed), ``ignored`` (a replay, or nothing the catalog syncs), ``queued`` -> ``processing``
-> ``processed`` or ``failed`` (with the error; staff can re-queue a failed event).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from catalog.models import WebhookEvent
from catalog.tasks import process_webhook_events_task
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
    """What the endpoint stored and what it answers."""

    event: WebhookEvent
    http_status: int
    body: dict[str, Any] = field(default_factory=dict)


# -- receiving --------------------------------------------------------------------------------


def receive_webhook(
    raw_body: bytes,
    *,
    signature: str | None,
    content_type: str = FORM_CONTENT_TYPE,
    now: float | None = None,
) -> Receipt:
    """Verify, parse and store one delivery; enqueue its processing on commit.

    ``raw_body`` is the request body exactly as received: the signature covers those bytes.
    Without ``CENTRA_WEBHOOK_SECRET`` deliveries are accepted unsigned (signature_valid None).
    """
    if len(raw_body) > MAX_BODY_BYTES:
        return refuse_oversized(len(raw_body))
    # Kept as text for staff; PostgreSQL text cannot hold NUL, which no real delivery contains.
    text = raw_body.decode("ascii", errors="replace").replace("\x00", "\ufffd")
    event = WebhookEvent(raw_body=text)
    secret = settings.CENTRA_WEBHOOK_SECRET
    if secret:
        try:
            event.signature_timestamp = verify_signature(
                secret, signature, raw_body, now=now, tolerance=DEFAULT_TOLERANCE
            )
        except InvalidSignature as exc:
            event.signature_valid = False
            return _reject(event, 401, "signature", exc.reason)
        event.signature_valid = True
    else:
        _warn_unsigned_once()
    try:
        if content_type and content_type != FORM_CONTENT_TYPE:
            raise MalformedPayload(f"not a form ({content_type[:60]})")
        payload = parse_payload(raw_body)
    except MalformedPayload as exc:
        return _reject(event, 400, "payload", exc.reason)
    event.payload = payload
    event.object_ids = catalog_ids(payload)
    _classify(event)
    with transaction.atomic():
        event.save()
        if event.status == Status.QUEUED:
            transaction.on_commit(_enqueue_processing)
    sizes = {key: len(ids) for key, ids in event.object_ids.items()}
    log.info("centra webhook #%s %s %s", event.pk, event.status, sizes or event.error)
    return Receipt(event, 200)


def refuse_oversized(length: int) -> Receipt:
    """Record a delivery refused for its size without keeping the body."""
    event = WebhookEvent()
    return _reject(event, 413, "body", f"body too large ({length} bytes, limit {MAX_BODY_BYTES})")


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


def _enqueue_processing(countdown: float | None = None) -> None:
    window = settings.CATALOG_WEBHOOK_COALESCE_SECONDS if countdown is None else countdown
    try:
        process_webhook_events_task.apply_async(countdown=window)
    except Exception:
        # The event is stored as queued: the next delivery's task (or a re-process) claims it,
        # and the scheduled full resync covers it; failing the response would not help.
        log.exception("could not enqueue webhook processing")


def requeue_failed(event_ids: Iterable[int]) -> int:
    """Put failed events back in the queue and enqueue their processing; returns how many.
    Other statuses are left alone: a rejected or replayed delivery is never applied."""
    with transaction.atomic():
        count = WebhookEvent.objects.filter(id__in=list(event_ids), status=Status.FAILED).update(
            status=Status.QUEUED, error="", processed_at=None
        )
        if count:
            transaction.on_commit(lambda: _enqueue_processing(countdown=0))
    return count
