"""Product cards and the query pieces every product read shares.

A product read picks, in SQL, the text of the shopper's language (falling back to the default
language's) and the price of the shopper's pricelist through ``FilteredRelation`` joins: one
row per product, no per-product queries, and sorting and filtering can use the picked values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.db.models import (
    Case,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from catalog.context import ShopperContext
from catalog.models import Item, Product, ProductMarket, ProductPrice
from catalog.money import price_text
from catalog.stock import AVAILABLE


@dataclass(frozen=True, slots=True)
class Swatch:
    name: str
    hex: str


@dataclass(frozen=True, slots=True)
class ProductCard:
    """A product as a listing, a carousel or a related-products row shows it."""

    id: int
    uri: str
    url: str  # canonical: category URI + product URI, with the language prefix
    name: str
    brand_name: str
    image_url: str | None
    price_text: str | None  # None: not purchasable in the shopper's pricelist
    price_before_discount_text: str | None  # only when discounted
    discount_percent: int
    on_sale: bool
    new: bool
    purchasable: bool
    in_stock: bool
    swatch: Swatch | None = None


def product_path(category_uri: str | None, product_uri: str) -> str:
    """Centra's canonical product path: the canonical category's URI, then the product's."""
    return f"/{category_uri}/{product_uri}" if category_uri else f"/{product_uri}"


def category_path(category_uri: str) -> str:
    return f"/{category_uri}"


# -- query pieces -----------------------------------------------------------------------------


def in_market(ctx: ShopperContext) -> Exists:
    return Exists(ProductMarket.objects.filter(product=OuterRef("pk"), market_id=ctx.market))


def listed_products(ctx: ShopperContext) -> QuerySet[Product]:
    """The products listings, search and the home page's rows show the shopper: those of the
    shopper's market; with ``CATALOG_HIDE_UNPRICED``, only those with a price in the shopper's
    pricelist. By default a product without one stays listed, as Centra lists it
    (``price: null``), and its card says it cannot be bought here."""
    queryset = Product.objects.filter(in_market(ctx))
    if settings.CATALOG_HIDE_UNPRICED:
        queryset = queryset.filter(
            Exists(ProductPrice.objects.filter(product=OuterRef("pk"), pricelist_id=ctx.pricelist))
        )
    return queryset


def has_stock() -> Exists:
    """Some item of the product can be bought now (:mod:`catalog.stock`)."""
    available = [state.value for state in AVAILABLE]
    return Exists(Item.objects.filter(product=OuterRef("pk"), stock_state__in=available))


def with_price(queryset: QuerySet[Product], ctx: ShopperContext) -> QuerySet[Product]:
    """Join the shopper's pricelist's price as ``pl`` (LEFT JOIN: unpriced rows stay) and
    expose the amount as ``price_amount``."""
    return queryset.annotate(
        pl=FilteredRelation("prices", condition=Q(prices__pricelist_id=ctx.pricelist))
    ).annotate(price_amount=F("pl__price"))


def with_texts(queryset: QuerySet[Product], ctx: ShopperContext) -> QuerySet[Product]:
    """Join the text in the shopper's language as ``tx`` and, when that is not the default
    language, the default language's as ``txd`` (the fallback)."""
    queryset = queryset.annotate(
        tx=FilteredRelation("texts", condition=Q(texts__language_id=ctx.language))
    )
    if ctx.language != ctx.default_language:
        queryset = queryset.annotate(
            txd=FilteredRelation("texts", condition=Q(texts__language_id=ctx.default_language))
        )
    return queryset


def text_field(ctx: ShopperContext, name: str) -> Coalesce | Case:
    """A text column in the shopper's language, falling back to the default language's.

    A product with a text row in its language uses that row's value even when it is empty:
    Centra sends a translation as a whole."""
    if ctx.language == ctx.default_language:
        return Coalesce(F(f"tx__{name}"), Value(""), output_field=TextField())
    # Falls back only when the language's row is missing (its id is NULL).
    return Case(
        When(tx__id__isnull=False, then=F(f"tx__{name}")),
        default=Coalesce(F(f"txd__{name}"), Value(""), output_field=TextField()),
        output_field=TextField(),
    )


CARD_FIELDS: Final = (
    "id",
    "uri",
    "category__uri",
    "brand__name",
    "media",
    "attributes",
    "card_name",
    "price_amount",
    "card_price_text",
    "card_before_text",
    "card_before_amount",
    "card_discount",
    "card_on_sale",
    "card_new",
    "card_in_stock",
)


#: Products as rows of values (a card's fields and any extras).
ProductRows = QuerySet[Product, dict[str, Any]]


def card_queryset(queryset: QuerySet[Product], ctx: ShopperContext, *extra: str) -> ProductRows:
    """``queryset`` (already priced with :func:`with_price` and texted with :func:`with_texts`)
    narrowed to what a card needs (and the ``extra`` fields), as dicts."""
    return queryset.annotate(
        card_name=text_field(ctx, "name"),
        card_price_text=F("pl__price_text"),
        card_before_text=F("pl__price_before_discount_text"),
        card_before_amount=F("pl__price_before_discount"),
        card_discount=F("pl__discount_percent"),
        card_on_sale=F("pl__on_sale"),
        card_new=F("pl__new"),
        card_in_stock=has_stock(),
    ).values(*CARD_FIELDS, *extra)


def cards_for(ctx: ShopperContext, ids: Iterable[int]) -> dict[int, ProductCard]:
    """Cards of the products ``ids`` that exist in the shopper's market (one query)."""
    queryset = with_texts(with_price(Product.objects.filter(in_market(ctx)), ctx), ctx)
    rows = card_queryset(queryset.filter(pk__in=list(ids)), ctx)
    return {row["id"]: card_from_row(row, ctx) for row in rows}


def card_from_row(row: Mapping[str, Any], ctx: ShopperContext) -> ProductCard:
    priced = row["price_amount"] is not None
    on_sale = bool(row["card_on_sale"]) if priced else False
    return ProductCard(
        id=row["id"],
        uri=row["uri"],
        url=ctx.url(product_path(row["category__uri"], row["uri"])),
        name=row["card_name"] or row["uri"],
        brand_name=row["brand__name"] or "",
        image_url=first_image(row["media"]),
        price_text=(
            price_text(row["card_price_text"], row["price_amount"], ctx.currency_format)
            if priced
            else None
        ),
        price_before_discount_text=(
            price_text(row["card_before_text"], row["card_before_amount"], ctx.currency_format)
            if on_sale
            else None
        ),
        discount_percent=int(row["card_discount"] or 0) if priced else 0,
        on_sale=on_sale,
        new=bool(row["card_new"]) if priced else False,
        purchasable=priced,
        in_stock=bool(row["card_in_stock"]),
        swatch=swatch_of(row["attributes"]),
    )


def first_image(media: Any, size: str = "standard") -> str | None:
    urls = media.get(size) if isinstance(media, dict) else None
    if isinstance(urls, list) and urls and isinstance(urls[0], str):
        return urls[0]
    return None


def swatch_of(attributes: Any) -> Swatch | None:
    swatch = attributes.get("swatch") if isinstance(attributes, dict) else None
    if not isinstance(swatch, dict) or not isinstance(swatch.get("desc"), str):
        return None
    hex_value = swatch.get("hex")
    return Swatch(swatch["desc"], hex_value if isinstance(hex_value, str) else "")


def ordered_cards(cards: Mapping[int, ProductCard], ids: Sequence[int]) -> list[ProductCard]:
    return [cards[pid] for pid in ids if pid in cards]
