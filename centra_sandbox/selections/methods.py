"""Shipping and payment methods: which are offered in a place, and which one applies.

Shipping: the methods with a rate for the selection's country and pricelist, in the methods'
order; none for a not-shippable country. The chosen method is kept while it is offered,
otherwise the first one is used. Payment: the chosen method, else the first one."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from centra_sandbox.http import ApiError
from centra_sandbox.selections.place import Place, dec


@dataclass(frozen=True)
class ShippingOption:
    id: str
    name: str
    price: Decimal


def shipping_options(db: sqlite3.Connection, place: Place) -> list[ShippingOption]:
    if place.country is None or not place.ship_to:
        return []
    rows = db.execute(
        "SELECT m.id, m.name, r.price FROM shipping_methods m "
        "JOIN shipping_rates r ON r.method_id = m.id AND r.country = ? AND r.pricelist_id = ? "
        "ORDER BY m.position, m.id",
        (place.country["code"], place.pricelist),
    ).fetchall()
    return [ShippingOption(r["id"], r["name"], dec(r["price"])) for r in rows]


def effective_shipping(options: list[ShippingOption], chosen: str) -> ShippingOption | None:
    for option in options:
        if option.id == chosen:
            return option
    return options[0] if options else None


# The kind of a payment method shown as a widget before the address is known; the only kind
# that supports ``paymentInitiateOnly`` (``centra_sandbox.widget_payment``).
WIDGET_KIND = "widget"


def payment_methods(db: sqlite3.Connection) -> list[sqlite3.Row]:
    return db.execute("SELECT * FROM payment_methods ORDER BY position, id").fetchall()


def find_payment_method(db: sqlite3.Connection, method_id: Any) -> sqlite3.Row:
    row = None
    if isinstance(method_id, str) and 0 < len(method_id) <= 64:
        row = db.execute("SELECT * FROM payment_methods WHERE id = ?", (method_id,)).fetchone()
    if row is None:
        raise ApiError(404, {"paymentMethod": "not found"})
    return row


def effective_payment_method(db: sqlite3.Connection, chosen: str) -> sqlite3.Row | None:
    methods = payment_methods(db)
    for method in methods:
        if method["id"] == chosen:
            return method
    return methods[0] if methods else None
