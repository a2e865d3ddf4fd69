"""Items and lines: what an item costs in a place (``Offer``), the priced lines of a selection,
and adding, setting and merging line quantities."""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass, field
from decimal import Decimal

from centra_sandbox.http import ApiError
from centra_sandbox.selections.place import Place, dec
from centra_sandbox.selections.records import raw_lines
from centra_sandbox.selections.stock import stock_capped

MAX_LINE_QUANTITY = 9999


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
