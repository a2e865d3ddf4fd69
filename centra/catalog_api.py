"""Named server-side catalog reads: what the catalog sync asks Centra for.

Every call uses the shared secret and ``API-token: none`` (no session is created, and the answers
are the same for every shopper), and is marked idempotent so the client may retry it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from centra.client import NO_SESSION, CentraClient


def _get(client: CentraClient, path: str, key: str) -> list[dict[str, Any]]:
    return client.get(path, token=NO_SESSION).data.get(key) or []


def markets(client: CentraClient) -> list[dict[str, Any]]:
    return _get(client, "markets", "markets")


def pricelists(client: CentraClient) -> list[dict[str, Any]]:
    return _get(client, "pricelists", "pricelists")


def languages(client: CentraClient) -> list[dict[str, Any]]:
    return _get(client, "languages", "languages")


def countries(client: CentraClient) -> list[dict[str, Any]]:
    """Every country, shippable or not, with its default market and pricelist."""
    return _get(client, "countries/all", "countries")


def brands(client: CentraClient) -> list[dict[str, Any]]:
    return _get(client, "brands", "brands")


def collections(client: CentraClient) -> list[dict[str, Any]]:
    return _get(client, "collections", "collections")


def categories(client: CentraClient, *, language: str) -> list[dict[str, Any]]:
    reply = client.post(
        "categories", json={"language": language}, token=NO_SESSION, idempotent=True
    )
    return reply.data.get("categories") or []


def products_body(
    *,
    market: int,
    language: str,
    limit: int,
    skip: int = 0,
    product_ids: Sequence[str | int] | None = None,
    related: bool = False,
) -> dict[str, Any]:
    """The ``POST products`` body :func:`products_page` sends (the sync benchmark replays it)."""
    body: dict[str, Any] = {
        "market": market,
        "language": language,
        "pricelist": "all",
        "limit": limit,
        "skipFirst": skip,
        # False: only "variant" relations, as {product, available, media, relation}. True: every
        # relation ("standard" too), each a full product object, so several times the bytes.
        "relatedProducts": related,
        # Oldest first: a product created while the sync pages along lands on a later page
        # instead of shifting the pages already read.
        "sortOrder": [{"field": "createdAt", "order": "asc"}, {"field": "uri", "order": "asc"}],
    }
    if product_ids is not None:
        body["products"] = [str(pid) for pid in product_ids]
    return body


def products_page(
    client: CentraClient,
    *,
    market: int,
    language: str,
    limit: int,
    skip: int = 0,
    product_ids: Sequence[str | int] | None = None,
    related: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """One page of a market's products in one language, with every pricelist's price
    (``pricelist: "all"``). Returns the products and the total match count."""
    body = products_body(
        market=market,
        language=language,
        limit=limit,
        skip=skip,
        product_ids=product_ids,
        related=related,
    )
    reply = client.post("products", json=body, token=NO_SESSION, idempotent=True)
    return reply.data.get("products") or [], int(reply.data.get("productCount") or 0)
