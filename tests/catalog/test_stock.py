"""The one stock rule: every stock answer Centra sends, in Python and in SQL alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Count, Q

from catalog.cards import has_stock
from catalog.mapping import item_rows
from catalog.models import Item, Product
from catalog.stock import StockState, is_available, stock_state

IN, FEW, PRE, OUT = (
    StockState.IN_STOCK,
    StockState.FEW,
    StockState.PREORDER,
    StockState.OUT_OF_STOCK,
)

# Centra's stock answer -> its state: words, numbers as text and as numbers, nothing at all.
ANSWERS: list[tuple[object, StockState]] = [
    ("yes", IN),
    ("infinite", IN),
    ("few", FEW),
    ("preorder", PRE),
    ("no", OUT),
    ("YES", IN),
    (" few ", FEW),
    ("12", IN),
    ("1", IN),
    ("0", OUT),
    ("-1", OUT),
    ("-40", OUT),
    ("+3", IN),
    ("2.5", IN),
    ("0.0", OUT),
    (12, IN),
    (1, IN),
    (0, OUT),
    (-7, OUT),
    (0.5, IN),
    (Decimal("-0.5"), OUT),
    ("", OUT),
    (None, OUT),
    ("NaN", OUT),
    # A word the storefront does not know: Centra checks stock at payment anyway.
    ("backorder", IN),
]


@pytest.mark.parametrize(("stock", "state"), ANSWERS)
def test_every_stock_answer_has_one_state(stock: object, state: StockState) -> None:
    assert stock_state(stock) is state
    assert is_available(stock) is (state is not OUT)


def test_a_missing_stock_answer_is_out_of_stock_where_the_sync_reads_it() -> None:
    [row] = item_rows({"items": [{"item": "1-1", "name": "M"}]}, 1)

    assert (row["stock"], row["stock_state"]) == ("", OUT.value)


@pytest.mark.parametrize(("stock", "state"), ANSWERS)
def test_the_sync_stores_the_state_of_every_answer(stock: object, state: StockState) -> None:
    [row] = item_rows({"items": [{"item": "1-1", "stock": stock}]}, 1)

    assert row["stock_state"] == state.value


@pytest.mark.django_db
def test_the_sql_filter_agrees_with_the_rule_for_every_answer() -> None:
    """One product per answer (a single size), stored as the sync stores it; the listing's
    "in stock" filter and every card read it through :func:`has_stock`."""
    for pid, (stock, _) in enumerate(ANSWERS, start=1):
        Product.objects.create(id=pid, uri=f"p{pid}")
        [row] = item_rows({"items": [{"item": f"{pid}-1", "stock": stock}]}, pid)
        Item.objects.create(**row)
    # A product with several sizes is in stock when any one of them is.
    mixed = len(ANSWERS) + 1
    Product.objects.create(id=mixed, uri="mixed")
    for row in item_rows(
        {
            "items": [
                {"item": f"{mixed}-{n}", "stock": s} for n, s in enumerate(["no", "-3", "few"])
            ]
        },
        mixed,
    ):
        Item.objects.create(**row)

    stocked = set(Product.objects.filter(has_stock()).values_list("id", flat=True))

    expected = {pid for pid, (stock, _) in enumerate(ANSWERS, start=1) if is_available(stock)}
    assert stocked == expected | {mixed}
    # The stored states are the rule's, so counting them in SQL gives the same split.
    counts = Item.objects.aggregate(out=Count("id", filter=Q(stock_state=OUT.value)))
    assert counts["out"] == sum(not is_available(s) for s, _ in ANSWERS) + 2
