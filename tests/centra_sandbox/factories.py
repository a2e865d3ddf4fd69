"""Shared test data and helpers for the sandbox's tests: known products with fixed prices and
stock, a checkout address and pages, a session opener, and readers of stored state and HTML forms.

The known products (ids 9001-9003) make numbers independent of the random demo catalog; markets,
pricelists, countries, shipping and vouchers come from the demo.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import httpx

from centra_sandbox import Sandbox, Store

# Known products: id -> (markets, {pricelist: (price, price before discount)}, {size: stock}).
# Pricelists: 1 SEK (SE), 2 EUR (DE, DK...), 3 USD (US), 4 VIP SEK. Markets: 1 Europe,
# 2 North America, 3 VIP.
KNOWN_PRODUCTS: dict[int, tuple[list[int], dict[int, tuple[float, float]], dict[int, int]]] = {
    9001: (
        [1, 2, 3],
        {1: (300, 400), 2: (30, 30), 3: (40, 40), 4: (240, 240)},
        {1: 10, 2: 2, 3: 0},
    ),
    # Sold in Europe only.
    9002: ([1, 3], {1: (500, 500), 2: (50, 50), 4: (400, 400)}, {1: 50}),
    # No EUR price: not purchasable in Germany.
    9003: ([1, 2, 3], {1: (200, 200), 3: (25, 25), 4: (160, 160)}, {1: 50}),
}

RETURN_PAGE = "https://shop.test/checkout/return"
FAILED_PAGE = "https://shop.test/checkout/failed"
ADDRESS = {
    "email": "ada@example.com",
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "Storgatan 1",
    "zipCode": "111 22",
    "city": "Stockholm",
    "country": "SE",
}


def add_known_products(store: Store) -> None:
    db = store.db
    for product_id, (markets, prices, stock) in KNOWN_PRODUCTS.items():
        db.execute(
            "INSERT INTO products (id, centra_product, centra_variant, uri, sku, product_sku, "
            "variant_name, active, created_at, modified_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 'Grey', 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00')",
            (product_id, product_id, product_id, f"test-{product_id}", f"T{product_id}G", "T"),
        )
        for language in ("en", "sv", "de"):
            db.execute(
                "INSERT INTO product_texts (product_id, language, name) VALUES (?, ?, ?)",
                (product_id, language, f"Test product {product_id} ({language})"),
            )
        db.executemany(
            "INSERT INTO product_markets (product_id, market_id) VALUES (?, ?)",
            [(product_id, market) for market in markets],
        )
        db.executemany(
            "INSERT INTO product_prices (product_id, pricelist_id, price, price_before_discount) "
            "VALUES (?, ?, ?, ?)",
            [(product_id, pl, price, before) for pl, (price, before) in prices.items()],
        )
        db.executemany(
            "INSERT INTO items (id, product_id, size_id, name, ean, sku, stock, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    f"{product_id}-{size}",
                    product_id,
                    size,
                    f"S{size}",
                    f"EAN{product_id}{size}",
                    f"T{product_id}G{size}",
                    count,
                    size,
                )
                for size, count in stock.items()
            ],
        )


def start(client: httpx.Client, country: str | None = "SE") -> dict[str, Any]:
    """Open a session (and set a country); returns the envelope."""
    response = client.put(f"countries/{country}") if country else client.get("selection")
    assert response.status_code == 200, response.text
    return response.json()


# -- stored state ------------------------------------------------------------------------------


def selection_of(sandbox: Sandbox, client: httpx.Client) -> dict[str, Any]:
    """The stored state of a client's selection, to prove a refused call changed nothing."""
    token = client.headers["API-token"]
    store = sandbox.store
    sel = store.one(
        "SELECT s.* FROM selections s JOIN sessions t ON t.selection_id = s.id WHERE t.token = ?",
        (token,),
    )
    lines = store.all(
        "SELECT line, item_id, quantity FROM selection_lines WHERE selection_id = ? "
        "ORDER BY position",
        (sel["id"],),
    )
    return {"selection": dict(sel), "lines": [dict(line) for line in lines]}


def order_count(sandbox: Sandbox) -> int:
    return sandbox.store.one("SELECT COUNT(*) FROM orders")[0]


def stock(sandbox: Sandbox, item: str) -> int:
    return sandbox.store.one("SELECT stock FROM items WHERE id = ?", (item,))[0]


# -- HTML forms --------------------------------------------------------------------------------


class FormCollector(HTMLParser):
    """Every form on a page: its action, method and named inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "action": values.get("action", ""),
                    "method": values.get("method", ""),
                    "fields": {},
                }
            )
        elif tag in ("input", "button") and self.forms and values.get("name"):
            self.forms[-1]["fields"][values["name"]] = values.get("value", "")


def forms_in(html: str) -> list[dict[str, Any]]:
    collector = FormCollector()
    collector.feed(html)
    return collector.forms
