"""A Product's price fields (``price``, ``priceBeforeDiscount``, their ``AsNumber`` twins,
``discountPercent``, flags), ``lowestPrice`` and its ``subscriptionPlans``, formatted in the
pricelist's currency."""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from typing import Any

from centra_sandbox.money import money_pair


def _discount_percent(price: float, before: float) -> int:
    if before <= 0 or price >= before:
        return 0
    return round((before - price) * 100 / before)


_NO_PRICE = {
    "price": None,
    "priceAsNumber": None,
    "priceBeforeDiscount": None,
    "priceBeforeDiscountAsNumber": None,
    "discountPercent": 0,
    "showAsOnSale": False,
    "showAsNew": False,
}


@lru_cache(maxsize=8192)
def _priced(
    price: float, before: float, on_sale: int, new: int, currency: sqlite3.Row
) -> dict[str, Any]:
    # Catalogs repeat the same few price points, and formatting money (Decimal rounding, digit
    # groups) is most of a product's cost with ``pricelist: "all"``. The key holds every input,
    # the currency row included (rows hash by value), so a changed currency is a new key; the
    # callers copy the result, so no response shares it.
    return {
        **money_pair("price", price, currency),
        **money_pair("priceBeforeDiscount", before, currency),
        "discountPercent": _discount_percent(price, before),
        "showAsOnSale": bool(on_sale),
        "showAsNew": bool(new),
    }


def price_fields(row: sqlite3.Row | None, currency: Any) -> dict[str, Any]:
    """The price fields of a Product for one ``product_prices`` row in its pricelist's
    currency; all empty when the product has no price there."""
    if row is None or currency is None:
        return dict(_NO_PRICE)
    key = (row["price"], row["price_before_discount"], row["show_as_on_sale"], row["show_as_new"])
    return dict(_priced(*key, currency))


@lru_cache(maxsize=8192)
def _lowest(lowest: float, before: float, currency: sqlite3.Row) -> dict[str, Any]:
    return {
        "periodDays": 30,
        **money_pair("price", lowest, currency),
        **money_pair("priceBeforeDiscount", before, currency),
    }


def lowest_price(row: sqlite3.Row | None, currency: Any) -> list[dict[str, Any]]:
    """``lowestPrice``: the lowest price of the last 30 days, when the row has one."""
    if row is None or currency is None or row["lowest_price"] is None:
        return []
    return [dict(_lowest(row["lowest_price"], row["price_before_discount"], currency))]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def subscription_plan_json(plan: sqlite3.Row) -> dict[str, Any]:
    """One of ``subscriptionPlans`` across all pricelists (``pricelist: "all"``): no price,
    like the product itself."""
    return {
        "subscriptionPlan": plan["id"],
        "name": plan["name"],
        "intervalValue": plan["interval_value"],
        "intervalType": plan["interval_type"],
        "discountPercent": _number(plan["discount_percent"]),
        "shippingType": plan["shipping_type"],
        "status": plan["status"],
    }


def priced_subscription_plan_json(
    plan: sqlite3.Row, price: sqlite3.Row | None, currency: Any
) -> dict[str, Any]:
    """One of ``subscriptionPlans`` in one pricelist: also the product's price before and after
    the plan's discount, null when the product has no price there."""
    data = subscription_plan_json(plan)
    if price is None or currency is None:
        data.update(
            price=None, priceAsNumber=None, priceAfterDiscount=None, priceAfterDiscountAsNumber=None
        )
        return data
    after = price["price"] * (100 - plan["discount_percent"]) / 100
    data.update(money_pair("price", price["price"], currency))
    data.update(money_pair("priceAfterDiscount", after, currency))
    return data
