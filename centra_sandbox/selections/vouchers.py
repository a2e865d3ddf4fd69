"""Vouchers: finding codes and applying them to a selection's lines.

``percent`` takes that share of the items total, ``fixed`` takes its value in the selection's
currency; together they never exceed the items total. Each amount is split over the lines in
proportion to their totals (the last line takes the rounding rest)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from centra_sandbox.http import ApiError
from centra_sandbox.selections.lines import Line
from centra_sandbox.selections.place import ZERO, Place, dec


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


def apply_vouchers(
    db: sqlite3.Connection, sel: sqlite3.Row, lines: list[Line], place: Place
) -> tuple[list[VoucherUse], Decimal]:
    """Apply the selection's vouchers in the order they were added, recording each one's share on
    the lines; returns the uses and the total taken off."""
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
