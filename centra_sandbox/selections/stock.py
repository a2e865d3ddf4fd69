"""Stock (Centra's "aggressive" overselling prevention): how far a line may grow, the
``unavailable`` entries of a shortage, and the cut made at checkout."""

from __future__ import annotations

import sqlite3
from typing import Any

from centra_sandbox.http import ApiError
from centra_sandbox.selections.records import raw_lines


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
