"""The customer's wishlist: ``GET customer/wishlists/0``, ``POST`` and ``DELETE
customer/wishlists/0/items/{displayItemId}`` (Centra's "Wishlists" page of the Checkout API).

Only wishlist ``0`` (the default one) exists: any other id is 404 ``{"wishlist": "not found"}``.
Every route needs a logged-in session (403 ``{"accessRight": "denied"}`` otherwise) and answers
``{token, wishlist: {wishlist: 0, isDefault: true, items: [{wishlistItem, product, createdAt}]}}``,
newest first, each ``product`` a product object in the session's market, pricelist and language.
Where Centra's documentation is silent this sandbox decides: an unknown (or inactive) display
item is 404 ``{"displayItem": "display item not found"}``; adding one already listed is 409
``{"wishlist": "Cannot add display <id> to wishlist 0: duplicate item"}``; removing one not
listed answers the wishlist unchanged; ``page`` (from 1) and ``limit`` page the items.
"""

from __future__ import annotations

import time
from typing import Any

from centra_sandbox.http import ApiError, Call, api
from centra_sandbox.product_context import product_context
from centra_sandbox.product_json import serialize_products

MAX_ITEMS = 10_000


def _customer_id(call: Call) -> int:
    session = call.session
    if session is None or session["customer_id"] is None:
        raise ApiError(403, {"accessRight": "denied"})
    return int(session["customer_id"])


def _check_wishlist(call: Call) -> None:
    if call.params["wishlist"] != "0":
        raise ApiError(404, {"wishlist": "not found"})


def _display_id(call: Call) -> int:
    raw = str(call.params["item"])
    product = None
    if raw.isascii() and raw.isdigit() and len(raw) < 10:
        product = call.db.execute(
            "SELECT id FROM products WHERE id = ? AND active = 1", (int(raw),)
        ).fetchone()
    if product is None:
        raise ApiError(404, {"displayItem": "display item not found"})
    return int(product["id"])


def _paging(call: Call) -> tuple[int, int | None]:
    args = call.request.args
    page, limit = args.get("page"), args.get("limit")
    errors: dict[str, str] = {}
    if page is not None and not (page.isascii() and page.isdigit() and int(page) >= 1):
        errors["page"] = "not valid"
    if limit is not None and not (limit.isascii() and limit.isdigit() and int(limit) >= 1):
        errors["limit"] = "not valid"
    if errors:
        raise ApiError(406, errors)
    size = int(limit) if limit is not None else None
    start = (int(page) - 1) * size if page is not None and size is not None else 0
    return start, size


def _wishlist(call: Call, customer_id: int) -> dict[str, Any]:
    start, size = _paging(call)
    rows = call.db.execute(
        "SELECT id, product_id, created_at FROM wishlist_items WHERE customer_id = ? "
        "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        (customer_id, -1 if size is None else size, start),
    ).fetchall()
    ctx = product_context(call)
    products = {
        int(p["product"]): p
        for p in serialize_products(call.db, [r["product_id"] for r in rows], ctx, related="none")
    }
    items = [
        {
            "wishlistItem": str(row["id"]),
            "product": products.get(row["product_id"], {"product": str(row["product_id"])}),
            "createdAt": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(row["created_at"])),
        }
        for row in rows
    ]
    return {"wishlist": {"wishlist": 0, "isDefault": True, "items": items}}


@api.route("GET", "customer/wishlists/{wishlist}")
def show(call: Call) -> dict[str, Any]:
    customer_id = _customer_id(call)
    _check_wishlist(call)
    return _wishlist(call, customer_id)


@api.route("POST", "customer/wishlists/{wishlist}/items/{item}")
def add(call: Call) -> dict[str, Any]:
    customer_id = _customer_id(call)
    _check_wishlist(call)
    product_id = _display_id(call)
    listed = call.db.execute(
        "SELECT 1 FROM wishlist_items WHERE customer_id = ? AND product_id = ?",
        (customer_id, product_id),
    ).fetchone()
    if listed:
        message = f"Cannot add display {product_id} to wishlist 0: duplicate item"
        raise ApiError(409, {"wishlist": message})
    count = call.db.execute(
        "SELECT COUNT(*) FROM wishlist_items WHERE customer_id = ?", (customer_id,)
    ).fetchone()[0]
    if count >= MAX_ITEMS:
        raise ApiError(406, {"wishlist": f"at most {MAX_ITEMS} items"})
    call.db.execute(
        "INSERT INTO wishlist_items (customer_id, product_id, created_at) VALUES (?, ?, ?)",
        (customer_id, product_id, call.now),
    )
    return _wishlist(call, customer_id)


@api.route("DELETE", "customer/wishlists/{wishlist}/items/{item}")
def remove(call: Call) -> dict[str, Any]:
    customer_id = _customer_id(call)
    _check_wishlist(call)
    product_id = _display_id(call)
    call.db.execute(
        "DELETE FROM wishlist_items WHERE customer_id = ? AND product_id = ?",
        (customer_id, product_id),
    )
    return _wishlist(call, customer_id)
