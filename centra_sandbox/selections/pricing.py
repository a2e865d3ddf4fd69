"""Pricing a selection (``Priced``): lines, shipping, handling, vouchers and tax, computed once for
the envelope and for the order.

Tax is the country's ``tax_percent`` (a state's own percent when it has one). Tax-included
countries carry the tax inside prices (``grand_total_tax`` is the included part); tax-exclusive
ones (the US) add ``tax_added`` on items after discount plus shipping plus handling. An empty
cart ships nothing and costs nothing."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal

from centra_sandbox.selections.lines import Line, priced_lines
from centra_sandbox.selections.methods import (
    ShippingOption,
    effective_payment_method,
    effective_shipping,
    shipping_options,
)
from centra_sandbox.selections.place import ZERO, Place, dec, place_of
from centra_sandbox.selections.records import load_selection
from centra_sandbox.selections.vouchers import VoucherUse, apply_vouchers


@dataclass
class Priced:
    """A selection with everything its envelope and its order need, computed once."""

    sel: sqlite3.Row
    place: Place
    lines: list[Line]
    shipping_options: list[ShippingOption]
    shipping: ShippingOption | None
    payment_method: sqlite3.Row | None
    vouchers: list[VoucherUse]
    items_total: Decimal
    discount: Decimal
    shipping_price: Decimal
    handling: Decimal
    tax_added: Decimal
    grand_total: Decimal
    grand_total_tax: Decimal

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


def price_selection(db: sqlite3.Connection, selection_id: str) -> Priced:
    sel = load_selection(db, selection_id)
    place = place_of(db, sel)
    lines = priced_lines(db, selection_id, place)
    options = shipping_options(db, place)
    shipping = effective_shipping(options, sel["shipping_method"])
    method = effective_payment_method(db, sel["payment_method"])
    vouchers, discount = apply_vouchers(db, sel, lines, place)
    items_total = sum((line.total for line in lines), ZERO)
    # An empty cart ships nothing and costs nothing.
    shipping_price = shipping.price if shipping and lines else ZERO
    handling = dec(method["handling_cost"]) if method is not None and lines else ZERO
    subtotal = items_total - discount + shipping_price + handling
    percent = place.tax_percent
    if place.tax_included:
        tax_added = ZERO
        grand = subtotal
        grand_tax = place.round(grand * percent / (100 + percent))
    else:
        tax_added = place.round(subtotal * percent / 100)
        grand = subtotal + tax_added
        grand_tax = tax_added
    return Priced(
        sel=sel,
        place=place,
        lines=lines,
        shipping_options=options,
        shipping=shipping,
        payment_method=method,
        vouchers=vouchers,
        items_total=items_total,
        discount=discount,
        shipping_price=shipping_price,
        handling=handling,
        tax_added=tax_added,
        grand_total=place.round(grand),
        grand_total_tax=grand_tax,
    )
