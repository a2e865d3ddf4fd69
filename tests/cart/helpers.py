"""What the cart's tests share: items of the synced demo catalog and the session's cart
(for the cart and checkout tests), distinctive secrets, the receiver standing in for an order
event endpoint, and the receiver's recipe read from docs/order-events.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.test import Client

from cart.models import OrderEvent
from catalog.models import Item, ProductMarket, ProductPrice
from storefront.session import CENTRA_KEY
from tests.processes import BASE_DIR
from tests.shopper_state import shown_messages

# Distinctive, so tests can prove they never reach a log line, a stored error or a page.
ORDER_EVENT_SECRET = "order-event-secret-5b7e19c2"
ORDER_EVENT_URL = "https://erp.example.test/hooks/orders?key=url-credential-3f9a"

DOC = (BASE_DIR / "docs" / "order-events.md").read_text()


def documented(language: str) -> str:
    """The one fenced ``language`` block of docs/order-events.md."""
    [block] = re.findall(rf"```{language}\n(.*?)```", DOC, re.DOTALL)
    return block


def documented_verify() -> Callable[[str, str, bytes], bool]:
    """The receiver's ``verify(secret, header, body)``, run exactly as the document prints it."""
    namespace: dict[str, Any] = {}
    exec(documented("python"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]


@dataclass
class Receiver:
    """Answers each request with the next of ``answers`` (a status, or an httpx exception to
    raise); the last answer repeats. Keeps every request it got."""

    answers: list[int | Exception] = field(default_factory=lambda: [200])
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, text="ok" if answer < 300 else "not now")


def a_failed_and_a_sent_event() -> tuple[OrderEvent, OrderEvent]:
    """Order 1001, failed after 6 attempts, and order 1002, sent at the first."""
    failed = OrderEvent.objects.create(
        order_number="1001",
        payload={"orderNumber": "1001"},
        status=OrderEvent.Status.FAILED,
        attempts=6,
        last_error="HTTP 503 Service Unavailable",
    )
    sent = OrderEvent.objects.create(
        order_number="1002",
        payload={"orderNumber": "1002"},
        status=OrderEvent.Status.SENT,
        attempts=1,
    )
    return failed, sent


SWEDEN_MARKET, SEK = 1, 1


def buyable_items(
    count: int = 1, *, market: int = SWEDEN_MARKET, pricelist: int = SEK
) -> list[Item]:
    """Items in stock of products sold and priced for the shopper, in id order."""
    sold = ProductMarket.objects.filter(market_id=market).values("product_id")
    priced = ProductPrice.objects.filter(pricelist_id=pricelist).values("product_id")
    items = (
        Item.objects.filter(product_id__in=sold, stock_state="in_stock")
        .filter(product_id__in=priced)
        .select_related("product")
        .order_by("product_id", "position")
    )
    chosen: list[Item] = []
    seen: set[int] = set()
    for item in items:  # one size per product
        if item.product_id not in seen:
            seen.add(item.product_id)
            chosen.append(item)
        if len(chosen) == count:
            break
    return chosen


def centra_state(client: Client) -> dict[str, Any]:
    return dict(client.session.get(CENTRA_KEY) or {})


def product_url(item: Item) -> str:
    product = item.product
    return f"/{product.category.uri}/{product.uri}"


def add(client: Client, item: Item, quantity: int | str = 1, *, follow: bool = True, **extra: Any):
    """Post the product page's form as a browser without JavaScript does, and (``follow``) land
    on the cart page, which shows, and so consumes, the messages, and asks Centra for the cart
    (one ``GET selection``)."""
    data = {"item": item.id, "quantity": quantity, "next": product_url(item), **extra}
    return client.post("/cart/add", data, follow=follow)


def post(client: Client, url: str, data: dict[str, Any] | None = None):
    return client.post(url, data or {}, follow=True)


def messages_of(response) -> list[str]:
    """The messages the page a redirect led to shows (on a shopper-free page, through its
    script: tests.shopper_state)."""
    return shown_messages(response)
