"""Centra's orders (``POST orders``: ``docs/centra.md#customers``) as the order history and the
order page show them: plain frozen dataclasses, every field read defensively (Centra adds and
omits fields without notice). Prices are Centra's own formatted strings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from centra.readers import address_lines, obj, objs, text


@dataclass(frozen=True, slots=True)
class OrderLine:
    name: str
    size: str
    quantity: int
    price_each: str
    total: str


@dataclass(frozen=True, slots=True)
class Shipment:
    shipped: str
    carrier: str
    service: str
    tracking_id: str
    tracking_url: str  # "" unless an absolute http(s) URL: it becomes a link


@dataclass(frozen=True, slots=True)
class Order:
    number: str
    date: str
    status: str
    lines: tuple[OrderLine, ...]
    quantity: int
    items_total: str
    shipping: str
    discount: str
    grand_total: str
    billing: tuple[str, ...]
    shipping_address: tuple[str, ...]  # empty: the same as billing
    payment_method: str
    shipping_method: str
    shipments: tuple[Shipment, ...]


@dataclass(frozen=True, slots=True)
class OrdersPage:
    orders: tuple[Order, ...]
    page: int
    pages: int
    total: int


def order_from(order: Mapping[str, Any]) -> Order:
    totals = obj(order.get("totals"))
    billing = address_lines(obj(order.get("address")))
    shipping = address_lines(obj(order.get("shippingAddress")))
    lines = tuple(_line(item) for item in objs(order.get("items")))
    discount = totals.get("totalDiscountPrice")
    return Order(
        number=text(order.get("order")),
        date=text(order.get("date")),
        status=text(order.get("statusDescription")) or text(order.get("status")),
        lines=lines,
        quantity=sum(line.quantity for line in lines),
        items_total=text(totals.get("itemsTotalPrice")),
        shipping=text(totals.get("shippingPrice")),
        discount=discount if isinstance(discount, str) else "",
        grand_total=text(totals.get("grandTotalPrice")),
        billing=billing,
        shipping_address=() if shipping == billing else shipping,
        payment_method=text(order.get("paymentMethodName")) or text(order.get("paymentMethod")),
        shipping_method=text(order.get("shippingMethodName")) or text(order.get("shippingMethod")),
        shipments=tuple(_shipment(s) for s in objs(order.get("shipments"))),
    )


def orders_page(answer: Mapping[str, Any], page: int, size: int) -> OrdersPage:
    paging = obj(answer.get("ordersPaging"))
    total = paging.get("totalSize")
    total = total if isinstance(total, int) and total >= 0 else 0
    return OrdersPage(
        orders=tuple(order_from(o) for o in objs(answer.get("orders"))),
        page=page,
        pages=max(1, -(-total // size)),
        total=total,
    )


def _line(item: Mapping[str, Any]) -> OrderLine:
    product = obj(item.get("product"))
    quantity = item.get("quantity")
    return OrderLine(
        name=text(item.get("productName")) or text(product.get("name")),
        size=text(item.get("localizedSize")) or text(item.get("size")),
        quantity=quantity if isinstance(quantity, int) and quantity > 0 else 0,
        price_each=text(item.get("priceEach")),
        total=text(item.get("totalPrice")),
    )


def _shipment(shipment: Mapping[str, Any]) -> Shipment:
    url = text(shipment.get("trackingUrl"))
    parts = urlsplit(url)
    return Shipment(
        shipped=text(shipment.get("shippedDate")),
        carrier=text(shipment.get("carrier")),
        service=text(shipment.get("service")),
        tracking_id=text(shipment.get("trackingId")),
        tracking_url=url if parts.scheme in ("http", "https") and parts.netloc else "",
    )
