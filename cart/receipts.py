"""Centra's order (``docs/centra.md#payment``) as the receipt shows it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from cart.selection import Cart, cart_from
from catalog.context import ShopperContext
from centra.readers import address_lines, obj, text


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
    shipping = address_lines(obj(order.get("shippingAddress")))
    billing = address_lines(address)
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
