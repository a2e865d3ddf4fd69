"""How prices read: Centra's formatted strings where the API gives them, the same
``currencyFormat`` rule for amounts Centra never formats, plain numbers for machines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.money import amount_number, format_money, money_field, price_text
from centra_sandbox.demo import CURRENCIES
from centra_sandbox.money import currency_format as sandbox_currency_format
from centra_sandbox.money import format_money as sandbox_format_money

SEK = {"prefix": "", "suffix": " SEK", "decimalPoint": ".", "decimalDigits": "2",
       "thousandsSeparator": " "}  # fmt: skip
EUR = {"prefix": "€", "suffix": "", "decimalPoint": ",", "decimalDigits": "2",
       "thousandsSeparator": "."}  # fmt: skip
USD = {"prefix": "$", "suffix": "", "decimalPoint": ".", "decimalDigits": "2",
       "thousandsSeparator": ","}  # fmt: skip


@pytest.mark.parametrize(
    ("amount", "currency_format", "expected"),
    [
        ("2999", SEK, "2 999.00 SEK"),
        ("1234567.5", SEK, "1 234 567.50 SEK"),
        ("273.95", EUR, "€273,95"),
        ("1234.5", EUR, "€1.234,50"),
        ("60.99", USD, "$60.99"),
        ("-15", SEK, "-15.00 SEK"),
        ("0.005", USD, "$0.01"),  # half up, as Centra rounds money
        ("999", {**SEK, "decimalDigits": "0"}, "999 SEK"),
    ],
)
def test_amounts_are_formatted_by_the_currencys_format(amount, currency_format, expected) -> None:
    assert format_money(Decimal(amount), currency_format) == expected


def test_whole_amounts_can_drop_their_decimals_for_range_labels() -> None:
    assert format_money(Decimal(500), SEK, whole=True) == "500 SEK"
    assert format_money(Decimal("2500"), EUR, whole=True) == "€2.500"
    assert format_money(Decimal("12.5"), EUR, whole=True) == "€12,50"


def test_centras_own_string_wins_over_the_number() -> None:
    assert price_text("100.00\u00a0SEK", 100, SEK) == "100.00\u00a0SEK"
    assert price_text("", 100, SEK) == "100.00 SEK"
    assert price_text(None, None, SEK) == ""
    assert money_field({"priceEach": "€5,00", "priceEachAsNumber": 5}, "priceEach", EUR) == "€5,00"
    assert money_field({"priceEachAsNumber": 5}, "priceEach", EUR) == "€5,00"


def test_machines_get_plain_numbers_with_the_currencys_decimals() -> None:
    assert amount_number(Decimal("1999"), SEK) == "1999.00"
    assert amount_number(Decimal("60.985"), USD) == "60.99"
    assert amount_number(Decimal("7"), {"decimalDigits": "0"}) == "7"


@pytest.mark.parametrize("row", CURRENCIES, ids=[row[0] for row in CURRENCIES])
@pytest.mark.parametrize("amount", ["0", "5.9", "80", "1234.56", "1234567.891", "-15"])
def test_the_sandbox_formats_every_demo_currency_as_its_currency_format_says(row, amount) -> None:
    code, name, prefix, suffix, point, digits, thousands, denominator, uri = row
    currency = {
        "code": code,
        "name": name,
        "prefix": prefix,
        "suffix": suffix,
        "decimal_point": point,
        "decimal_digits": digits,
        "thousands_separator": thousands,
        "denominator": denominator,
        "uri": uri,
    }
    expected = sandbox_format_money(Decimal(amount), currency)
    assert format_money(Decimal(amount), sandbox_currency_format(currency)) == expected


def test_no_demo_currency_shows_its_symbol_and_its_code_together() -> None:
    for code, _name, prefix, suffix, *_rest in CURRENCIES:
        shown = format_money(Decimal("60.99"), {"prefix": prefix, "suffix": suffix})
        assert not (prefix.strip() and suffix.strip()), shown
        assert shown.count(code) <= 1


formats = st.fixed_dictionaries(
    {},
    optional={
        "prefix": st.text(max_size=4),
        "suffix": st.text(max_size=4),
        "decimalPoint": st.text(max_size=2),
        "thousandsSeparator": st.text(max_size=2),
        "decimalDigits": st.one_of(st.text(max_size=3), st.integers(-5, 12), st.none()),
    },
)


@given(
    amount=st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**9), max_value=10**9),
    currency_format=formats,
    centra=st.one_of(st.none(), st.text(max_size=12), st.integers(), st.booleans()),
    number=st.one_of(st.none(), st.text(max_size=8), st.floats(), st.booleans()),
)
def test_any_answer_gives_a_string_never_an_error(amount, currency_format, centra, number) -> None:
    assert isinstance(format_money(amount, currency_format), str)
    assert isinstance(format_money(amount, currency_format, whole=True), str)
    assert isinstance(price_text(centra, number, currency_format), str)
    assert isinstance(amount_number(amount, currency_format), str)
