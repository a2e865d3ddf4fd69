"""Fixtures for the cart's tests: the demo catalog's local copy (what may be bought; the
test's own sandbox holds the same demo, synced once for this package), order events switched on,
a receiver standing in for the analytics or ERP endpoint at the HTTP boundary, and a real order
placed in the test's sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cart import order_events
from centra_sandbox import Sandbox
from centra_sandbox.transport import SandboxTransport
from tests.cart.helpers import ORDER_EVENT_SECRET, ORDER_EVENT_URL, Receiver
from tests.centra_sandbox.factories import ADDRESS, FAILED_PAGE, RETURN_PAGE, add_known_products
from tests.synced_catalog import ctx_for, django_db_setup, fresh_cache, fresh_reference_cache

__all__ = ["ctx_for", "django_db_setup", "fresh_cache", "fresh_reference_cache"]


@pytest.fixture
def order_events_on(settings: Any) -> None:
    settings.ORDER_EVENT_URL = ORDER_EVENT_URL
    settings.ORDER_EVENT_SECRET = ORDER_EVENT_SECRET


@pytest.fixture
def receiver(order_events_on: None) -> Iterator[Receiver]:
    """The endpoint at ``ORDER_EVENT_URL``; it accepts everything unless told otherwise."""
    receiver = Receiver()
    order_events.use_transport(httpx.MockTransport(receiver.handle))
    yield receiver
    order_events.use_transport(None)


@pytest.fixture
def sandbox_order(centra_sandbox: Sandbox) -> dict[str, Any]:
    """Centra's answer to a paid checkout in the test's sandbox: ``order`` and ``location``.

    2 x 9001-1 (300 SEK) + 1 x 9002-1 (500 SEK), express shipping (129 SEK), paid with the
    direct method in Sweden: order 1001, 1 229.00 SEK.
    """
    add_known_products(centra_sandbox.store)
    with httpx.Client(
        transport=SandboxTransport(centra_sandbox), base_url="http://sandbox.test/api/checkout/"
    ) as shopper:

        def call(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
            response = shopper.request(method, path, **kwargs)
            assert response.status_code == 200, response.text
            body = response.json()
            shopper.headers["API-token"] = body.get("token") or shopper.headers.get("API-token")
            return body

        call("GET", "selection")
        for item in ("9001-1", "9001-1", "9002-1"):
            call("POST", f"items/{item}")
        call("PUT", "countries/SE")
        call("PUT", "shipping-methods/express")
        call("PUT", "payment-methods/sandbox-direct")
        payment = {
            "paymentReturnPage": RETURN_PAGE,
            "paymentFailedPage": FAILED_PAGE,
            "termsAndConditions": True,
            "address": ADDRESS,
        }
        answer = call("POST", "payment", json=payment)
    assert answer["action"] == "success"
    return answer
