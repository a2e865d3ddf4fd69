"""Centra's money representation: a formatted string beside a float ("…AsNumber")."""

from __future__ import annotations

import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def round_money(amount: float | Decimal, digits: int = 2) -> Decimal:
    return Decimal(str(amount)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def format_money(amount: float | Decimal, currency: sqlite3.Row | dict[str, Any]) -> str:
    """Format like Centra does: prefix, grouped digits, decimal point, suffix ("1 234.50 SEK")."""
    digits = int(currency["decimal_digits"])
    value = round_money(amount, digits)
    sign = "-" if value < 0 else ""
    whole, _, frac = f"{abs(value):.{digits}f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    number = currency["thousands_separator"].join(groups)
    if digits:
        number += currency["decimal_point"] + frac
    return f"{sign}{currency['prefix']}{number}{currency['suffix']}"


def money_pair(name: str, amount: float | Decimal, currency: sqlite3.Row | dict[str, Any]) -> dict:
    """``{name: "100.00 SEK", nameAsNumber: 100.0}``."""
    value = round_money(amount, int(currency["decimal_digits"]))
    return {name: format_money(value, currency), f"{name}AsNumber": float(value)}


def currency_format(currency: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """The ``currencyFormat`` object of a selection or pricelist."""
    return {
        "currency": currency["code"],
        "name": currency["name"],
        "prefix": currency["prefix"],
        "suffix": currency["suffix"],
        "decimalPoint": currency["decimal_point"],
        "decimalDigits": str(currency["decimal_digits"]),
        "thousandsSeparator": currency["thousands_separator"],
        "denominator": currency["denominator"],
        "uri": currency["uri"],
    }
