"""How a price reads: the one place the storefront turns money into text.

Centra sends money in pairs, a string formatted for the pricelist's currency (``price``:
``"1 234.00 SEK"``) beside the number (``priceAsNumber``), and describes that format in the
currency's ``currencyFormat`` (``prefix``, ``suffix``, ``decimalPoint``, ``decimalDigits``,
``thousandsSeparator``): see ``docs/centra.md#prices``. The storefront shows Centra's own string
wherever the API gives one (cards, product pages, cart, checkout, receipts), so a pricelist's
prices read the same everywhere and exactly as the shop set them up in Centra. Amounts Centra
never formats (price-range filters, a string missing from an answer) are formatted here from the
same ``currencyFormat``, by Centra's rule. Machine-readable prices (JSON-LD) use the number.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

DEFAULT_DIGITS = 2


def decimal_digits(currency_format: Mapping[str, Any]) -> int:
    """The currency's decimals (Centra sends ``decimalDigits`` as text, e.g. ``"2"``)."""
    try:
        digits = int(currency_format.get("decimalDigits", DEFAULT_DIGITS))
    except (TypeError, ValueError):
        return DEFAULT_DIGITS
    return digits if 0 <= digits <= 6 else DEFAULT_DIGITS


def as_amount(value: Any) -> Decimal | None:
    """A finite number from Centra's ``...AsNumber`` field, or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _rounded(amount: Decimal, digits: int) -> Decimal:
    # Enough precision for any amount's digits (the default context's 28 would fail on huge ones).
    precision = max(28, amount.adjusted() + digits + 2)
    return amount.quantize(
        Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP, context=Context(prec=precision)
    )


def format_money(
    amount: Decimal, currency_format: Mapping[str, Any], *, whole: bool = False
) -> str:
    """``amount`` as Centra formats the currency: sign, prefix, grouped digits, decimal point,
    suffix. ``whole`` drops the decimals of a whole amount (range labels: "€50", not "€50,00")."""
    digits = decimal_digits(currency_format)
    if whole and amount == amount.to_integral_value():
        digits = 0
    value = _rounded(amount, digits)
    integer, _, fraction = f"{abs(value):.{digits}f}".partition(".")
    groups: list[str] = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    number = str(currency_format.get("thousandsSeparator", "")).join(groups)
    if fraction:
        number += str(currency_format.get("decimalPoint", ".")) + fraction
    prefix = str(currency_format.get("prefix", ""))
    suffix = str(currency_format.get("suffix", ""))
    sign = "-" if value < 0 else ""
    return f"{sign}{prefix}{number}{suffix}"


def price_text(centra_text: Any, amount: Any, currency_format: Mapping[str, Any]) -> str:
    """The price to show: Centra's formatted string when it sent one, else ``amount``
    formatted from ``currency_format``; ``""`` when there is neither."""
    if isinstance(centra_text, str) and centra_text.strip():
        return centra_text
    number = as_amount(amount)
    return format_money(number, currency_format) if number is not None else ""


def money_field(data: Mapping[str, Any], key: str, currency_format: Mapping[str, Any]) -> str:
    """The price to show for Centra's money pair ``key`` / ``keyAsNumber`` in ``data``."""
    return price_text(data.get(key), data.get(f"{key}AsNumber"), currency_format)


def amount_number(amount: Decimal, currency_format: Mapping[str, Any]) -> str:
    """``amount`` as a plain number with the currency's decimals ("60.99"): for machines."""
    digits = decimal_digits(currency_format)
    return f"{_rounded(amount, digits):.{digits}f}"
