"""Expectations computed the plain way: every product of the local catalog loaded into Python,
then filtered, counted and sorted with ordinary loops. The selectors must agree with it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from catalog import models
from catalog.stock import is_available


@dataclass
class P:
    id: int
    uri: str
    category_uri: str | None
    brand_id: int | None
    brand_name: str
    collection_id: int | None
    created_at: datetime | None
    media: dict
    markets: set[int] = field(default_factory=set)
    prices: dict[int, models.ProductPrice] = field(default_factory=dict)
    texts: dict[str, models.ProductText] = field(default_factory=dict)
    item_names: set[str] = field(default_factory=set)
    in_stock: bool = False
    positions: dict[int, int] = field(default_factory=dict)  # category id -> sort order

    def name(self, language: str, default: str) -> str:
        text = self.texts.get(language) or self.texts.get(default)
        return text.name if text else ""

    def price(self, pricelist: int) -> Decimal | None:
        row = self.prices.get(pricelist)
        return row.price if row else None


def load() -> dict[int, P]:
    products = {
        p.id: P(
            id=p.id,
            uri=p.uri,
            category_uri=p.category.uri if p.category else None,
            brand_id=p.brand_id,
            brand_name=p.brand.name if p.brand else "",
            collection_id=p.collection_id,
            created_at=p.created_at,
            media=p.media,
        )
        for p in models.Product.objects.select_related("category", "brand")
    }
    for link in models.ProductMarket.objects.all():
        products[link.product_id].markets.add(link.market_id)
    for price in models.ProductPrice.objects.all():
        products[price.product_id].prices[price.pricelist_id] = price
    for text in models.ProductText.objects.all():
        products[text.product_id].texts[text.language_id] = text
    for item in models.Item.objects.all():
        product = products[item.product_id]
        if item.name:
            product.item_names.add(item.name)
        if is_available(item.stock):
            product.in_stock = True
    for link in models.ProductCategory.objects.all():
        products[link.product_id].positions[link.category_id] = link.sort_order
    return products


def subtree(category_id: int) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for category in models.Category.objects.all():
        children.setdefault(category.parent_id, []).append(category.id)
    found, todo = set(), [category_id]
    while todo:
        current = todo.pop()
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def in_scope(products: dict[int, P], market: int, category_id: int | None = None) -> list[P]:
    ids = subtree(category_id) if category_id is not None else None
    return [
        p
        for p in products.values()
        if market in p.markets and (ids is None or ids & set(p.positions))
    ]


def where(products: Iterable[P], keep: Callable[[P], bool]) -> list[P]:
    return [p for p in products if keep(p)]


def counts(products: Iterable[P], key: Callable[[P], Iterable[object]]) -> dict[object, int]:
    found: dict[object, int] = {}
    for product in products:
        for value in key(product):
            found[value] = found.get(value, 0) + 1
    return found
