"""Where a selection shops (``Place``): country and state, market, pricelist and so currency,
language, and the tax that follows from them. A selection with no country is taxed at 0 and
cannot ship; market and pricelist fall back to the store's defaults."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from centra_sandbox.money import money_pair, round_money

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
