"""Centra's order (``docs/centra.md#payment``) as the receipt shows it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from cart.selection import Cart, cart_from
from catalog.context import ShopperContext
from centra.readers import obj, text

_ADDRESS_LINES = (
    ("firstName", "lastName"),
    ("company",),
    ("address1",),
    ("address2",),
    ("zipCode", "city"),
    ("state",),
    ("countryName",),
)


@dataclass(frozen=True, slots=True)
class Receipt:
    number: str
    date: str
    status: str  # Centra's statusDescription ("Confirmed", ...)
    email: str
    cart: Cart  # the lines and totals, frozen as ordered
    billing: tuple[str, ...]  # the address, line by line
    shipping: tuple[str, ...]  # empty: the same as billing
    payment_method: str
    shipping_method: str
    # Centra's affiliateHtml: tracking markup the shop configured in Centra, for the receipt.
    affiliate_html: SafeString


def receipt_from(order: Mapping[str, Any], ctx: ShopperContext) -> Receipt:
    address = obj(order.get("address"))
    shipping = _lines(obj(order.get("shippingAddress")))
    billing = _lines(address)
    affiliate = order.get("affiliateHtml")
    return Receipt(
        number=text(order.get("order")),
        date=text(order.get("date")),
        status=text(order.get("statusDescription")),
        email=text(address.get("email")),
        cart=cart_from({"order": order}, ctx),
        billing=billing,
        shipping=() if shipping == billing else shipping,
        payment_method=text(order.get("paymentMethodName")) or text(order.get("paymentMethod")),
        shipping_method=text(order.get("shippingMethodName")) or text(order.get("shippingMethod")),
        # Written by the shop's own staff in Centra, the same trust as product descriptions.
        affiliate_html=mark_safe(affiliate if isinstance(affiliate, str) else ""),  # noqa: S308
    )


def _lines(address: Mapping[str, Any]) -> tuple[str, ...]:
    lines = []
    for keys in _ADDRESS_LINES:
        line = " ".join(text(address.get(key)) for key in keys if text(address.get(key)))
        if line:
            lines.append(line)
    if not text(address.get("countryName")) and text(address.get("country")):
        lines.append(text(address.get("country")))
    return tuple(lines)
