"""Whether an item can be bought: the one rule every page, filter and card uses.

Centra's item ``stock`` is ``"yes"``, ``"no"``, ``"few"``, ``"preorder"``, ``"infinite"`` or a
number (sent as a number or as text); which of these a store sends is a setting of its Checkout
API plugin (``docs/centra.md#stock``). A number counts what is left, so zero and anything below it
(overselling can push it negative) is out of stock. A missing or empty answer says nothing is
known: not in stock. Preorder counts as available (it can be bought now, as Centra's own
``onlyAvailable`` filter has it). Any other word is taken as in stock: Centra checks stock again
at payment (``410 Gone``), so a product wrongly shown as available costs a message at checkout,
while one wrongly hidden costs the sale.

:func:`can_buy` adds the price: an item is for sale only where its product has a price.

The sync stores each item's :func:`stock_state` next to Centra's answer, so SQL filters
(:data:`AVAILABLE`) and Python agree by construction.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Final


class StockState(StrEnum):
    IN_STOCK = "in_stock"
    FEW = "few"
    PREORDER = "preorder"
    OUT_OF_STOCK = "out_of_stock"


#: The states that can be bought now.
AVAILABLE: Final = frozenset({StockState.IN_STOCK, StockState.FEW, StockState.PREORDER})

_WORDS: Final = {
    "yes": StockState.IN_STOCK,
    "infinite": StockState.IN_STOCK,
    "few": StockState.FEW,
    "preorder": StockState.PREORDER,
    "no": StockState.OUT_OF_STOCK,
    "": StockState.OUT_OF_STOCK,
}


def stock_state(stock: object) -> StockState:
    """The state of Centra's ``stock`` answer for one item."""
    if stock is None or isinstance(stock, bool):
        return StockState.IN_STOCK if stock is True else StockState.OUT_OF_STOCK
    if isinstance(stock, int | float | Decimal):
        return _counted(Decimal(str(stock)))
    text = str(stock).strip().lower()
    if text in _WORDS:
        return _WORDS[text]
    try:
        count = Decimal(text)
    except InvalidOperation:
        return StockState.IN_STOCK
    return _counted(count)


def is_available(stock: object) -> bool:
    return stock_state(stock) in AVAILABLE


def can_buy(state: StockState, *, priced: bool) -> bool:
    """Whether a shopper can buy an item in ``state`` of a product that is ``priced`` (has a
    price in the shopper's pricelist). Centra lists a product without a price (``price: null``)
    but does not sell it there (``docs/centra.md#products``), whatever its stock."""
    return priced and state in AVAILABLE


def _counted(count: Decimal) -> StockState:
    if count.is_nan() or count <= 0:
        return StockState.OUT_OF_STOCK
    return StockState.IN_STOCK
