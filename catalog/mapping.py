"""Centra's JSON -> rows of the local catalog.

A row is a plain dict keyed by column attname (``brand_id``, not ``brand``), ready for
:func:`catalog.upsert.upsert`. Ids of other objects are checked against :class:`Known`, the
reference rows the local copy holds, so a row never points at a missing market, brand or
category (the database would refuse it at commit and fail the whole page).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from catalog.stock import stock_state

Row = dict[str, Any]

_FOUR_PLACES = Decimal("0.0001")

# Top-level Product keys Centra documents (docs/centra.md#products). Anything else is a
# custom attribute ("swatch", "pr_material", ...) and goes into Product.attributes. Documented
# keys the local model has no column for (size charts, bundles, subscriptions, per-context
# prices...) are dropped rather than mistaken for attributes.
DOCUMENTED_PRODUCT_KEYS = frozenset(
    {
        "product",
        "name",
        "uri",
        "sku",
        "productSku",
        "brand",
        "brandName",
        "brandUri",
        "collection",
        "collectionName",
        "collectionUri",
        "variantName",
        "countryOrigin",
        "countryOfOrigin",
        "excerpt",
        "excerptHtml",
        "description",
        "descriptionHtml",
        "metaTitle",
        "metaDescription",
        "metaKeywords",
        "stockUnit",
        "category",
        "categoryName",
        "categoryUri",
        "categories",
        "centraProduct",
        "centraVariant",
        "createdAt",
        "modifiedAt",
        "itemQuantityMinimum",
        "itemQuantityMultipleOf",
        "price",
        "priceAsNumber",
        "priceBeforeDiscount",
        "priceBeforeDiscountAsNumber",
        "discountPercent",
        "showAsOnSale",
        "showAsNew",
        "lowestPrice",
        "available",
        "itemTable",
        "tableMappings",
        "defaultLocalizedChart",
        "items",
        "media",
        "mediaObjects",
        "relatedProducts",
        "relation",
        "bundleInfo",
        "measurementChart",
        "preview",
        "subscriptionPlans",
        "presets",
        "prices",
        "markets",
    }
)


@dataclass
class Known:
    """Ids of the reference rows present locally, for checking what a product points at."""

    markets: set[int] = field(default_factory=set)
    pricelists: set[int] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    brands: set[int] = field(default_factory=set)
    collections: set[int] = field(default_factory=set)
    categories: set[int] = field(default_factory=set)


# -- small conversions ----------------------------------------------------------------------------


def as_int(value: Any) -> int | None:
    """Centra's ids are strings ("60"); anything that is not a whole number is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _known_id(value: Any, known: set[int]) -> int | None:
    number = as_int(value)
    return number if number in known else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value)).quantize(_FOUR_PLACES)
    except InvalidOperation:
        return None


def _datetime(value: Any) -> datetime | None:
    """Centra's "YYYY-MM-DD HH:MM:SS", in the instance's time zone (taken to be TIME_ZONE)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def _positive(value: Any, default: int = 1) -> int:
    number = as_int(value)
    return number if number else default


# -- products -------------------------------------------------------------------------------------


def product_id(data: dict[str, Any]) -> int | None:
    return as_int(data.get("product"))


def product_row(data: dict[str, Any], pid: int, known: Known) -> Row:
    media = data.get("media")
    return {
        "id": pid,
        "uri": _text(data.get("uri")),
        "sku": _text(data.get("sku")),
        "product_sku": _text(data.get("productSku")),
        "variant_name": _text(data.get("variantName")),
        "centra_product": as_int(data.get("centraProduct")),
        "centra_variant": as_int(data.get("centraVariant")),
        "brand_id": _known_id(data.get("brand"), known.brands),
        "collection_id": _known_id(data.get("collection"), known.collections),
        "category_id": _known_id(data.get("category"), known.categories),
        "country_origin": _text(data.get("countryOrigin") or data.get("countryOfOrigin")),
        "item_quantity_minimum": _positive(data.get("itemQuantityMinimum")),
        "item_quantity_multiple_of": _positive(data.get("itemQuantityMultipleOf")),
        # Centra sends [] for "no media"; the column holds {size: [url, ...]}.
        "media": media if isinstance(media, dict) else {},
        "attributes": {k: v for k, v in data.items() if k not in DOCUMENTED_PRODUCT_KEYS},
        "created_at": _datetime(data.get("createdAt")),
        "modified_at": _datetime(data.get("modifiedAt")),
    }


def text_row(data: dict[str, Any], pid: int, language: str) -> Row:
    return {
        "product_id": pid,
        "language_id": language,
        "name": _text(data.get("name")),
        "excerpt": _text(data.get("excerpt")),
        "excerpt_html": _text(data.get("excerptHtml")),
        "description": _text(data.get("description")),
        "description_html": _text(data.get("descriptionHtml")),
        "meta_title": _text(data.get("metaTitle")),
        "meta_description": _text(data.get("metaDescription")),
        "meta_keywords": _text(data.get("metaKeywords")),
    }


def _lowest_price(value: Any) -> Decimal | None:
    # As a list of 30-day periods in single-pricelist answers; a bare number is taken as is.
    if isinstance(value, list):
        first = value[0] if value and isinstance(value[0], dict) else {}
        return _decimal(first.get("priceAsNumber"))
    return _decimal(value)


def price_rows(data: dict[str, Any], pid: int, known: Known) -> list[Row]:
    """One row per pricelist in ``prices``; a pricelist without an entry (or with a null price)
    gets none: the product is visible there but not purchasable."""
    prices = data.get("prices")
    if not isinstance(prices, dict):
        return []
    rows = []
    for key, entry in prices.items():
        pricelist = _known_id(key, known.pricelists)
        if pricelist is None or not isinstance(entry, dict):
            continue
        price = _decimal(entry.get("priceAsNumber"))
        if price is None:
            continue
        before = _decimal(entry.get("priceBeforeDiscountAsNumber"))
        discount = as_int(entry.get("discountPercent")) or 0
        rows.append(
            {
                "product_id": pid,
                "pricelist_id": pricelist,
                "price": price,
                "price_before_discount": before if before is not None else price,
                "price_text": _text(entry.get("price")),
                "price_before_discount_text": _text(
                    entry.get("priceBeforeDiscount") or entry.get("price")
                ),
                "discount_percent": min(max(discount, 0), 100),
                "on_sale": entry.get("showAsOnSale") is True,
                "new": entry.get("showAsNew") is True,
                "lowest_price": _lowest_price(entry.get("lowestPrice")),
            }
        )
    return rows


def item_rows(data: dict[str, Any], pid: int) -> list[Row]:
    items = data.get("items")
    rows = []
    for position, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not _text(item.get("item")):
            continue
        rows.append(
            {
                "id": _text(item["item"]),
                "product_id": pid,
                "size_id": _text(item.get("sizeId")),
                "name": _text(item.get("name")),
                "sku": _text(item.get("sku")),
                "ean": _text(item.get("ean")),
                "stock": _text(item.get("stock")),
                "stock_state": stock_state(item.get("stock")).value,
                "position": position,
            }
        )
    return rows


def category_rows(data: dict[str, Any], pid: int, known: Known) -> list[Row]:
    categories = data.get("categories")
    rows = []
    for entry in categories if isinstance(categories, list) else []:
        if not isinstance(entry, dict):
            continue
        category = _known_id(entry.get("category"), known.categories)
        if category is not None:
            sort_order = entry.get("sortOrder")
            rows.append(
                {
                    "product_id": pid,
                    "category_id": category,
                    "sort_order": sort_order if isinstance(sort_order, int) else 0,
                }
            )
    return rows


def related_rows(data: dict[str, Any], pid: int) -> list[Row]:
    related = data.get("relatedProducts")
    rows = []
    for entry in related if isinstance(related, list) else []:
        other = as_int(entry.get("product")) if isinstance(entry, dict) else None
        if other is not None and other != pid:
            rows.append(
                {
                    "product_id": pid,
                    "related_id": other,
                    "relation": _text(entry.get("relation")) or "variant",
                }
            )
    return rows


def market_row(pid: int, market: int) -> Row:
    return {"product_id": pid, "market_id": market}


def referenced(products: Iterable[dict[str, Any]]) -> dict[str, set[int]]:
    """The brand, collection, category and pricelist ids some products point at."""
    found: dict[str, set[int]] = {
        "brands": set(),
        "collections": set(),
        "categories": set(),
        "pricelists": set(),
    }
    for data in products:
        for key, kind in (("brand", "brands"), ("collection", "collections")):
            if (number := as_int(data.get(key))) is not None:
                found[kind].add(number)
        if (number := as_int(data.get("category"))) is not None:
            found["categories"].add(number)
        for entry in data.get("categories") or []:
            if isinstance(entry, dict) and (number := as_int(entry.get("category"))) is not None:
                found["categories"].add(number)
        if isinstance(data.get("prices"), dict):
            found["pricelists"].update(n for k in data["prices"] if (n := as_int(k)) is not None)
    return found


# -- reference data -------------------------------------------------------------------------------


def market_rows(data: list[dict[str, Any]]) -> list[Row]:
    return [
        {"id": mid, "name": _text(m.get("name")), "is_default": m.get("default") is True}
        for m in data
        if (mid := as_int(m.get("market"))) is not None
    ]


def pricelist_rows(data: list[dict[str, Any]]) -> list[Row]:
    rows = []
    for entry in data:
        pid = as_int(entry.get("pricelist"))
        if pid is None:
            continue
        currency = entry.get("currency")
        currency = currency if isinstance(currency, dict) else {}
        rows.append(
            {
                "id": pid,
                "name": _text(entry.get("name")),
                "is_default": entry.get("default") is True,
                "currency": _text(currency.get("currency")),
                "currency_format": currency,
            }
        )
    return rows


def language_rows(data: list[dict[str, Any]]) -> list[Row]:
    return [
        {
            "code": _text(entry["language"]),
            "name": _text(entry.get("name")),
            "is_default": entry.get("default") is True,
        }
        for entry in data
        if _text(entry.get("language"))
    ]


def country_rows(data: list[dict[str, Any]], known: Known) -> list[Row]:
    return [
        {
            "code": _text(entry["country"]),
            "name": _text(entry.get("name")),
            "eu": entry.get("eu") is True,
            # Only the authorized list says; a country listed without it is shippable.
            "ship_to": entry.get("shipTo") is not False,
            "currency": _text(entry.get("currency")),
            "market_id": _known_id(entry.get("market"), known.markets),
            "pricelist_id": _known_id(entry.get("pricelist"), known.pricelists),
            "language_id": entry.get("language")
            if entry.get("language") in known.languages
            else None,
        }
        for entry in data
        if _text(entry.get("country"))
    ]


def state_rows(data: list[dict[str, Any]]) -> list[Row]:
    return [
        {
            "country_id": _text(entry["country"]),
            "code": _text(s["state"]),
            "name": _text(s.get("name")),
        }
        for entry in data
        if _text(entry.get("country"))
        for s in entry.get("states") or []
        if isinstance(s, dict) and _text(s.get("state"))
    ]


def brand_rows(data: list[dict[str, Any]]) -> list[Row]:
    return [
        {
            "id": bid,
            "name": _text(b.get("name")),
            "uri": _text(b.get("uri")),
            "meta_title": _text(b.get("metaTitle")),
            "meta_description": _text(b.get("metaDescription")),
            "meta_keywords": _text(b.get("metaKeywords")),
        }
        for b in data
        if (bid := as_int(b.get("brand"))) is not None
    ]


def collection_rows(data: list[dict[str, Any]]) -> list[Row]:
    return [
        {"id": cid, "name": _text(c.get("name")), "uri": _text(c.get("uri"))}
        for c in data
        if (cid := as_int(c.get("collection"))) is not None
    ]


def category_rows_of_tree(data: list[dict[str, Any]]) -> list[Row]:
    """Categories in Centra's admin order, which becomes their ``sort_order``."""
    ids = {as_int(c.get("category")) for c in data}
    rows = []
    for position, entry in enumerate(data):
        cid = as_int(entry.get("category"))
        if cid is None:
            continue
        parent = as_int(entry.get("inCategory"))
        rows.append(
            {
                "id": cid,
                "parent_id": parent if parent in ids and parent != cid else None,
                "uri": _text(entry.get("uri")),
                "sort_order": position,
            }
        )
    return rows


def category_text_rows(data: list[dict[str, Any]], language: str) -> list[Row]:
    rows = []
    for entry in data:
        cid = as_int(entry.get("category"))
        if cid is None:
            continue
        name = entry.get("name")
        rows.append(
            {
                "category_id": cid,
                "language_id": language,
                "name_path": [_text(n) for n in name] if isinstance(name, list) else [_text(name)],
                "meta_title": _text(entry.get("metaTitle")),
                "meta_description": _text(entry.get("metaDescription")),
                "meta_keywords": _text(entry.get("metaKeywords")),
            }
        )
    return rows
