"""The "order completed" event: a signed server-to-server notification of each order the
storefront sees complete, POSTed to ``ORDER_EVENT_URL`` for analytics or an ERP. The receiver's
side (the payload, the headers, how to verify the signature) is docs/order-events.md.

1. The checkout calls :func:`record_completed_order` when it first learns an order completed.
   It stores one :class:`~cart.models.OrderEvent` per order number (a unique constraint) and
   enqueues ``cart.tasks.send_order_event_task`` once the transaction commits; another call for
   the same order finds the row and enqueues nothing.
2. The task calls :func:`send_order_event`. It claims the row (``pending`` -> ``sending`` in one
   conditional UPDATE, so of two workers only one sends), POSTs the payload signed with
   ``ORDER_EVENT_SECRET``, and records the outcome: ``sent`` on a 2xx, after which the event is
   never sent again; otherwise back to ``pending`` for Celery to retry after
   :func:`retry_delay`, or ``failed`` when no retry is left.
3. Staff send failed events again from admin (:func:`send_again`).

"At most once" holds from the first 2xx on. A timeout may hide a request the receiver did get,
so a retry can deliver an order twice: receivers drop duplicates by the ``Idempotency-Key``.
"""

from __future__ import annotations

import enum
import json
import logging
import re
import time
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cart.models import OrderEvent
from centra.webhooks import expected_signature

log = logging.getLogger(__name__)

EVENT_TYPE = "order.completed"
PAYLOAD_VERSION = 1
SIGNATURE_HEADER = "X-Storefront-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-Storefront-Event"
USER_AGENT = "centra-storefront-order-events/1"
# The longest wait between two attempts: with Redis as the broker, a countdown longer than its
# visibility timeout (an hour by default) has the task delivered twice.
MAX_RETRY_DELAY = 3600.0
# A claim older than this was left by a worker that died mid-attempt; the task redelivered to
# another worker (acks_late) takes the row over. Far longer than any attempt's timeout.
STALE_CLAIM = timedelta(minutes=10)
# The order number travels in a header: printable ASCII, no spaces, as long as the column.
_ORDER_NUMBER = re.compile(r"[!-~]{1,64}")
_ERROR_LENGTH = OrderEvent._meta.get_field("last_error").max_length or 200

Status = OrderEvent.Status

# Where requests go instead of the network; see use_transport.
_transport: httpx.BaseTransport | None = None


class Outcome(enum.StrEnum):
    """What one run of the task did."""

    SENT = "sent"
    # The attempt failed and the task retries later.
    RETRY = "retry"
    FAILED = "failed"
    # Nothing to do: sent already, failed for good, or another worker holds the claim.
    SKIPPED = "skipped"


# -- recording ----------------------------------------------------------------------------------


def record_completed_order(
    order: Mapping[str, Any], *, location: Mapping[str, Any] | None = None
) -> OrderEvent | None:
    """Record the "order completed" event of Centra's ``order`` object and have it sent.

    ``location`` is the ``location`` of the Centra answer that carried the order (market,
    pricelist, country), when the caller has it. Returns None when ``ORDER_EVENT_URL`` is empty
    (order events are off) or the order has no usable order number; otherwise the order's
    event, new or recorded before. Only a new event is enqueued, when the caller's transaction
    commits (at once outside one), so calling this twice for an order sends it once.
    """
    if not settings.ORDER_EVENT_URL:
        return None
    number = str(order.get("order") or "")
    if not _ORDER_NUMBER.fullmatch(number):
        log.error("order event not recorded: %r is not an order number", number[:80])
        return None
    event, created = OrderEvent.objects.get_or_create(
        order_number=number, defaults={"payload": build_payload(order, location)}
    )
    if created:
        _enqueue_on_commit([event.pk])
    return event


def send_again(event_ids: Iterable[int]) -> int:
    """Queue the failed events among ``event_ids`` again (admin's "Send again"); return how
    many. Events in any other state are left as they are."""
    with transaction.atomic():
        ids = list(
            OrderEvent.objects.select_for_update()
            .filter(pk__in=list(event_ids), status=Status.FAILED)
            .values_list("pk", flat=True)
        )
        OrderEvent.objects.filter(pk__in=ids).update(status=Status.PENDING)
        _enqueue_on_commit(ids)
    return len(ids)


def _enqueue_on_commit(event_ids: list[int]) -> None:
    if event_ids:
        transaction.on_commit(lambda: _enqueue(event_ids))


def _enqueue(event_ids: list[int]) -> None:
    # Imported here because cart.tasks imports this module.
    from cart.tasks import send_order_event_task

    for event_id in event_ids:
        try:
            send_order_event_task.delay(event_id)
        except Exception:
            # The checkout that recorded the order must not fail for it. The broker's URL may
            # carry a password: the details go to the log; staff see the event failed and can
            # send it again.
            log.exception("order event %s could not be queued", event_id)
            OrderEvent.objects.filter(pk=event_id, status=Status.PENDING).update(
                status=Status.FAILED, last_error="could not be queued: the task queue failed"
            )


# -- the payload --------------------------------------------------------------------------------


def build_payload(
    order: Mapping[str, Any], location: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON document sent for Centra's ``order`` (docs/order-events.md lists the fields).

    Only the fields named here leave the shop: never the shopper's token, payment data, names or
    addresses (the email excepted). Money comes from Centra's ``...AsNumber`` fields; a missing
    one is null.
    """
    place = location or {}
    address = _mapping(order.get("address"))
    shipping = _mapping(order.get("shippingAddress"))
    totals = _mapping(order.get("totals"))
    country = place.get("country") or shipping.get("country") or address.get("country")
    return {
        "event": EVENT_TYPE,
        "version": PAYLOAD_VERSION,
        "orderNumber": str(order["order"]),
        "status": _text(order.get("status")),
        "date": _text(order.get("date")),
        "currency": _text(order.get("currency")),
        "language": _text(order.get("language")),
        "market": _id(place.get("market", order.get("market"))),
        "pricelist": _id(place.get("pricelist", order.get("pricelist"))),
        "country": _text(country) or None,
        "email": _text(address.get("email")) or None,
        "paymentMethod": _text(order.get("paymentMethod")),
        "shippingMethod": _text(order.get("shippingMethod")),
        "totals": {
            "items": _number(totals, "itemsTotalPrice"),
            # Negative, as Centra gives it; false (no discount) is 0.
            "discount": _number(totals, "totalDiscountPrice") or 0.0,
            "shipping": _number(totals, "shippingPrice"),
            "handling": _number(totals, "handlingCostPrice"),
            "tax": _number(totals, "grandTotalPriceTax"),
            "grandTotal": _number(totals, "grandTotalPrice"),
        },
        "lines": [_line(item) for item in order.get("items") or [] if isinstance(item, Mapping)],
    }


def _line(item: Mapping[str, Any]) -> dict[str, Any]:
    quantity = item.get("quantity")
    return {
        "sku": _text(item.get("sku")),
        "item": _text(item.get("item")),
        "quantity": quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else 0,
        "price": _number(item, "priceEach"),
        "total": _number(item, "totalPrice"),
    }


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _id(value: Any) -> int | str | None:
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def _number(source: Mapping[str, Any], name: str) -> float | None:
    """Centra's ``<name>AsNumber``; None when missing or false (Centra's "not applicable")."""
    value = source.get(f"{name}AsNumber")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def encode_body(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes POSTed: compact JSON with sorted keys, so every attempt sends the same
    body whatever order the database kept the keys in."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``: the scheme of Centra's
    own webhooks (docs/centra.md#webhooks), made fresh for each attempt."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    return f"t={signed_at},v1={expected_signature(secret, signed_at, body)}"


# -- sending ------------------------------------------------------------------------------------


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Send through ``transport`` rather than the network (None: the network again). Tests put
    an ``httpx.MockTransport`` standing in for the receiver here."""
    global _transport
    _transport = transport


def retry_delay(retries: int) -> float:
    """Seconds to wait after the attempt that made ``retries`` retries so far:
    ``ORDER_EVENT_RETRY_BACKOFF`` doubled per retry made, at most ``MAX_RETRY_DELAY``."""
    return float(min(settings.ORDER_EVENT_RETRY_BACKOFF * 2**retries, MAX_RETRY_DELAY))


def send_order_event(event_id: int, *, can_retry: bool) -> Outcome:
    """Make one delivery attempt of the event, if it is due; ``can_retry`` says whether a
    failure will be tried again (then the event goes back to ``pending``) or is final
    (``failed``)."""
    event = claim(event_id)
    if event is None:
        return Outcome.SKIPPED
    error = _post(event)
    # Only this claim's outcome is written: a claim taken over since is not this attempt's.
    mine = OrderEvent.objects.filter(
        pk=event.pk, status=Status.SENDING, claimed_at=event.claimed_at
    )
    if not error:
        mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="")
        log.info("order event %s sent (attempt %d)", event.order_number, event.attempts)
        return Outcome.SENT
    mine.update(status=Status.PENDING if can_retry else Status.FAILED, last_error=error)
    log.warning(
        "order event %s: attempt %d failed (%s); %s",
        event.order_number,
        event.attempts,
        error,
        "it will be retried" if can_retry else "no retry left, it is failed",
    )
    return Outcome.RETRY if can_retry else Outcome.FAILED


def claim(event_id: int) -> OrderEvent | None:
    """Move the event from ``pending`` (or a stale ``sending``) to ``sending`` and count the
    attempt, in one conditional UPDATE; the event if this call won it, else None (sent, failed,
    or another worker's)."""
    now = timezone.now()
    claimable = Q(status=Status.PENDING) | Q(
        status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    )
    won = OrderEvent.objects.filter(claimable, pk=event_id).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return OrderEvent.objects.get(pk=event_id) if won else None


def _post(event: OrderEvent) -> str:
    """POST the event once: "" on a 2xx, else why not, in words safe to store and show (never
    the URL, which may hold credentials, nor anything the receiver wrote)."""
    body = encode_body(event.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: EVENT_TYPE,
        IDEMPOTENCY_HEADER: event.order_number,
        SIGNATURE_HEADER: signature_header(settings.ORDER_EVENT_SECRET, body),
    }
    timeout = settings.ORDER_EVENT_TIMEOUT
    try:
        with httpx.Client(transport=_transport, timeout=timeout) as client:
            response = client.post(settings.ORDER_EVENT_URL, content=body, headers=headers)
    except httpx.TimeoutException:
        return f"timed out after {timeout:g} s"
    except httpx.TransportError as exc:
        return f"request failed ({type(exc).__name__})"
    if response.is_success:
        return ""
    status = response.status_code
    return f"HTTP {status} {httpx.codes.get_reason_phrase(status)}".strip()[:_ERROR_LENGTH]
