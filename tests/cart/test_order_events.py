"""Order events: the payload, the signature as docs/order-events.md tells receivers to check it,
recording once per order, and delivery with retries through the real task (eager Celery). The
receiver is an ``httpx.MockTransport``: only the HTTP boundary is stood in for."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.db import transaction
from django.utils import timezone

from cart import order_events
from cart.models import OrderEvent
from cart.tasks import send_order_event_task
from tests.cart.helpers import (
    ORDER_EVENT_SECRET,
    ORDER_EVENT_URL,
    Receiver,
    a_failed_and_a_sent_event,
    documented,
    documented_verify,
)
from tests.processes import run_python

pytestmark = pytest.mark.django_db

Status = OrderEvent.Status


def an_order(number: str = "1001", **extra: Any) -> dict[str, Any]:
    """A Centra order object with one line, shaped like docs/centra.md's."""
    return {
        "order": number,
        "status": "untouched",
        "date": "2026-12-06 14:55:00",
        "currency": "EUR",
        "language": "de",
        "paymentMethod": "adyen-drop-in",
        "shippingMethod": "standard",
        "totals": {
            "itemsTotalPrice": "60.00 EUR",
            "itemsTotalPriceAsNumber": 60,
            "totalDiscountPrice": "-6.00 EUR",
            "totalDiscountPriceAsNumber": -6.0,
            "shippingPriceAsNumber": 4.9,
            "handlingCostPriceAsNumber": 0,
            "grandTotalPriceAsNumber": 58.9,
            "grandTotalPriceTaxAsNumber": 9.4,
        },
        "items": [
            {
                "item": "9001-2",
                "sku": "T9001G2",
                "quantity": 2,
                "priceEach": "30.00 EUR",
                "priceEachAsNumber": 30.0,
                "totalPriceAsNumber": 60.0,
                "product": {"name": "Classic sneaker", "description": "..."},
            }
        ],
        "address": {"email": "ada@example.com", "firstName": "Ada", "country": "DE"},
        "shippingAddress": {"firstName": "Ada", "address1": "Hauptstr. 1", "country": "AT"},
        **extra,
    }


def record(order: dict[str, Any], capture: Any, **kwargs: Any) -> OrderEvent | None:
    """``record_completed_order`` in a transaction that commits (running what it enqueued)."""
    with capture(execute=True):
        return order_events.record_completed_order(order, **kwargs)


# -- the payload ----------------------------------------------------------------------------------


def test_a_sandbox_order_makes_the_payload_the_document_shows(
    sandbox_order: dict[str, Any],
) -> None:
    payload = order_events.build_payload(sandbox_order["order"], sandbox_order["location"])

    example = json.loads(documented("json"))
    assert payload == {**example, "date": sandbox_order["order"]["date"]}
    assert payload["date"] == sandbox_order["order"]["date"] != ""


def test_the_payload_has_numbers_for_money_and_only_the_named_fields() -> None:
    order = an_order(
        token="shopper-session-token-81c2",
        paymentMethodData={"cardToken": "card-token-44d0"},
        additionalNotes="leave at the door",
    )

    payload = order_events.build_payload(order, {"market": 2, "pricelist": 7, "country": "DE"})

    assert payload == {
        "event": "order.completed",
        "version": 1,
        "orderNumber": "1001",
        "status": "untouched",
        "date": "2026-12-06 14:55:00",
        "currency": "EUR",
        "language": "de",
        "market": 2,
        "pricelist": 7,
        "country": "DE",
        "email": "ada@example.com",
        "paymentMethod": "adyen-drop-in",
        "shippingMethod": "standard",
        "totals": {
            "items": 60.0,
            "discount": -6.0,
            "shipping": 4.9,
            "handling": 0.0,
            "tax": 9.4,
            "grandTotal": 58.9,
        },
        "lines": [
            {"sku": "T9001G2", "item": "9001-2", "quantity": 2, "price": 30.0, "total": 60.0}
        ],
    }
    sent = json.dumps(payload)
    for secret_or_personal in ("shopper-session-token-81c2", "card-token-44d0", "Ada", "Hauptstr"):
        assert secret_or_personal not in sent


def test_without_a_location_the_country_is_the_shipping_addresss_and_ids_are_null() -> None:
    payload = order_events.build_payload(an_order())

    assert (payload["market"], payload["pricelist"], payload["country"]) == (None, None, "AT")


def test_what_centra_did_not_say_is_null_and_no_discount_is_zero() -> None:
    payload = order_events.build_payload(
        {"order": 1002, "totals": {"totalDiscountPriceAsNumber": False}}
    )

    assert payload["orderNumber"] == "1002"
    assert (payload["status"], payload["currency"], payload["email"]) == ("", "", None)
    assert payload["totals"] == {
        "items": None,
        "discount": 0.0,
        "shipping": None,
        "handling": None,
        "tax": None,
        "grandTotal": None,
    }
    assert payload["lines"] == []


# -- recording ------------------------------------------------------------------------------------


def test_nothing_is_recorded_or_enqueued_without_an_order_event_url(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ORDER_EVENT_URL = ""

    with django_capture_on_commit_callbacks() as enqueued:
        assert order_events.record_completed_order(an_order()) is None

    assert enqueued == []
    assert OrderEvent.objects.count() == 0


def test_an_order_without_a_usable_number_is_not_recorded(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    for number in ("", "has space", "x" * 65):
        assert record(an_order(number), django_capture_on_commit_callbacks) is None

    assert OrderEvent.objects.count() == 0
    assert receiver.requests == []


def test_recording_an_order_twice_makes_one_event_and_one_request(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    first = record(an_order("1001"), django_capture_on_commit_callbacks)
    again = record(an_order("1001", status="ok"), django_capture_on_commit_callbacks)

    assert first is not None
    assert again is not None
    assert again.pk == first.pk
    assert OrderEvent.objects.count() == 1
    assert len(receiver.requests) == 1
    # The first recording's payload stands.
    assert json.loads(receiver.requests[0].content)["status"] == "untouched"


def test_the_event_is_sent_only_once_the_checkouts_transaction_commits(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    def checkout_that_fails_later() -> None:
        with transaction.atomic():
            order_events.record_completed_order(an_order("1002"))
            raise RuntimeError("the checkout failed after all")

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            order_events.record_completed_order(an_order("1001"))
            assert receiver.requests == []
        # A checkout that rolls back records and sends nothing.
        with pytest.raises(RuntimeError):
            checkout_that_fails_later()

    assert [json.loads(r.content)["orderNumber"] for r in receiver.requests] == ["1001"]
    assert list(OrderEvent.objects.values_list("order_number", "status")) == [("1001", "sent")]


# -- the request ----------------------------------------------------------------------------------


def test_the_request_is_signed_as_documented_and_fails_with_another_secret(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    event = record(an_order("1001"), django_capture_on_commit_callbacks)
    verify = documented_verify()

    [request] = receiver.requests
    signature = request.headers["X-Storefront-Signature"]
    assert str(request.url) == ORDER_EVENT_URL
    assert request.method == "POST"
    assert request.headers["Idempotency-Key"] == "1001"
    assert request.headers["X-Storefront-Event"] == "order.completed"
    assert request.headers["Content-Type"] == "application/json"
    assert event is not None
    assert json.loads(request.content) == event.payload
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", signature)
    assert abs(int(signature[2:].split(",")[0]) - time.time()) < 60
    assert verify(ORDER_EVENT_SECRET, signature, request.content) is True
    assert verify("another-secret", signature, request.content) is False
    assert verify(ORDER_EVENT_SECRET, signature, request.content + b" ") is False
    old = order_events.signature_header(ORDER_EVENT_SECRET, request.content, int(time.time()) - 600)
    assert verify(ORDER_EVENT_SECRET, old, request.content) is False


# -- delivery -------------------------------------------------------------------------------------


def test_a_receiver_failing_twice_then_accepting_gets_exactly_three_requests(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.answers = [500, 500, 200]

    event = record(an_order("1001"), django_capture_on_commit_callbacks)

    assert event is not None
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (Status.SENT, 3, "")
    assert event.sent_at is not None
    assert len(receiver.requests) == 3
    # The same order, byte for byte, under the same key every time; each signature verifies.
    assert len({r.content for r in receiver.requests}) == 1
    assert {r.headers["Idempotency-Key"] for r in receiver.requests} == {"1001"}
    verify = documented_verify()
    assert all(
        verify(ORDER_EVENT_SECRET, r.headers["X-Storefront-Signature"], r.content)
        for r in receiver.requests
    )


def test_timeouts_and_connection_errors_are_retried(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.answers = [httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), 204]

    event = record(an_order("1001"), django_capture_on_commit_callbacks)

    assert event is not None
    event.refresh_from_db()
    assert (event.status, event.attempts, len(receiver.requests)) == (Status.SENT, 3, 3)


def test_an_always_failing_receiver_leaves_the_event_failed_after_one_plus_max_retries(
    receiver: Receiver,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.ORDER_EVENT_MAX_RETRIES = 3
    receiver.answers = [503]

    event = record(an_order("1001"), django_capture_on_commit_callbacks)

    assert event is not None
    event.refresh_from_db()
    assert (event.status, event.attempts, event.sent_at) == (Status.FAILED, 4, None)
    assert event.last_error == "HTTP 503 Service Unavailable"
    assert len(receiver.requests) == 4
    assert "order event 1001: attempt 4 failed (HTTP 503 Service Unavailable)" in caplog.text
    for secret in (ORDER_EVENT_SECRET, "url-credential-3f9a"):
        assert secret not in caplog.text
        assert secret not in event.last_error


def test_a_timeout_on_the_last_attempt_is_kept_as_the_error(
    receiver: Receiver, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ORDER_EVENT_MAX_RETRIES = 1
    settings.ORDER_EVENT_TIMEOUT = 2.5
    receiver.answers = [500, httpx.ReadTimeout("read timed out")]

    event = record(an_order("1001"), django_capture_on_commit_callbacks)

    assert event is not None
    event.refresh_from_db()
    assert (event.status, event.attempts) == (Status.FAILED, 2)
    assert event.last_error == "timed out after 2.5 s"


def test_a_sent_event_is_never_sent_again(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    event = record(an_order("1001"), django_capture_on_commit_callbacks)
    assert event is not None

    repeated = send_order_event_task.delay(event.pk)

    assert repeated.get() == "skipped"
    assert order_events.send_again([event.pk]) == 0
    event.refresh_from_db()
    assert (event.status, event.attempts, len(receiver.requests)) == (Status.SENT, 1, 1)


def test_of_two_claims_on_one_event_only_the_first_wins(receiver: Receiver) -> None:
    event = OrderEvent.objects.create(order_number="1001", payload={"orderNumber": "1001"})

    first = order_events.claim(event.pk)
    second = order_events.claim(event.pk)

    assert first is not None
    assert second is None
    assert (first.status, first.attempts) == (Status.SENDING, 1)
    # The loser's task sends nothing.
    assert order_events.send_order_event(event.pk, can_retry=True) == "skipped"
    assert receiver.requests == []


def test_a_claim_left_by_a_dead_worker_is_taken_over_only_once_it_is_stale(
    receiver: Receiver,
) -> None:
    now = timezone.now()
    fresh = OrderEvent.objects.create(
        order_number="1001", payload={}, status=Status.SENDING, attempts=1, claimed_at=now
    )
    stale = OrderEvent.objects.create(
        order_number="1002",
        payload={},
        status=Status.SENDING,
        attempts=1,
        claimed_at=now - order_events.STALE_CLAIM - timedelta(seconds=1),
    )

    assert order_events.send_order_event(fresh.pk, can_retry=True) == "skipped"
    assert order_events.send_order_event(stale.pk, can_retry=True) == "sent"
    assert [r.headers["Idempotency-Key"] for r in receiver.requests] == ["1002"]
    stale.refresh_from_db()
    assert (stale.status, stale.attempts) == (Status.SENT, 2)


def test_retries_wait_twice_as_long_each_time_and_never_over_an_hour(settings: Any) -> None:
    settings.ORDER_EVENT_RETRY_BACKOFF = 60

    assert [order_events.retry_delay(n) for n in range(5)] == [60, 120, 240, 480, 960]
    assert order_events.retry_delay(10) == 3600


def test_send_again_requeues_failed_events_only(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    failed, sent = a_failed_and_a_sent_event()

    with django_capture_on_commit_callbacks(execute=True):
        assert order_events.send_again([failed.pk, sent.pk]) == 1

    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Status.SENT, 7, "")
    assert [r.headers["Idempotency-Key"] for r in receiver.requests] == ["1001"]


# -- settings -------------------------------------------------------------------------------------


def test_an_order_event_url_without_a_secret_refuses_to_start() -> None:
    url = "https://erp.example.test/orders?key=url-credential-3f9a"

    refused = run_python(["manage.py", "check"], {"ORDER_EVENT_URL": url}, timeout=60)
    accepted = run_python(
        ["manage.py", "check"],
        {"ORDER_EVENT_URL": url, "ORDER_EVENT_SECRET": ORDER_EVENT_SECRET},
        timeout=60,
    )

    assert refused.returncode != 0
    assert "ORDER_EVENT_URL is set but ORDER_EVENT_SECRET is not" in refused.stderr
    assert "url-credential-3f9a" not in refused.stderr
    assert accepted.returncode == 0, accepted.stderr
