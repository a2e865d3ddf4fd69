"""The selection (Centra's cart): loading, pricing, totals, the SelectionResponse envelope, and the
changes every selection route shares.

Decisions where Centra's documentation leaves room (the storefront can rely on them):

- Prices are read live from the selection's pricelist, so a change of country, market or pricelist
  re-prices every line at once. Lines whose product is inactive, not in the selection's market or
  without a price in its pricelist are never shown or counted, and are deleted when the location
  changes and before payment (``drop_unsellable_lines``).
- An item that is unknown, inactive or not in the market answers 404
  ``{"item": "product item not found"}``; an item with no price in the pricelist answers 406
  ``{"item": "not purchasable"}``. Quantities in paths are integers from 1 to ``MAX_LINE_QUANTITY``
  (``PUT lines/{line}/quantity/0`` removes the line); anything else is 400 ``errors.quantity``.
- Stock ("aggressive" overselling prevention, D-oversell): a call that asks for more than
  ``items.stock`` on one line is capped at the stock and answers 200 with ``unavailable``
  (partial shortage). When nothing of the requested increase can be added (stock 0, or the line
  already holds all the stock) it answers 410 ``{"errors": {"stock": "unavailable items"},
  "unavailable": [...]}`` and the selection is unchanged. Decreases never check stock.
  ``unavailable`` entries are ``{item, product, originalQuantity, unavailable, available}`` with
  ``originalQuantity`` the line quantity asked for and ``available`` the stock.
- Vouchers: ``percent`` takes that share of the items total, ``fixed`` takes its value in the
  selection's currency; together they never exceed the items total. They show at order level
  (``totals.totalDiscountPrice``, negative, ``false`` when there is none) and, split over the lines
  in proportion to their totals, in each item's ``discounts.vouchers`` (``hasAffectedItemPrice``
  false). ``discounts.discount`` is the same negative sum.
- Tax: the country's ``tax_percent`` (a state's own percent when it has one). Tax-included
  countries carry the tax inside prices (``grandTotalPriceTax`` is the included part,
  ``taxAdded: false``); tax-exclusive ones (the US) add ``taxAdded`` on items after discount plus
  shipping plus handling. ``taxDeducted`` is always ``false`` (no VAT-exempt orders).
- Shipping: the methods with a rate for the selection's country and pricelist, in the methods'
  order; none for a not-shippable country. The chosen method is kept while it is
  offered, otherwise the first one is used. Payment: the chosen method, else the first one.
- ``location.language`` is the selection's language as a Language object (the top-level
  ``language`` object was dropped in v2.69). A selection with no country has ``country: null``,
  ``name: ""``, ``shipTo: false``, tax 0.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from centra.sandbox.http import ApiError, Call
from centra.sandbox.money import currency_format, money_pair, round_money
from centra.sandbox.products import selection_item_product

MAX_LINE_QUANTITY = 9999
MAX_FIELD_LENGTH = 255

ADDRESS_FIELDS = (
    "email",
    "firstName",
    "lastName",
    "company",
    "address1",
    "address2",
    "zipCode",
    "city",
    "state",
    "country",
    "phoneNumber",
    "vatNumber",
)
SHIPPING_ADDRESS_FIELDS = tuple(f for f in ADDRESS_FIELDS if f != "vatNumber")
# Accepted on input, stored, never echoed in the selection's address (Part A 3.2).
INPUT_ONLY_ADDRESS_FIELDS = ("identityNumber", "houseNumber", "houseExtension")
REQUIRED_ADDRESS_FIELDS = ("email", "country")

ZERO = Decimal(0)

# Used only when the store holds no pricelist at all, so an empty sandbox still answers.
_NO_CURRENCY = {
    "code": "",
    "name": "",
    "prefix": "",
    "suffix": "",
    "decimal_point": ".",
    "decimal_digits": 2,
    "thousands_separator": "",
    "denominator": 100,
    "uri": "",
}


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


# -- context -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a selection shops: country and state, market, pricelist (and so currency), language."""

    country: sqlite3.Row | None
    state: sqlite3.Row | None
    market: int
    pricelist: int
    currency: sqlite3.Row | dict[str, Any]
    language: str | None

    @property
    def ship_to(self) -> bool:
        return bool(self.country is not None and self.country["ship_to"])

    @property
    def tax_percent(self) -> Decimal:
        if self.state is not None and self.state["tax_percent"] is not None:
            return dec(self.state["tax_percent"])
        return dec(self.country["tax_percent"]) if self.country is not None else ZERO

    @property
    def tax_included(self) -> bool:
        return bool(self.country["tax_included"]) if self.country is not None else True

    @property
    def digits(self) -> int:
        return int(self.currency["decimal_digits"])

    def money(self, name: str, amount: Decimal) -> dict[str, Any]:
        return money_pair(name, amount, self.currency)

    def round(self, amount: Decimal) -> Decimal:
        return round_money(amount, self.digits)


def load_selection(db: sqlite3.Connection, selection_id: str) -> sqlite3.Row:
    row = db.execute("SELECT * FROM selections WHERE id = ?", (selection_id,)).fetchone()
    if row is None:
        raise ApiError(404, {"selection": "not found"})
    return row


def _default_id(db: sqlite3.Connection, table: str) -> Any:
    row = db.execute(f"SELECT id FROM {table} ORDER BY is_default DESC, id LIMIT 1").fetchone()  # noqa: S608
    return row[0] if row else None


def place_of(db: sqlite3.Connection, sel: sqlite3.Row) -> Place:
    country = state = None
    if sel["country"]:
        country = db.execute("SELECT * FROM countries WHERE code = ?", (sel["country"],)).fetchone()
    if country is not None and sel["state"]:
        state = db.execute(
            "SELECT * FROM states WHERE country = ? AND code = ?", (country["code"], sel["state"])
        ).fetchone()
    market = sel["market"] if sel["market"] is not None else _default_id(db, "markets")
    pricelist = sel["pricelist"] if sel["pricelist"] is not None else _default_id(db, "pricelists")
    currency = db.execute(
        "SELECT c.* FROM currencies c JOIN pricelists p ON p.currency = c.code WHERE p.id = ?",
        (pricelist,),
    ).fetchone()
    return Place(
        country=country,
        state=state,
        market=market or 0,
        pricelist=pricelist or 0,
        currency=currency if currency is not None else _NO_CURRENCY,
        language=sel["language"],
    )


# -- items and lines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """An item that can be bought in a place, with its price there."""

    item: sqlite3.Row
    price: Decimal
    price_before: Decimal

    @property
    def product_id(self) -> int:
        return int(self.item["product_id"])


def offer_for(db: sqlite3.Connection, item_id: str, place: Place) -> Offer:
    """The item priced for this place, or the Centra-shaped refusal."""
    item = None
    if 0 < len(item_id) <= 64:
        item = db.execute(
            "SELECT i.* FROM items i JOIN products p ON p.id = i.product_id "
            "JOIN product_markets pm ON pm.product_id = p.id AND pm.market_id = ? "
            "WHERE i.id = ? AND p.active = 1",
            (place.market, item_id),
        ).fetchone()
    if item is None:
        raise ApiError(404, {"item": "product item not found"})
    price = db.execute(
        "SELECT price, price_before_discount FROM product_prices "
        "WHERE product_id = ? AND pricelist_id = ?",
        (item["product_id"], place.pricelist),
    ).fetchone()
    if price is None:
        raise ApiError(406, {"item": "not purchasable"})
    return Offer(item, dec(price["price"]), dec(price["price_before_discount"]))


@dataclass
class Line:
    line: str
    quantity: int
    comment: str
    offer: Offer
    voucher_shares: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def item_id(self) -> str:
        return str(self.offer.item["id"])

    @property
    def total(self) -> Decimal:
        return self.offer.price * self.quantity


def raw_lines(db: sqlite3.Connection, selection_id: str) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT * FROM selection_lines WHERE selection_id = ? ORDER BY position, rowid",
        (selection_id,),
    ).fetchall()


def priced_lines(db: sqlite3.Connection, selection_id: str, place: Place) -> list[Line]:
    """The sellable lines priced for the place; ``drop_unsellable_lines`` removes the others."""
    lines = []
    for row in raw_lines(db, selection_id):
        try:
            offer = offer_for(db, row["item_id"], place)
        except ApiError:
            continue
        lines.append(Line(row["line"], row["quantity"], row["comment"], offer))
    return lines


def drop_unsellable_lines(db: sqlite3.Connection, selection_id: str, place: Place) -> None:
    for row in raw_lines(db, selection_id):
        try:
            offer_for(db, row["item_id"], place)
        except ApiError:
            db.execute("DELETE FROM selection_lines WHERE line = ?", (row["line"],))


def find_line(db: sqlite3.Connection, selection_id: str, line: str) -> sqlite3.Row:
    row = db.execute(
        "SELECT * FROM selection_lines WHERE selection_id = ? AND line = ?", (selection_id, line)
    ).fetchone()
    if row is None:
        raise ApiError(404, {"line": "not found"})
    return row


def parse_quantity(raw: str, minimum: int = 1) -> int:
    """A path quantity: plain decimal digits within ``minimum..MAX_LINE_QUANTITY``."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not (
        minimum <= int(raw) <= MAX_LINE_QUANTITY
    ):
        raise ApiError(400, {"quantity": quantity_rule(minimum)})
    return int(raw)


def quantity_rule(minimum: int) -> str:
    return f"must be an integer from {minimum} to {MAX_LINE_QUANTITY}"


def unavailable_entry(item: sqlite3.Row, wanted: int) -> dict[str, Any]:
    available = max(int(item["stock"]), 0)
    return {
        "item": str(item["id"]),
        "product": str(item["product_id"]),
        "originalQuantity": wanted,
        "unavailable": wanted - available,
        "available": available,
    }


def stock_capped(item: sqlite3.Row, current: int, wanted: int) -> tuple[int, dict | None]:
    """The quantity a line may hold when ``wanted`` is asked for, and its ``unavailable`` entry.

    Raises the documented 410 when the ask is an increase of which nothing can be had."""
    stock = max(int(item["stock"]), 0)
    if wanted <= stock or wanted <= current:
        return wanted, None
    entry = unavailable_entry(item, wanted)
    if stock <= current:
        raise ApiError(410, {"stock": "unavailable items"}, unavailable=[entry])
    return stock, entry


def _next_position(db: sqlite3.Connection, selection_id: str) -> int:
    row = db.execute(
        "SELECT COALESCE(MAX(position), -1) + 1 FROM selection_lines WHERE selection_id = ?",
        (selection_id,),
    ).fetchone()
    return int(row[0])


def add_item(
    db: sqlite3.Connection, selection_id: str, place: Place, item_id: str, quantity: int
) -> dict | None:
    """Add ``quantity`` of an item, merging into its line; returns an ``unavailable`` entry when
    the stock capped the line."""
    offer = offer_for(db, item_id, place)
    line = db.execute(
        "SELECT * FROM selection_lines WHERE selection_id = ? AND item_id = ? AND comment = '' "
        "ORDER BY position LIMIT 1",
        (selection_id, item_id),
    ).fetchone()
    current = line["quantity"] if line else 0
    wanted = current + quantity
    if wanted > MAX_LINE_QUANTITY:
        raise ApiError(400, {"quantity": f"a line holds at most {MAX_LINE_QUANTITY}"})
    new_quantity, shortage = stock_capped(offer.item, current, wanted)
    if line:
        db.execute(
            "UPDATE selection_lines SET quantity = ? WHERE line = ?", (new_quantity, line["line"])
        )
    else:
        db.execute(
            "INSERT INTO selection_lines (line, selection_id, item_id, quantity, position) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                secrets.token_hex(16),
                selection_id,
                item_id,
                new_quantity,
                _next_position(db, selection_id),
            ),
        )
    return shortage


def set_line_quantity(
    db: sqlite3.Connection, line: sqlite3.Row, place: Place, quantity: int
) -> dict | None:
    """Set a line to ``quantity`` (0 removes it); stock is checked only when it grows."""
    if quantity <= 0:
        db.execute("DELETE FROM selection_lines WHERE line = ?", (line["line"],))
        return None
    if quantity > MAX_LINE_QUANTITY:
        raise ApiError(400, {"quantity": f"a line holds at most {MAX_LINE_QUANTITY}"})
    shortage = None
    if quantity > line["quantity"]:
        offer = offer_for(db, line["item_id"], place)
        quantity, shortage = stock_capped(offer.item, line["quantity"], quantity)
    db.execute("UPDATE selection_lines SET quantity = ? WHERE line = ?", (quantity, line["line"]))
    return shortage


def merge_lines(db: sqlite3.Connection, from_selection: str, into_selection: str) -> None:
    """Move every line of one selection into another, adding quantities of the same item into the
    existing line (a pre-login cart merging into the customer's saved one)."""
    for row in raw_lines(db, from_selection):
        target = db.execute(
            "SELECT line, quantity FROM selection_lines "
            "WHERE selection_id = ? AND item_id = ? AND comment = ?",
            (into_selection, row["item_id"], row["comment"]),
        ).fetchone()
        if target:
            quantity = min(target["quantity"] + row["quantity"], MAX_LINE_QUANTITY)
            db.execute(
                "UPDATE selection_lines SET quantity = ? WHERE line = ?", (quantity, target["line"])
            )
            db.execute("DELETE FROM selection_lines WHERE line = ?", (row["line"],))
        else:
            db.execute(
                "UPDATE selection_lines SET selection_id = ?, position = ? WHERE line = ?",
                (into_selection, _next_position(db, into_selection), row["line"]),
            )


def shortages_at_checkout(db: sqlite3.Connection, selection_id: str) -> list[dict[str, Any]]:
    """Cut every line down to the stock (removing lines with none) and list what was missing."""
    unavailable = []
    for row in raw_lines(db, selection_id):
        item = db.execute("SELECT * FROM items WHERE id = ?", (row["item_id"],)).fetchone()
        if item is None or row["quantity"] <= item["stock"]:
            continue
        unavailable.append(unavailable_entry(item, row["quantity"]))
        if item["stock"] > 0:
            db.execute(
                "UPDATE selection_lines SET quantity = ? WHERE line = ?",
                (item["stock"], row["line"]),
            )
        else:
            db.execute("DELETE FROM selection_lines WHERE line = ?", (row["line"],))
    return unavailable


# -- location ----------------------------------------------------------------------------------


def find_country(db: sqlite3.Connection, code: str) -> sqlite3.Row:
    row = None
    if 0 < len(code) <= 8:
        row = db.execute("SELECT * FROM countries WHERE code = ?", (code.upper(),)).fetchone()
    if row is None:
        raise ApiError(404, {"country": "not found"})
    return row


def find_state(db: sqlite3.Connection, country: sqlite3.Row, code_or_name: str) -> sqlite3.Row:
    """A state by ISO code or, as Centra also accepts, by its full name."""
    row = None
    if 0 < len(code_or_name) <= 64:
        row = db.execute(
            "SELECT * FROM states WHERE country = ? AND (code = ? OR name = ? COLLATE NOCASE)",
            (country["code"], code_or_name.upper(), code_or_name),
        ).fetchone()
    if row is None:
        raise ApiError(404, {"state": "not found"})
    return row


def find_language(db: sqlite3.Connection, code: Any) -> sqlite3.Row:
    row = None
    if isinstance(code, str) and 0 < len(code) <= 16:
        row = db.execute("SELECT * FROM languages WHERE code = ?", (code.lower(),)).fetchone()
    if row is None:
        raise ApiError(404, {"language": "not found"})
    return row


def move_to_country(
    db: sqlite3.Connection,
    selection_id: str,
    country: sqlite3.Row,
    state: sqlite3.Row | None = None,
    language: str | None = None,
) -> None:
    """Set country and state; market, pricelist and language follow the country's defaults
    (``language`` overrides the last); lines no longer sellable there are dropped."""
    relocate(db, selection_id, **country_defaults(country, state, language))


def country_defaults(
    country: sqlite3.Row, state: sqlite3.Row | None = None, language: str | None = None
) -> dict[str, Any]:
    return {
        "country": country["code"],
        "state": state["code"] if state is not None else None,
        "market": country["market"],
        "pricelist": country["pricelist"],
        "language": language or country["language"],
    }


_LOCATION_COLUMNS = ("country", "state", "market", "pricelist", "language")


def relocate(db: sqlite3.Connection, selection_id: str, **columns: Any) -> None:
    """Change location columns in one step, then drop what is no longer sellable and settle the
    shipping method (so an explicit pricelist is applied before lines are judged)."""
    for column, value in columns.items():
        if column not in _LOCATION_COLUMNS:
            raise ValueError(f"not a location column: {column}")
        db.execute(
            f"UPDATE selections SET {column} = ? WHERE id = ?",  # noqa: S608 - checked names
            (value, selection_id),
        )
    refresh_after_move(db, selection_id)


def refresh_after_move(db: sqlite3.Connection, selection_id: str) -> None:
    """After market, pricelist or country changed: drop unsellable lines and settle shipping."""
    sel = load_selection(db, selection_id)
    place = place_of(db, sel)
    drop_unsellable_lines(db, selection_id, place)
    chosen = effective_shipping(shipping_options(db, place), sel["shipping_method"])
    db.execute(
        "UPDATE selections SET shipping_method = ? WHERE id = ?",
        (chosen.id if chosen else "", selection_id),
    )


# -- payment fields ----------------------------------------------------------------------------

MAX_NOTES_LENGTH = 2000
MAX_CONSENTS = 50


def _clean_address(value: Any, prefix: str, fields: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ApiError(400, {prefix: "must be an object"})
    cleaned: dict[str, Any] = {}
    too_long = {}
    for key, raw in value.items():
        name = f"{prefix}.{key}"
        if key == "newsletter" and prefix == "address":
            if not isinstance(raw, bool):
                raise ApiError(400, {name: "must be a boolean"})
            cleaned[key] = raw
        elif key in fields or (prefix == "address" and key in INPUT_ONLY_ADDRESS_FIELDS):
            if raw is None:
                raw = ""
            if not isinstance(raw, str):
                raise ApiError(400, {name: "must be a string"})
            if len(raw) > MAX_FIELD_LENGTH:
                too_long[name] = f"must be at most {MAX_FIELD_LENGTH} characters"
            cleaned[key] = raw.strip()
        # Anything else (register, password, unknown keys) is ignored, as Centra ignores
        # fields it was not configured for.
    if too_long:
        raise ApiError(406, too_long)
    if "country" in cleaned:
        cleaned["country"] = cleaned["country"].upper()
    return cleaned


def _truthy_terms(value: Any) -> bool:
    # The order-flow example sends the string "true".
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ApiError(400, {"termsAndConditions": "must be a boolean"})


def clean_payment_fields(
    sel: sqlite3.Row, body: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Validate checkout fields from ``PUT payment-fields`` or ``POST payment`` and merge them
    over what the selection holds: (address, shippingAddress, extra). Raises 400 for wrong types
    and 406 for values that are too long; the caller decides when to store."""
    address = json.loads(sel["address"] or "{}")
    shipping_address = json.loads(sel["shipping_address"] or "{}")
    extra = json.loads(sel["extra"] or "{}")
    if "address" in body:
        address.update(_clean_address(body["address"], "address", ADDRESS_FIELDS))
        if "newsletter" in address:
            extra["newsletter"] = address.pop("newsletter")
    if "shippingAddress" in body:
        shipping_address.update(
            _clean_address(body["shippingAddress"], "shippingAddress", SHIPPING_ADDRESS_FIELDS)
        )
    if "newsletter" in body:
        if not isinstance(body["newsletter"], bool):
            raise ApiError(400, {"newsletter": "must be a boolean"})
        extra["newsletter"] = body["newsletter"]
    if "termsAndConditions" in body:
        extra["termsAndConditions"] = _truthy_terms(body["termsAndConditions"])
    if "additionalNotes" in body:
        notes = body["additionalNotes"]
        if not isinstance(notes, str):
            raise ApiError(400, {"additionalNotes": "must be a string"})
        if len(notes) > MAX_NOTES_LENGTH:
            raise ApiError(
                406, {"additionalNotes": f"must be at most {MAX_NOTES_LENGTH} characters"}
            )
        extra["additionalNotes"] = notes
    if "consents" in body:
        consents = body["consents"]
        if not isinstance(consents, list) or len(consents) > MAX_CONSENTS:
            raise ApiError(400, {"consents": f"must be a list of at most {MAX_CONSENTS} entries"})
        if len(json.dumps(consents)) > 20_000:
            raise ApiError(406, {"consents": "too large"})
        extra["consents"] = consents
    return address, shipping_address, extra


# -- shipping and payment methods --------------------------------------------------------------


@dataclass(frozen=True)
class ShippingOption:
    id: str
    name: str
    price: Decimal


def shipping_options(db: sqlite3.Connection, place: Place) -> list[ShippingOption]:
    if not place.ship_to:
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


# -- vouchers ----------------------------------------------------------------------------------


def find_voucher(db: sqlite3.Connection, code: Any) -> sqlite3.Row:
    row = None
    if isinstance(code, str) and 0 < len(code) <= 100:
        row = db.execute(
            "SELECT * FROM vouchers WHERE code = ? COLLATE NOCASE ORDER BY code = ? DESC LIMIT 1",
            (code, code),
        ).fetchone()
    if row is None:
        raise ApiError(404, {"voucher": "not found"})
    return row


def voucher_codes(sel: sqlite3.Row) -> list[str]:
    return list(json.loads(sel["vouchers"] or "[]"))


@dataclass(frozen=True)
class VoucherUse:
    voucher: sqlite3.Row
    amount: Decimal  # taken off, positive
    lines: list[str]


# -- pricing -----------------------------------------------------------------------------------


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


def _apply_vouchers(db: sqlite3.Connection, sel: sqlite3.Row, lines: list[Line], place: Place):
    items_total = sum((line.total for line in lines), ZERO)
    remaining = items_total
    uses = []
    for code in voucher_codes(sel):
        voucher = db.execute("SELECT * FROM vouchers WHERE code = ?", (code,)).fetchone()
        if voucher is None or not lines:
            continue
        if voucher["kind"] == "percent":
            amount = place.round(items_total * dec(voucher["value"]) / 100)
        else:
            amount = place.round(dec(voucher["value"]))
        amount = min(amount, remaining)
        remaining -= amount
        _split_over_lines(voucher["code"], amount, lines, items_total, place)
        uses.append(VoucherUse(voucher, amount, [line.line for line in lines]))
    return uses, items_total - remaining


def _split_over_lines(
    code: str, amount: Decimal, lines: list[Line], items_total: Decimal, place: Place
) -> None:
    left = amount
    for index, line in enumerate(lines):
        if index == len(lines) - 1 or not items_total:
            share = left
        else:
            share = place.round(amount * line.total / items_total)
        left -= share
        line.voucher_shares.append((code, share))


def price_selection(db: sqlite3.Connection, selection_id: str) -> Priced:
    sel = load_selection(db, selection_id)
    place = place_of(db, sel)
    lines = priced_lines(db, selection_id, place)
    options = shipping_options(db, place)
    shipping = effective_shipping(options, sel["shipping_method"])
    method = effective_payment_method(db, sel["payment_method"])
    vouchers, discount = _apply_vouchers(db, sel, lines, place)
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


# -- JSON --------------------------------------------------------------------------------------


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


def language_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"language": row["code"], "name": row["name"], "default": bool(row["is_default"])}


def language_list(db: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = db.execute("SELECT * FROM languages ORDER BY name, code").fetchall()
    return [language_json(row) for row in rows]


def shippable_countries(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """``countries`` of the envelope (CountryShippable): shippable ones, states where they exist."""
    states: dict[str, list[dict[str, str]]] = {}
    for row in db.execute("SELECT country, code, name FROM states ORDER BY name").fetchall():
        states.setdefault(row["country"], []).append({"state": row["code"], "name": row["name"]})
    rows = db.execute(
        "SELECT c.*, p.currency FROM countries c JOIN pricelists p ON p.id = c.pricelist "
        "WHERE c.ship_to = 1 ORDER BY c.name"
    ).fetchall()
    countries = []
    for row in rows:
        country = {
            "country": row["code"],
            "name": row["name"],
            "eu": bool(row["eu"]),
            "language": row["language"],
            "currency": row["currency"],
        }
        if row["code"] in states:
            country["states"] = states[row["code"]]
        countries.append(country)
    return countries


def location_json(db: sqlite3.Connection, place: Place) -> dict[str, Any]:
    language = None
    if place.language:
        language = db.execute(
            "SELECT * FROM languages WHERE code = ?", (place.language,)
        ).fetchone()
    if language is None:
        language = db.execute(
            "SELECT * FROM languages ORDER BY is_default DESC, code LIMIT 1"
        ).fetchone()
    country, state = place.country, place.state
    return {
        "country": country["code"] if country is not None else None,
        "name": country["name"] if country is not None else "",
        "state": state["code"] if state is not None else None,
        "stateName": state["name"] if state is not None else "",
        "eu": bool(country["eu"]) if country is not None else False,
        "shipTo": place.ship_to,
        "market": int(place.market),
        "pricelist": int(place.pricelist),
        "language": language_json(language) if language is not None else None,
    }


def payment_methods_json(db: sqlite3.Connection, place: Place) -> list[dict[str, Any]]:
    return [
        {
            "paymentMethod": row["id"],
            "name": row["name"],
            "paymentMethodType": row["kind"],
            "supportsInitiateOnly": False,
            "providesCustomerAddressAfterPayment": False,
            "addressRequiredFields": list(REQUIRED_ADDRESS_FIELDS),
            **place.money("handlingCost", dec(row["handling_cost"])),
        }
        for row in payment_methods(db)
    ]


def shipping_methods_json(priced: Priced) -> list[dict[str, Any]]:
    return [
        {"shippingMethod": o.id, "name": o.name, **priced.place.money("price", o.price)}
        for o in priced.shipping_options
    ]


def _field(kind: str, required: bool = False) -> dict[str, Any]:
    return {"type": kind, "required": required, "visible": True}


def payment_fields() -> dict[str, Any]:
    """The checkout field configuration; the defaults require only address email and country."""
    address = {name: _field("string", name in REQUIRED_ADDRESS_FIELDS) for name in ADDRESS_FIELDS}
    address["newsletter"] = _field("boolean")
    return {
        "termsAndConditions": _field("boolean", True),
        "address": address,
        "shippingAddress": {name: _field("string") for name in SHIPPING_ADDRESS_FIELDS},
    }


def logged_in_json(db: sqlite3.Connection, customer_id: int | None) -> dict[str, Any] | None:
    """The ``loggedIn`` object for a customer id, or None when there is no such customer."""
    if customer_id is None:
        return None
    # accounts owns the loggedIn shape; it imports this module, hence the late import.
    from centra.sandbox.accounts import logged_in

    try:
        return logged_in(db, customer_id)
    except LookupError:
        return None


def session_customer(call: Call) -> int | None:
    session = call.session
    return session["customer_id"] if session is not None else None


def context_json(call: Call, place: Place) -> dict[str, Any]:
    """``languages``, ``countries``, ``location`` and ``loggedIn?``: what every envelope shares."""
    body: dict[str, Any] = {
        "languages": language_list(call.db),
        "countries": shippable_countries(call.db),
        "location": location_json(call.db, place),
    }
    customer = logged_in_json(call.db, session_customer(call))
    if customer is not None:
        body["loggedIn"] = customer
    return body


def selection_response(call: Call, selection_id: str | None = None) -> dict:
    """The SelectionResponse envelope (Part A 3.2) without ``token``, which the app adds."""
    db = call.db
    selection_id = selection_id or call.selection_id
    priced = price_selection(db, selection_id)
    shared = context_json(call, priced.place)
    body: dict[str, Any] = {
        "selection": selection_json(db, priced, call.sandbox.public_url(call.request)),
        "languages": shared.pop("languages"),
        "paymentMethods": payment_methods_json(db, priced.place),
        "paymentFields": payment_fields(),
        "shippingMethods": shipping_methods_json(priced),
        **shared,
    }
    return body


# -- new selections ----------------------------------------------------------------------------


def fresh_selection(db: sqlite3.Connection, token: str, like: sqlite3.Row, now: float) -> str:
    """Give a token a new empty selection in the same place as ``like`` (after an order)."""
    selection_id = secrets.token_hex(16)
    db.execute(
        "INSERT INTO selections (id, created_at, country, state, language, market, pricelist, "
        "customer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            selection_id,
            now,
            like["country"],
            like["state"],
            like["language"],
            like["market"],
            like["pricelist"],
            like["customer_id"],
        ),
    )
    db.execute("UPDATE sessions SET selection_id = ? WHERE token = ?", (selection_id, token))
    return selection_id
