"""The JSON-LD documents of catalog pages: a schema.org ``Product`` (with its ``Offer`` when
the product has a price in the shopper's pricelist) and a ``BreadcrumbList``; and the meta
description of a category page.

The same builders serve products from the local catalog and products read live from Centra
(preview, routing fallback), so both say the same thing about price and availability.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from django.utils.translation import gettext

from catalog.categories import CategoryPage
from catalog.context import ShopperContext
from catalog.money import amount_number
from catalog.selectors import ProductDetail
from catalog.stock import StockState
from storefront.meta import SITE_NAME

# Subcategories a generated category description names before it stops.
DESCRIBED_CHILDREN: Final = 6

SCHEMA: Final = "https://schema.org"
IN_STOCK: Final = "https://schema.org/InStock"
OUT_OF_STOCK: Final = "https://schema.org/OutOfStock"
PRE_ORDER: Final = "https://schema.org/PreOrder"


def availability(states: Iterable[StockState]) -> str:
    """schema.org availability of a product from its sizes' stock states."""
    seen = set(states)
    if seen & {StockState.IN_STOCK, StockState.FEW}:
        return IN_STOCK
    if StockState.PREORDER in seen:
        return PRE_ORDER
    return OUT_OF_STOCK


def product_jsonld(
    detail: ProductDetail, ctx: ShopperContext, absolute: Callable[[str], str]
) -> dict[str, Any]:
    """A schema.org ``Product`` with absolute URLs; an ``Offer`` only when it has a price here."""
    card = detail.card
    data: dict[str, Any] = {"@context": SCHEMA, "@type": "Product", "name": card.name}
    data["url"] = absolute(card.url)
    if detail.sku:
        data["sku"] = detail.sku
    if detail.excerpt or detail.description:
        data["description"] = detail.excerpt or detail.description
    if detail.gallery:
        data["image"] = [absolute(image.url) for image in detail.gallery]
    if card.brand_name:
        data["brand"] = {"@type": "Brand", "name": card.brand_name}
    if detail.price is not None and ctx.currency:
        data["offers"] = {
            "@type": "Offer",
            "url": absolute(card.url),
            "price": amount_number(detail.price, ctx.currency_format),
            "priceCurrency": ctx.currency,
            "availability": availability(size.stock_state for size in detail.sizes),
        }
    return data


def breadcrumb_jsonld(crumbs: Iterable[Any], absolute: Callable[[str], str]) -> dict[str, Any]:
    """A schema.org ``BreadcrumbList`` from breadcrumbs (``name``, site-relative ``url``)."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": crumb.name, "item": absolute(crumb.url)}
            for n, crumb in enumerate(crumbs, start=1)
        ],
    }


def category_description(category: CategoryPage) -> str:
    """Centra's ``metaDescription`` of the category when it has one (in the shopper's
    language, else the default language's); otherwise one made from its names, in the
    shopper's language: what it is, where, and what it holds."""
    if category.meta_description.strip():
        return category.meta_description
    name = " ".join(category.name_path) or category.name
    children = [child.name for child in category.children if child.name]
    if not children:
        return gettext("Shop %(category)s at %(shop)s: see every style, size and price.") % {
            "category": name,
            "shop": SITE_NAME,
        }
    named = ", ".join(children[:DESCRIBED_CHILDREN])
    if len(children) > DESCRIBED_CHILDREN:
        return gettext("Shop %(category)s at %(shop)s: %(children)s and more.") % {
            "category": name,
            "shop": SITE_NAME,
            "children": named,
        }
    return gettext("Shop %(category)s at %(shop)s: %(children)s.") % {
        "category": name,
        "shop": SITE_NAME,
        "children": named,
    }
