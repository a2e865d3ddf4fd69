"""The Selection object of the envelope and the parts orders share with it: items,
discounts, totals, addresses.

Vouchers show at order level (``totals.totalDiscountPrice``, negative, ``false`` when there is
none) and, split over the lines, in each item's ``discounts.vouchers`` (``hasAffectedItemPrice``
false); ``discounts.discount`` is the same negative sum. ``taxDeducted`` is always ``false`` (no
VAT-exempt orders); ``taxAdded`` is ``false`` in tax-included countries."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any

from centra_sandbox.money import currency_format
from centra_sandbox.products import selection_item_product
from centra_sandbox.selections.checkout_fields import ADDRESS_FIELDS, SHIPPING_ADDRESS_FIELDS
from centra_sandbox.selections.lines import Line
from centra_sandbox.selections.place import ZERO, Place
from centra_sandbox.selections.pricing import Priced


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _money_or_false(place: Place, name: str, amount: Decimal, present: bool) -> dict[str, Any]:
    if not present:
        return {name: False, f"{name}AsNumber": False}
    return place.money(name, amount)


def totals_json(priced: Priced) -> dict[str, Any]:
    place = priced.place
    return {
        **place.money("itemsTotalPrice", priced.items_total),
        **_money_or_false(place, "totalDiscountPrice", -priced.discount, priced.discount > 0),
        **place.money("shippingPrice", priced.shipping_price),
        **place.money("handlingCostPrice", priced.handling),
        "handlingCostAddedToShippingPrice": False,
        "totalQuantity": priced.quantity,
        "taxDeducted": False,
        "taxDeductedAsNumber": False,
        **_money_or_false(place, "taxAdded", priced.tax_added, not place.tax_included),
        "taxPercent": _number(place.tax_percent),
        **place.money("grandTotalPrice", priced.grand_total),
        **place.money("grandTotalPriceTax", priced.grand_total_tax),
    }


def discounts_json(priced: Priced) -> dict[str, Any]:
    place = priced.place
    vouchers = []
    for use in priced.vouchers:
        vouchers.append(
            {
                "voucher": use.voucher["code"],
                "type": "code",
                "description": use.voucher["description"],
                **place.money("priceOff", -use.amount),
                "expiryDate": None,
                "lines": use.lines,
                **place.money("shippingDiscount", ZERO),
                "attributes": {},
            }
        )
    return {
        "anyDiscount": priced.discount > 0,
        **place.money("discount", -priced.discount),
        "automaticDiscounts": [],
        "vouchers": vouchers,
    }


def item_json(
    db: sqlite3.Connection, line: Line, place: Place, media_base: str = ""
) -> dict[str, Any]:
    """A SelectionItem; ``media_base`` makes the embedded product's media URLs absolute."""
    offer = line.offer
    item = offer.item
    percent = place.tax_percent
    without_tax = (
        place.round(offer.price * 100 / (100 + percent)) if place.tax_included else offer.price
    )
    product = selection_item_product(db, offer.product_id, place, media_base)
    return {
        "item": str(item["id"]),
        "productUrl": None,
        "category": product.get("category") or None,
        "size": item["name"],
        "localizedSize": None,
        "sku": item["sku"],
        "ean": item["ean"],
        "upc": "",
        "quantity": line.quantity,
        "comment": line.comment,
        "line": line.line,
        **place.money("priceEach", offer.price),
        **place.money("totalPrice", line.total),
        **place.money("priceEachBeforeDiscount", offer.price_before),
        "anyDiscount": offer.price < offer.price_before,
        "discounts": {
            "vouchers": [
                {"voucher": code, **place.money("priceOff", -share), "hasAffectedItemPrice": False}
                for code, share in line.voucher_shares
            ],
            "automaticDiscounts": [],
        },
        "taxPercent": _number(percent),
        **place.money("priceEachWithoutTax", without_tax),
        **place.money("priceEachReduction", max(offer.price_before - offer.price, ZERO)),
        **place.money("totalPriceBeforeDiscount", offer.price_before * line.quantity),
        "product": product,
    }


def address_json(stored: str, fields: tuple[str, ...]) -> dict[str, str]:
    data = json.loads(stored or "{}")
    return {name: str(data.get(name) or "") for name in fields}


def selection_json(db: sqlite3.Connection, priced: Priced, media_base: str = "") -> dict[str, Any]:
    sel, place = priced.sel, priced.place
    extra = json.loads(sel["extra"] or "{}")
    method = priced.payment_method
    return {
        "language": sel["language"],
        "currency": place.currency["code"],
        "paymentMethod": method["id"] if method is not None else "",
        "paymentMethodName": method["name"] if method is not None else "",
        "shippingMethod": priced.shipping.id if priced.shipping else "",
        "shippingMethodName": priced.shipping.name if priced.shipping else "",
        "items": [item_json(db, line, place, media_base) for line in priced.lines],
        "discounts": discounts_json(priced),
        "totals": totals_json(priced),
        "vatExempt": False,
        "address": address_json(sel["address"], ADDRESS_FIELDS),
        "shippingAddress": address_json(sel["shipping_address"], SHIPPING_ADDRESS_FIELDS),
        "additionalNotes": str(extra.get("additionalNotes") or ""),
        "currencyFormat": currency_format(place.currency),
    }
