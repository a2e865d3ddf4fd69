"""Reads for the shopper's pages, from the local catalog only (no call to Centra).

Every selector takes the request's :class:`catalog.context.ShopperContext` and returns plain
frozen dataclasses: the price, text and URL are already chosen for the shopper's pricelist,
language and market, so templates only print. Products not in the shopper's market do not
exist here.

This module is the one to import; listings live in :mod:`catalog.listing`, cards in
:mod:`catalog.cards`, the category tree in :mod:`catalog.categories`, matching in
:mod:`catalog.search`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from django.db.models import Q

from catalog.cards import (
    ProductCard,
    Swatch,
    card_from_row,
    card_queryset,
    cards_for,
    category_path,
    in_market,
    listed_products,
    ordered_cards,
    product_path,
    text_field,
    with_price,
    with_texts,
)
from catalog.categories import (
    Breadcrumb,
    CategoryNode,
    CategoryPage,
    breadcrumbs,
    category_by_uri,
    category_index,
    category_tree,
)
from catalog.context import ShopperContext
from catalog.listing import (
    PER_PAGE,
    Facets,
    FacetValue,
    Listing,
    ListingFilters,
    ListingRequest,
    PageLink,
    PriceRange,
    SortOption,
    list_products,
    parse_listing_query,
)
from catalog.models import Item, Product, RelatedProduct
from catalog.stock import AVAILABLE, StockState, can_buy, stock_state

__all__ = [
    "Breadcrumb",
    "CategoryNode",
    "CategoryPage",
    "FacetValue",
    "Facets",
    "GalleryImage",
    "HomeSections",
    "ItemForCart",
    "Listing",
    "ListingFilters",
    "ListingRequest",
    "PageLink",
    "PriceRange",
    "ProductCard",
    "ProductDetail",
    "SizeOption",
    "SortOption",
    "Swatch",
    "breadcrumbs",
    "category_by_uri",
    "category_path",
    "category_tree",
    "home_sections",
    "item_for_cart",
    "item_labels",
    "list_products",
    "parse_listing_query",
    "product_detail",
    "product_path",
    "search_products",
]

HOME_LIMIT: Final = 8


@dataclass(frozen=True, slots=True)
class GalleryImage:
    url: str  # "standard" size
    full_url: str
    thumb_url: str
    alt: str


@dataclass(frozen=True, slots=True)
class SizeOption:
    item_id: str  # what the cart adds
    name: str
    sku: str
    ean: str
    stock: str  # Centra's answer: "yes", "few", "no", "preorder", a number...
    stock_state: StockState
    # The product has a price in the shopper's pricelist; without one no size is for sale and
    # the page says nothing about stock.
    priced: bool = True

    @classmethod
    def of(
        cls, item_id: str, name: str, sku: str, ean: str, stock: object, *, priced: bool = True
    ) -> SizeOption:
        text = "" if stock is None else str(stock)
        return cls(item_id, name, sku, ean, text, stock_state(stock), priced)

    @property
    def in_stock(self) -> bool:
        """Can be bought now (preorder included), here: see :func:`catalog.stock.can_buy`."""
        return can_buy(self.stock_state, priced=self.priced)


@dataclass(frozen=True, slots=True)
class ProductDetail:
    card: ProductCard  # name, url (canonical), brand, price, badges, stock
    sku: str
    product_sku: str
    variant_name: str
    excerpt: str
    excerpt_html: str  # Centra's HTML, from the catalog's editors
    description: str
    description_html: str
    meta_title: str  # falls back to the name
    meta_description: str  # falls back to the excerpt
    meta_keywords: str
    gallery: tuple[GalleryImage, ...]
    sizes: tuple[SizeOption, ...]
    variants: tuple[ProductCard, ...]  # other colours of the product, in the market
    related: tuple[ProductCard, ...]  # other relations, in the market
    category: CategoryNode | None  # the canonical category
    breadcrumbs: tuple[Breadcrumb, ...]  # categories root first, then the product itself
    price: Decimal | None
    currency: str
    item_quantity_minimum: int
    item_quantity_multiple_of: int
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class HomeSections:
    categories: tuple[CategoryNode, ...]
    new_arrivals: tuple[ProductCard, ...]
    on_sale: tuple[ProductCard, ...]


# -- product page -----------------------------------------------------------------------------

_DETAIL_TEXTS: Final = (
    "excerpt",
    "excerpt_html",
    "description",
    "description_html",
    "meta_title",
    "meta_description",
    "meta_keywords",
)


def product_detail(ctx: ShopperContext, uri: str) -> ProductDetail | None:
    """The product with Centra URI ``uri`` (the product's own, not the category path), or None
    when it does not exist in the shopper's market. Four queries."""
    queryset = with_texts(with_price(Product.objects.filter(in_market(ctx), uri=uri), ctx), ctx)
    queryset = queryset.annotate(**{f"d_{name}": text_field(ctx, name) for name in _DETAIL_TEXTS})
    row = (
        card_queryset(
            queryset,
            ctx,
            "sku",
            "product_sku",
            "variant_name",
            "category_id",
            "item_quantity_minimum",
            "item_quantity_multiple_of",
            *(f"d_{name}" for name in _DETAIL_TEXTS),
        )
        .order_by("id")
        .first()
    )
    if row is None:
        return None
    card = card_from_row(row, ctx)
    sizes = tuple(
        _size(item, priced=card.purchasable)
        for item in Item.objects.filter(product_id=card.id)
        .order_by("position", "id")
        .values("id", "name", "sku", "ean", "stock")
    )
    variants, related = _relations(ctx, card.id)
    index = category_index(ctx)
    category = index.by_id.get(row["category_id"]) if row["category_id"] else None
    crumbs = breadcrumbs(ctx, category.id) if category else ()
    return ProductDetail(
        card=card,
        sku=row["sku"],
        product_sku=row["product_sku"],
        variant_name=row["variant_name"],
        excerpt=row["d_excerpt"],
        excerpt_html=row["d_excerpt_html"],
        description=row["d_description"],
        description_html=row["d_description_html"],
        meta_title=row["d_meta_title"] or card.name,
        meta_description=row["d_meta_description"] or row["d_excerpt"],
        meta_keywords=row["d_meta_keywords"],
        gallery=_gallery(row["media"], card.name),
        sizes=sizes,
        variants=variants,
        related=related,
        category=category,
        breadcrumbs=(*crumbs, Breadcrumb(card.name, card.url)),
        price=row["price_amount"],
        currency=ctx.currency,
        item_quantity_minimum=row["item_quantity_minimum"],
        item_quantity_multiple_of=row["item_quantity_multiple_of"],
        attributes=dict(row["attributes"] or {}),
    )


def _size(item: Mapping[str, Any], *, priced: bool) -> SizeOption:
    return SizeOption.of(
        item["id"], item["name"], item["sku"], item["ean"], item["stock"], priced=priced
    )


def _relations(
    ctx: ShopperContext, product_id: int
) -> tuple[tuple[ProductCard, ...], tuple[ProductCard, ...]]:
    links = list(
        RelatedProduct.objects.filter(product_id=product_id)
        .order_by("id")
        .values_list("related_id", "relation")
    )
    if not links:
        return (), ()
    cards = cards_for(ctx, {related for related, _ in links})
    variants = [related for related, relation in links if relation == "variant"]
    others = [related for related, relation in links if relation != "variant"]
    return tuple(ordered_cards(cards, variants)), tuple(ordered_cards(cards, others))


def _gallery(media: Any, alt: str) -> tuple[GalleryImage, ...]:
    if not isinstance(media, dict):
        return ()
    standard = [url for url in media.get("standard") or [] if isinstance(url, str)]
    full = media.get("full") or []
    thumbs = media.get("thumb") or []

    def pick(urls: list[Any], index: int, fallback: str) -> str:
        return urls[index] if index < len(urls) and isinstance(urls[index], str) else fallback

    return tuple(
        GalleryImage(url, pick(full, i, url), pick(thumbs, i, url), alt)
        for i, url in enumerate(standard)
    )


# -- what a cart may take ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemForCart:
    """An item (a size) as the shopper's market, pricelist and stock allow it into a cart."""

    item_id: str
    size_name: str
    stock_state: StockState
    card: ProductCard  # the product: name, canonical url, price (None: not sold here)
    quantity_minimum: int
    quantity_multiple_of: int

    @property
    def in_stock(self) -> bool:
        return self.stock_state in AVAILABLE


def item_for_cart(ctx: ShopperContext, item_id: str) -> ItemForCart | None:
    """The item ``item_id`` of a product in the shopper's market, or None. Two queries."""
    item = Item.objects.filter(pk=item_id).values("product_id", "name", "stock_state").first()
    if item is None:
        return None
    products = Product.objects.filter(in_market(ctx), pk=item["product_id"])
    row = card_queryset(
        with_texts(with_price(products, ctx), ctx),
        ctx,
        "item_quantity_minimum",
        "item_quantity_multiple_of",
    ).first()
    if row is None:
        return None
    return ItemForCart(
        item_id=item_id,
        size_name=item["name"],
        stock_state=StockState(item["stock_state"]),
        card=card_from_row(row, ctx),
        quantity_minimum=max(1, row["item_quantity_minimum"] or 1),
        quantity_multiple_of=max(1, row["item_quantity_multiple_of"] or 1),
    )


def item_labels(ctx: ShopperContext, item_ids: Iterable[str]) -> dict[str, str]:
    """``{item id: "Product name, size"}`` in the shopper's language, for messages about items
    that may have left the cart. Two queries."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return {}
    rows = list(Item.objects.filter(pk__in=ids).values_list("id", "product_id", "name"))
    cards = cards_for(ctx, {product_id for _, product_id, _ in rows})
    return {
        item_id: f"{cards[product_id].name}, {size}" if size else cards[product_id].name
        for item_id, product_id, size in rows
        if product_id in cards
    }


# -- home and search --------------------------------------------------------------------------


def home_sections(ctx: ShopperContext, limit: int = HOME_LIMIT) -> HomeSections:
    """Category entry points, the newest products flagged new and the deepest discounts, in
    the shopper's market and pricelist. Two queries (the tree is cached)."""
    queryset = with_texts(with_price(listed_products(ctx), ctx), ctx)
    # "pl" is the price joined by with_price() (a FilteredRelation the type checker cannot see).
    new_products = queryset.filter(Q(pl__new=True))
    new = card_queryset(new_products, ctx).order_by("-created_at", "-id")[:limit]
    sale = card_queryset(queryset.filter(Q(pl__on_sale=True)), ctx).order_by(
        "-card_discount", "-created_at", "-id"
    )[:limit]
    return HomeSections(
        categories=category_tree(ctx),
        new_arrivals=tuple(card_from_row(row, ctx) for row in new),
        on_sale=tuple(card_from_row(row, ctx) for row in sale),
    )


def search_products(
    ctx: ShopperContext,
    q: str,
    filters: ListingFilters | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Listing:
    """Products matching ``q`` (see :mod:`catalog.search`), with the same facets, sorts and
    pagination as a category; ranked by relevance unless another sort is asked for. An empty
    ``q`` matches nothing."""
    return list_products(ctx, search=q, filters=filters, sort=sort, page=page, per_page=per_page)
