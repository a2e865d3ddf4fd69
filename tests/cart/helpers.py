"""Small readers for the cart's tests: items of the synced demo catalog, and the session."""

from __future__ import annotations

from typing import Any

from django.test import Client

from catalog.models import Item, ProductMarket, ProductPrice
from storefront.session import CENTRA_KEY

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


def add(client: Client, item: Item, quantity: int | str = 1, **extra: Any):
    """Post the product page's form as a browser without JavaScript does, and land back on the
    product page (which shows, and so consumes, the messages; it asks Centra nothing)."""
    data = {"item": item.id, "quantity": quantity, "next": product_url(item), **extra}
    return client.post("/cart/add", data, follow=True)


def post(client: Client, url: str, data: dict[str, Any] | None = None):
    return client.post(url, data or {}, follow=True)


def messages_of(response) -> list[str]:
    """The messages the page a redirect led to shows."""
    return [str(m) for m in response.context["messages"]] if response.context else []
