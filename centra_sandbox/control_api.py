"""The sandbox's control API, under ``/_sandbox/``: what a test or a demo does in place of Centra's
admin. JSON in and out; errors are ``{"errors": {...}}`` with 400 for a bad body and 404 for an
unknown object, and a refused call changes nothing. Faults never apply here, so the control API
keeps answering while the Checkout API is "down".

Catalog (each change bumps ``modifiedAt`` of the products it touches and queues the webhook
Centra would send, see ``webhooks_out``):

- ``GET /_sandbox/products/{id}`` -> the product's control view: ``{product, active, modifiedAt,
  prices: {"<pricelist>": {price, priceBeforeDiscount, showAsOnSale, showAsNew}},
  stock: {"<item>": n}, names: {"<language>": name}}``.
- ``PUT /_sandbox/products/{id}`` with any of ``{"prices": {"1": {"price": 100,
  "priceBeforeDiscount": 120, "showAsOnSale": true, "showAsNew": false}, "2": null},
  "stock": {"5-2": 0}, "names": {"en": "..."}, "active": false}`` -> the control view. A price
  without ``priceBeforeDiscount`` is a new list price (no discount); omitted flags keep their
  value; ``null`` removes the price from that pricelist (visible but not purchasable there).
  Webhook: ``{"products": ["<id>"]}``.
- ``GET /_sandbox/categories/{id}`` -> ``{category, active, sortOrder, names, products}``, with
  ``products`` the ids of the products in it or in its subcategories.
- ``PUT /_sandbox/categories/{id}`` with any of ``{"names": {"en": "..."}, "active": false,
  "sortOrder": 3}`` -> the same view. Webhook: ``{"categories": ["<id>"], "products": [...]}``.

Outboxes:

- ``GET /_sandbox/outbox/emails[?to=<email>]`` -> ``{"emails": [{id, recipient, subject, body,
  link, created_at}]}``, oldest first; ``DELETE`` empties it -> ``{"deleted": n}``.
- ``GET /_sandbox/outbox/webhooks`` -> ``{"webhooks": [{id, url, body, payload, signature,
  status_code, error, pending, created_at}]}``, oldest first, ``payload`` being the decoded JSON;
  ``DELETE`` empties it. Deliveries are sent asynchronously: poll until ``pending`` is false.
- ``GET /_sandbox/webhook-config`` -> ``{url, secret_set, batch_size}``; ``PUT`` with any of
  ``{"url": "http://..." | null, "secret": "..." | null, "batch_size": 100}`` changes it.

Orders:

- ``POST /_sandbox/orders/{order}/shipments`` with ``{"carrier", "service", "trackingId",
  "trackingUrl"}`` (strings; ``trackingUrl`` an absolute http(s) URL or empty, the rest
  optional, plus optional ``returnSlipTracking``, ``additionalMessage``, ``shippedDate``) ships
  the order: it then lists the shipment in ``POST orders``. -> ``{"shipment": {...}}``; 404 for
  an unknown order.

Requests and faults:

- ``GET /_sandbox/requests`` -> ``{"POST products": 3, ..., "*": 3}`` (Checkout API calls per
  route pattern, ``*`` the total); ``DELETE`` resets them -> ``{"*": 0}``.
- ``GET /_sandbox/faults`` -> ``{latency_ms, down, errors: [{route, status, retry_after,
  remaining, after}]}``.
- ``PUT /_sandbox/faults`` with ``{"latency_ms": 200, "down": null | "refuse" | "503",
  "errors": [{"route": "POST products" | "*", "status": 429, "retry_after": 2, "count": 1,
  "after": 4}]}`` replaces every fault (an omitted key means off). ``route`` must name a
  Checkout API route as ``/_sandbox/requests`` shows it; ``count`` (optional) is how many calls
  fail before the rule stops, shown as ``remaining``; ``after`` (optional, default 0) is how
  many matching calls pass before the rule starts (``"after": 4, "count": 1`` fails exactly the
  5th call), shown counting down; ``retry_after`` (optional) becomes a ``Retry-After`` header.
  ``refuse`` makes in-process clients get a connection error; ``503`` answers every Checkout
  API call with 503.
- ``DELETE /_sandbox/faults`` -> back to the configured baseline (``config.latency_ms``, nothing
  down, no errors).
- ``POST /_sandbox/reset`` clears faults, request counts and both outboxes; the catalog, customers
  and sessions stay.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any, TypeGuard
from urllib.parse import parse_qs

from centra_sandbox.app import Faults
from centra_sandbox.http import ApiError, Call, api, control
from centra_sandbox.webhooks_out import queue_webhook

MAX_LATENCY_MS = 60_000
MAX_NAME_LENGTH = 255
DOWN_MODES = ("refuse", "503")


class _Errors(dict[str, str]):
    def raise_any(self) -> None:
        if self:
            raise ApiError(400, dict(self))


def _unknown_keys(body: dict[str, Any], allowed: tuple[str, ...], errors: _Errors) -> None:
    for key in body:
        if key not in allowed:
            errors[key] = "unknown field"


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[float]:
    """A finite int or float, not a boolean."""
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _is_id(text: str) -> bool:
    # ASCII only: str.isdigit() also accepts "²", which int() refuses.
    return text.isascii() and text.isdigit() and len(text) < 10


def _now_text() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def _language_codes(call: Call) -> set[str]:
    return {row["code"] for row in call.db.execute("SELECT code FROM languages")}


def _sorted_ids(ids: Any) -> list[str]:
    return [str(i) for i in sorted({int(i) for i in ids})]


# -- products -------------------------------------------------------------------------------------


def _product_row(call: Call) -> Any:
    raw = call.params["product"]
    row = None
    if _is_id(raw):
        row = call.db.execute("SELECT * FROM products WHERE id = ?", (int(raw),)).fetchone()
    if row is None:
        raise ApiError(404, {"product": "not found"})
    return row


def _product_view(call: Call, product_id: int) -> dict[str, Any]:
    db = call.db
    row = db.execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone()
    prices = {
        str(p["pricelist_id"]): {
            "price": p["price"],
            "priceBeforeDiscount": p["price_before_discount"],
            "showAsOnSale": bool(p["show_as_on_sale"]),
            "showAsNew": bool(p["show_as_new"]),
        }
        for p in db.execute(
            "SELECT * FROM product_prices WHERE product_id = ? ORDER BY pricelist_id", (product_id,)
        )
    }
    stock = {
        i["id"]: i["stock"]
        for i in db.execute(
            "SELECT id, stock FROM items WHERE product_id = ? ORDER BY position", (product_id,)
        )
    }
    names = {
        t["language"]: t["name"]
        for t in db.execute(
            "SELECT language, name FROM product_texts WHERE product_id = ? ORDER BY language",
            (product_id,),
        )
    }
    return {
        "product": str(product_id),
        "active": bool(row["active"]),
        "modifiedAt": row["modified_at"],
        "prices": prices,
        "stock": stock,
        "names": names,
    }


@control.route("GET", "products/{product}")
def get_product(call: Call) -> dict[str, Any]:
    return _product_view(call, _product_row(call)["id"])


@control.route("PUT", "products/{product}")
def change_product(call: Call) -> dict[str, Any]:
    product = _product_row(call)
    body = call.body
    errors = _Errors()
    _unknown_keys(body, ("prices", "stock", "names", "active"), errors)
    if not body:
        errors["body"] = "nothing to change"
    prices = _clean_prices(call, product["id"], body.get("prices", {}), errors)
    stock = _clean_stock(call, product["id"], body.get("stock", {}), errors)
    names = _clean_names(call, body.get("names", {}), errors)
    if "active" in body and not isinstance(body["active"], bool):
        errors["active"] = "must be a boolean"
    errors.raise_any()

    db, pid = call.db, product["id"]
    for pricelist, price in prices.items():
        if price is None:
            db.execute(
                "DELETE FROM product_prices WHERE product_id = ? AND pricelist_id = ?",
                (pid, pricelist),
            )
        else:
            db.execute(
                "INSERT INTO product_prices (product_id, pricelist_id, price, "
                "price_before_discount, show_as_new, show_as_on_sale) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (product_id, pricelist_id) DO UPDATE SET price = excluded.price, "
                "price_before_discount = excluded.price_before_discount, "
                "show_as_new = excluded.show_as_new, show_as_on_sale = excluded.show_as_on_sale",
                (pid, pricelist, *price),
            )
    for item_id, quantity in stock.items():
        db.execute("UPDATE items SET stock = ? WHERE id = ?", (quantity, item_id))
    for language, name in names.items():
        db.execute(
            "INSERT INTO product_texts (product_id, language, name) VALUES (?, ?, ?) "
            "ON CONFLICT (product_id, language) DO UPDATE SET name = excluded.name",
            (pid, language, name),
        )
    if "active" in body:
        db.execute("UPDATE products SET active = ? WHERE id = ?", (int(body["active"]), pid))
    db.execute("UPDATE products SET modified_at = ? WHERE id = ?", (_now_text(), pid))
    queue_webhook(call.sandbox, {"products": [str(pid)]})
    return _product_view(call, pid)


def _clean_prices(
    call: Call, product_id: int, prices: Any, errors: _Errors
) -> dict[int, tuple[float, float, int, int] | None]:
    """``{pricelist: (price, price before discount, show as new, show as on sale) | None}``."""
    if not isinstance(prices, dict):
        errors["prices"] = "must be an object keyed by pricelist id"
        return {}
    known = {row["id"] for row in call.db.execute("SELECT id FROM pricelists")}
    cleaned: dict[int, tuple[float, float, int, int] | None] = {}
    for key, value in prices.items():
        where = f"prices.{key}"
        if not (_is_id(key) and int(key) in known):
            errors[where] = "unknown pricelist"
            continue
        pricelist = int(key)
        if value is None:
            cleaned[pricelist] = None
            continue
        if not isinstance(value, dict):
            errors[where] = "must be an object or null"
            continue
        for field in value:
            if field not in ("price", "priceBeforeDiscount", "showAsNew", "showAsOnSale"):
                errors[f"{where}.{field}"] = "unknown field"
        price = value.get("price")
        before = value.get("priceBeforeDiscount", price)
        if not _is_number(price) or price < 0:
            errors[f"{where}.price"] = "must be a number >= 0"
            continue
        if not _is_number(before) or before < price:
            errors[f"{where}.priceBeforeDiscount"] = "must be a number >= price"
            continue
        current = call.db.execute(
            "SELECT show_as_new, show_as_on_sale FROM product_prices "
            "WHERE product_id = ? AND pricelist_id = ?",
            (product_id, pricelist),
        ).fetchone()
        flags = []
        for field, column in (("showAsNew", "show_as_new"), ("showAsOnSale", "show_as_on_sale")):
            flag = value.get(field, bool(current[column]) if current else False)
            if not isinstance(flag, bool):
                errors[f"{where}.{field}"] = "must be a boolean"
            flags.append(int(flag is True))
        cleaned[pricelist] = (float(price), float(before), flags[0], flags[1])
    return cleaned


def _clean_stock(call: Call, product_id: int, stock: Any, errors: _Errors) -> dict[str, int]:
    if not isinstance(stock, dict):
        errors["stock"] = "must be an object keyed by item id"
        return {}
    items = {
        row["id"]
        for row in call.db.execute("SELECT id FROM items WHERE product_id = ?", (product_id,))
    }
    cleaned = {}
    for item_id, quantity in stock.items():
        if item_id not in items:
            errors[f"stock.{item_id}"] = "not an item of this product"
        elif not _is_int(quantity) or not 0 <= quantity < 10**9:
            errors[f"stock.{item_id}"] = "must be an integer >= 0"
        else:
            cleaned[item_id] = quantity
    return cleaned


def _clean_names(call: Call, names: Any, errors: _Errors) -> dict[str, str]:
    if not isinstance(names, dict):
        errors["names"] = "must be an object keyed by language code"
        return {}
    languages = _language_codes(call)
    cleaned = {}
    for language, name in names.items():
        if language not in languages:
            errors[f"names.{language}"] = "unknown language"
        elif not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
            errors[f"names.{language}"] = f"must be a non-empty string of at most {MAX_NAME_LENGTH}"
        else:
            cleaned[language] = name.strip()
    return cleaned


# -- categories -----------------------------------------------------------------------------------


def _category_row(call: Call) -> Any:
    raw = call.params["category"]
    row = None
    if _is_id(raw):
        row = call.db.execute("SELECT * FROM categories WHERE id = ?", (int(raw),)).fetchone()
    if row is None:
        raise ApiError(404, {"category": "not found"})
    return row


def _category_products(call: Call, category_id: int) -> list[str]:
    """Products in the category or any of its subcategories, canonically or by membership."""
    rows = call.db.execute(
        "WITH RECURSIVE tree(id) AS (SELECT ? UNION SELECT c.id FROM categories c "
        "JOIN tree ON c.parent_id = tree.id) "
        "SELECT id FROM products WHERE category_id IN (SELECT id FROM tree) "
        "UNION SELECT product_id FROM product_categories "
        "WHERE category_id IN (SELECT id FROM tree)",
        (category_id,),
    ).fetchall()
    return _sorted_ids(row[0] for row in rows)


def _category_view(call: Call, category_id: int) -> dict[str, Any]:
    row = call.db.execute("SELECT * FROM categories WHERE id = ?", (category_id,)).fetchone()
    names = {
        t["language"]: t["name"]
        for t in call.db.execute(
            "SELECT language, name FROM category_texts WHERE category_id = ? ORDER BY language",
            (category_id,),
        )
    }
    return {
        "category": str(category_id),
        "active": bool(row["active"]),
        "sortOrder": row["sort_order"],
        "names": names,
        "products": _category_products(call, category_id),
    }


@control.route("GET", "categories/{category}")
def get_category(call: Call) -> dict[str, Any]:
    return _category_view(call, _category_row(call)["id"])


@control.route("PUT", "categories/{category}")
def change_category(call: Call) -> dict[str, Any]:
    category = _category_row(call)
    body = call.body
    errors = _Errors()
    _unknown_keys(body, ("names", "active", "sortOrder"), errors)
    if not body:
        errors["body"] = "nothing to change"
    names = _clean_names(call, body.get("names", {}), errors)
    if "active" in body and not isinstance(body["active"], bool):
        errors["active"] = "must be a boolean"
    sort_order = body.get("sortOrder", category["sort_order"])
    if not _is_int(sort_order) or abs(sort_order) >= 10**9:
        errors["sortOrder"] = "must be an integer"
    errors.raise_any()

    db, cid = call.db, category["id"]
    for language, name in names.items():
        db.execute(
            "INSERT INTO category_texts (category_id, language, name) VALUES (?, ?, ?) "
            "ON CONFLICT (category_id, language) DO UPDATE SET name = excluded.name",
            (cid, language, name),
        )
    active = int(body.get("active", bool(category["active"])))
    db.execute(
        "UPDATE categories SET active = ?, sort_order = ? WHERE id = ?", (active, sort_order, cid)
    )
    products = _category_products(call, cid)
    # Their categoryName and categories change with the category, so they count as modified.
    db.executemany(
        "UPDATE products SET modified_at = ? WHERE id = ?",
        [(_now_text(), int(pid)) for pid in products],
    )
    queue_webhook(call.sandbox, {"categories": [str(cid)], "products": products})
    return _category_view(call, cid)


# -- orders ---------------------------------------------------------------------------------------

_SHIPMENT_FIELDS = {
    "carrier": "carrier",
    "service": "service",
    "trackingId": "tracking_id",
    "trackingUrl": "tracking_url",
    "returnSlipTracking": "return_slip_tracking",
    "additionalMessage": "additional_message",
    "shippedDate": "shipped_date",
}


@control.route("POST", "orders/{order}/shipments")
def ship_order(call: Call) -> dict[str, Any]:
    number = str(call.params["order"])
    if call.db.execute("SELECT 1 FROM orders WHERE number = ?", (number,)).fetchone() is None:
        raise ApiError(404, {"order": "not found"})
    errors = _Errors()
    _unknown_keys(call.body, tuple(_SHIPMENT_FIELDS), errors)
    values = {"shipped_date": _now_text()}
    for key, column in _SHIPMENT_FIELDS.items():
        value = call.body.get(key, values.get(column, ""))
        if not isinstance(value, str) or len(value) > MAX_NAME_LENGTH:
            errors[key] = "must be a string of at most 255 characters"
        values[column] = value
    url = values.get("tracking_url", "")
    if url and not (url.startswith(("http://", "https://")) and "://" in url[:8]):
        errors["trackingUrl"] = "must be an absolute http or https URL"
    errors.raise_any()
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = call.db.execute(
        f"INSERT INTO shipments (order_number, {columns}) VALUES (?, {marks})",  # noqa: S608
        (number, *values.values()),
    )
    shipment = {key: values[column] for key, column in _SHIPMENT_FIELDS.items()}
    return {"shipment": {"shipmentId": str(cursor.lastrowid), **shipment}}


# -- outboxes -------------------------------------------------------------------------------------


@control.route("GET", "outbox/emails")
def list_emails(call: Call) -> dict[str, Any]:
    to = call.request.args.get("to")
    sql = "SELECT * FROM outbox_emails"
    params: tuple[str, ...] = ()
    if to:
        sql += " WHERE recipient = ? COLLATE NOCASE"
        params = (to,)
    rows = call.db.execute(sql + " ORDER BY id", params).fetchall()
    return {"emails": [dict(row) for row in rows]}


@control.route("DELETE", "outbox/emails")
def clear_emails(call: Call) -> dict[str, Any]:
    return {"deleted": call.db.execute("DELETE FROM outbox_emails").rowcount}


@control.route("GET", "outbox/webhooks")
def list_webhooks(call: Call) -> dict[str, Any]:
    rows = call.db.execute("SELECT * FROM webhook_deliveries ORDER BY id").fetchall()
    return {"webhooks": [_delivery_view(row) for row in rows]}


def _delivery_view(row: Any) -> dict[str, Any]:
    encoded = parse_qs(row["body"]).get("payload", ["null"])[0]
    return {
        "id": row["id"],
        "url": row["url"],
        "body": row["body"],
        "payload": json.loads(encoded),
        "signature": row["signature"],
        "status_code": row["status_code"],
        "error": row["error"],
        "pending": row["status_code"] is None and row["error"] is None,
        "created_at": row["created_at"],
    }


@control.route("DELETE", "outbox/webhooks")
def clear_webhooks(call: Call) -> dict[str, Any]:
    return {"deleted": call.db.execute("DELETE FROM webhook_deliveries").rowcount}


@control.route("GET", "webhook-config")
def get_webhook_config(call: Call) -> dict[str, Any]:
    config = call.sandbox.config
    return {
        "url": config.webhook_url,
        "secret_set": bool(config.webhook_secret),
        "batch_size": config.webhook_batch_size,
    }


@control.route("PUT", "webhook-config")
def set_webhook_config(call: Call) -> dict[str, Any]:
    body = call.body
    errors = _Errors()
    _unknown_keys(body, ("url", "secret", "batch_size"), errors)
    url = body.get("url", call.sandbox.config.webhook_url)
    if url is not None and not (
        isinstance(url, str) and url.startswith(("http://", "https://")) and len(url) < 2000
    ):
        errors["url"] = "must be an http(s) URL or null"
    secret = body.get("secret", call.sandbox.config.webhook_secret)
    if secret is not None and not isinstance(secret, str):
        errors["secret"] = "must be a string or null"  # noqa: S105 -- an error message
    batch_size = body.get("batch_size", call.sandbox.config.webhook_batch_size)
    if not _is_int(batch_size) or not 1 <= batch_size <= 1000:
        errors["batch_size"] = "must be an integer from 1 to 1000"
    errors.raise_any()
    config = call.sandbox.config
    config.webhook_url, config.webhook_secret = url or None, secret or None
    config.webhook_batch_size = batch_size
    return get_webhook_config(call)


# -- request counts and faults --------------------------------------------------------------------


def _counts(call: Call) -> dict[str, int]:
    sandbox = call.sandbox
    with sandbox._counts_lock:
        counts = dict(sandbox.request_counts)
    counts.setdefault("*", 0)
    return counts


@control.route("GET", "requests")
def get_requests(call: Call) -> dict[str, Any]:
    return _counts(call)


@control.route("DELETE", "requests")
def reset_requests(call: Call) -> dict[str, Any]:
    call.sandbox.reset_counts()
    return _counts(call)


def _faults_view(faults: Faults) -> dict[str, Any]:
    return {
        "latency_ms": faults.latency_ms,
        "down": faults.down,
        "errors": [dict(rule) for rule in faults.errors],
    }


@control.route("GET", "faults")
def get_faults(call: Call) -> dict[str, Any]:
    return _faults_view(call.sandbox.faults)


@control.route("PUT", "faults")
def set_faults(call: Call) -> dict[str, Any]:
    body = call.body
    errors = _Errors()
    _unknown_keys(body, ("latency_ms", "down", "errors"), errors)
    latency = body.get("latency_ms", 0)
    if not _is_int(latency) or not 0 <= latency <= MAX_LATENCY_MS:
        errors["latency_ms"] = f"must be an integer from 0 to {MAX_LATENCY_MS}"
    down = body.get("down")
    down = str(down) if down == 503 else down
    if down is not None and down not in DOWN_MODES:
        errors["down"] = 'must be null, "refuse" or "503"'
    rules = _clean_rules(body.get("errors", []), errors)
    errors.raise_any()
    call.sandbox.faults = Faults(latency_ms=latency, down=down, errors=rules)
    return _faults_view(call.sandbox.faults)


def _clean_rules(rules: Any, errors: _Errors) -> list[dict[str, Any]]:
    if not isinstance(rules, list):
        errors["errors"] = "must be a list of rules"
        return []
    routes = {"*", *(route.name for route in api.routes)}
    cleaned = []
    for index, rule in enumerate(rules):
        where = f"errors.{index}"
        if not isinstance(rule, dict):
            errors[where] = "must be an object"
            continue
        for key in rule:
            if key not in ("route", "status", "retry_after", "count", "after"):
                errors[f"{where}.{key}"] = "unknown field"
        route, status = rule.get("route"), rule.get("status")
        retry_after, count = rule.get("retry_after"), rule.get("count")
        after = rule.get("after", 0)
        if route not in routes:
            errors[f"{where}.route"] = 'must be "*" or a Checkout API route such as "GET selection"'
        if not _is_int(status) or not 400 <= status <= 599:
            errors[f"{where}.status"] = "must be an integer from 400 to 599"
        if retry_after is not None and (not _is_int(retry_after) or retry_after < 0):
            errors[f"{where}.retry_after"] = "must be an integer >= 0 or null"
        if count is not None and (not _is_int(count) or count < 1):
            errors[f"{where}.count"] = "must be an integer >= 1 or null"
        if not _is_int(after) or after < 0:
            errors[f"{where}.after"] = "must be an integer >= 0"
        cleaned.append(
            {
                "route": route,
                "status": status,
                "retry_after": retry_after,
                "remaining": count,
                "after": after,
            }
        )
    return cleaned


@control.route("DELETE", "faults")
def clear_faults(call: Call) -> dict[str, Any]:
    call.sandbox.faults = Faults(latency_ms=call.sandbox.config.latency_ms)
    return _faults_view(call.sandbox.faults)


@control.route("POST", "reset")
def reset(call: Call) -> dict[str, Any]:
    clear_faults(call)
    call.sandbox.reset_counts()
    call.db.execute("DELETE FROM outbox_emails")
    call.db.execute("DELETE FROM webhook_deliveries")
    return {"faults": _faults_view(call.sandbox.faults), "requests": _counts(call)}
