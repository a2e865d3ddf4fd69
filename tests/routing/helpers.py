"""Small readers for the shop pages' tests, and expectations computed straight from the
catalog tables (independently of the selectors under test)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from catalog.models import Category, Item, Product

# The anonymous visitor's context in the demo store: Sweden -> market 1, pricelist 1 (SEK).
MARKET = 1
PRICELIST = 1
LANGUAGES = ("en", "sv", "de")  # en is the default (unprefixed)

_JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def card_ids(response: Any) -> list[int]:
    return [card.id for card in response.context["listing"].products]


def jsonld(html: str) -> list[dict[str, Any]]:
    return [json.loads(text) for text in _JSONLD.findall(html)]


def in_market() -> QuerySet[Product]:
    return Product.objects.filter(market_links__market_id=MARKET)


def in_category(uri: str) -> QuerySet[Product]:
    """Products of the category and its subcategories (by URI prefix), in the market."""
    subtree = Category.objects.filter(Q(uri=uri) | Q(uri__startswith=uri + "/"))
    return in_market().filter(productcategory__category__in=subtree).distinct()


def ids(queryset: QuerySet[Product]) -> set[int]:
    return set(queryset.values_list("id", flat=True))


def price(product_id: int) -> Decimal | None:
    row = Product.objects.get(pk=product_id).prices.filter(pricelist_id=PRICELIST).first()
    return row.price if row else None


def stocked(queryset: QuerySet[Product]) -> QuerySet[Product]:
    available = Item.objects.exclude(stock__in=("", "no", "0")).values("product_id")
    return queryset.filter(pk__in=available)
