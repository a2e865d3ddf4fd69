"""Pages built from live Centra answers instead of the local catalog: preview mode, CMS
articles, and the routing fallback for content the local copy does not hold yet.

Two parts:

- :func:`lookup`: ``POST uri`` through :mod:`centra.content_api`. Public answers (found or not)
  are kept in Django's cache for ``CMS_CACHE_SECONDS``; preview answers never are. When Centra
  fails, a "Centra is down" mark is kept for ``CENTRA_DOWN_SECONDS`` so the next visitors get
  the degraded page at once instead of each waiting for timeouts and retries. Uncached public
  lookups draw from one shop-wide bucket (:mod:`catalog.rate_limits`,
  ``CENTRA_LIVE_LOOKUPS_PER_MINUTE``); when it is empty the answer is "unavailable" too.
- Adapters from Centra's JSON to the selectors' own dataclasses (``ProductCard``,
  ``ProductDetail``, ``CategoryPage``, ``Listing``), so the same templates render both. Nothing
  here writes to the local catalog.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any, Final

from django.conf import settings
from django.core.cache import cache

from catalog import rate_limits
from catalog.cards import (
    ProductCard,
    cards_for,
    first_image,
    ordered_cards,
    product_path,
    swatch_of,
)
from catalog.categories import Breadcrumb, CategoryNode, CategoryPage, category_index
from catalog.context import ShopperContext
from catalog.listing import Facets, Listing, ListingFilters
from catalog.money import as_amount, money_field
from catalog.selectors import GalleryImage, ProductDetail, SizeOption
from catalog.stock import is_available
from centra import content_api
from centra.connection import get_client
from centra.errors import (
    CentraNotFound,
    CentraRateLimited,
    CentraUnavailable,
    CentraValidationError,
)
from centra.readers import obj, objs, text

logger = logging.getLogger(__name__)

DOWN_KEY: Final = "routing:centra-down"
# Uncached public lookups share one bucket, shop-wide (CENTRA_LIVE_LOOKUPS_PER_MINUTE).
LOOKUP_BUCKET: Final = "routing:live-lookups"
LOOKUP_PERIOD: Final = 60.0


class LookupsSpent(CentraUnavailable):
    """The shop's live lookups for this minute are spent: answered like Centra being down."""


# -- live lookups -----------------------------------------------------------------------------


def lookup(
    ctx: ShopperContext,
    uri: str,
    kinds: Sequence[str],
    *,
    preview: bool = False,
    page: int = 1,
) -> dict[str, Any] | None:
    """Centra's ``POST uri`` answer for ``uri`` in the shopper's context, or None when it names
    none of ``kinds``. Raises :class:`centra.errors.CentraError` when Centra fails."""
    if preview:
        return _call(ctx, uri, kinds, preview=True, page=page)
    key = _cache_key(ctx, uri, kinds, page)
    cached = cache.get(key)
    if cached is not None:
        return cached["answer"]
    if cache.get(DOWN_KEY):
        raise CentraUnavailable("Centra was unreachable moments ago; not asking again yet")
    if not rate_limits.take(
        LOOKUP_BUCKET, capacity=settings.CENTRA_LIVE_LOOKUPS_PER_MINUTE, period=LOOKUP_PERIOD
    ):
        # A crawler of random URLs must not become a flood on the shop's Centra quota.
        raise LookupsSpent("the shop's live lookups for this minute are spent")
    answer = _call(ctx, uri, kinds, preview=False, page=page)
    cache.set(key, {"answer": answer}, settings.CMS_CACHE_SECONDS)
    return answer


def _call(
    ctx: ShopperContext, uri: str, kinds: Sequence[str], *, preview: bool, page: int
) -> dict[str, Any] | None:
    if cache.get(DOWN_KEY):
        raise CentraUnavailable("Centra was unreachable moments ago; not asking again yet")
    try:
        return content_api.resolve_uri(
            get_client(),
            uri,
            language=ctx.language,
            market=ctx.market,
            pricelist=ctx.pricelist,
            preview=preview,
            kinds=kinds,
            limit=page_size(),
            skip=max(0, page - 1) * page_size(),
        )
    except (CentraNotFound, CentraValidationError):
        # Centra refusing the URI itself (too long, malformed) means it names nothing there.
        return None
    except (CentraUnavailable, CentraRateLimited) as exc:
        logger.warning("live lookup of a page failed: %s", exc.message)
        cache.set(DOWN_KEY, True, settings.CENTRA_DOWN_SECONDS)
        raise


def _cache_key(ctx: ShopperContext, uri: str, kinds: Sequence[str], page: int) -> str:
    # Articles depend on the language only; products and categories on the whole context.
    scope = (
        (ctx.language,)
        if list(kinds) == [content_api.CMS_ARTICLE]
        else (ctx.language, ctx.market, ctx.pricelist, page)
    )
    raw = "|".join([*map(str, scope), ",".join(kinds), uri])
    return "routing:live:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def page_size() -> int:
    """Products per listing page (``CATALOG_PAGE_SIZE``, default the selectors' 48)."""
    return settings.CATALOG_PAGE_SIZE


def preview_cards(ctx: ShopperContext, ids: list[str]) -> list[ProductCard]:
    """Cards for product ids as Centra has them now, unpublished ones included."""
    products = content_api.preview_products(
        get_client(), ids, language=ctx.language, market=ctx.market, pricelist=ctx.pricelist
    )
    return [card_from_centra(p, ctx) for p in products]


def local_cards(ctx: ShopperContext, ids: list[str]) -> list[ProductCard]:
    wanted = [int(pid) for pid in ids if pid.isascii() and pid.isdigit() and len(pid) < 19]
    return ordered_cards(cards_for(ctx, wanted), wanted)


# -- Centra JSON -> the selectors' dataclasses ------------------------------------------------


def card_from_centra(product: dict[str, Any], ctx: ShopperContext) -> ProductCard:
    price = as_amount(product.get("priceAsNumber"))
    priced = price is not None
    on_sale = priced and product.get("showAsOnSale") is True
    return ProductCard(
        id=int(product.get("product") or 0),
        uri=text(product.get("uri")),
        url=ctx.url(product_path(product.get("categoryUri") or None, text(product.get("uri")))),
        name=text(product.get("name")) or text(product.get("uri")),
        brand_name=text(product.get("brandName")),
        image_url=first_image(product.get("media")),
        price_text=money_field(product, "price", ctx.currency_format) if priced else None,
        price_before_discount_text=(
            money_field(product, "priceBeforeDiscount", ctx.currency_format) if on_sale else None
        ),
        discount_percent=int(product.get("discountPercent") or 0) if priced else 0,
        on_sale=on_sale,
        new=priced and product.get("showAsNew") is True,
        purchasable=priced,
        in_stock=any(is_available(item.get("stock")) for item in objs(product.get("items"))),
        swatch=swatch_of(product),
    )


def _size(item: dict[str, Any], *, priced: bool) -> SizeOption:
    return SizeOption.of(
        text(item.get("item")),
        text(item.get("name")),
        text(item.get("sku")),
        text(item.get("ean")),
        item.get("stock"),
    )


def _crumbs(ctx: ShopperContext, names: Sequence[str], uri: str) -> list[Breadcrumb]:
    """Breadcrumbs from Centra's name path and URI ("womens/shoes" + [Womens, Shoes])."""
    segments = uri.split("/") if uri else []
    if len(segments) != len(names):
        return [Breadcrumb(names[-1], ctx.url("/" + uri))] if names and uri else []
    return [
        Breadcrumb(name, ctx.url("/" + "/".join(segments[: n + 1]))) for n, name in enumerate(names)
    ]


def _names(value: Any) -> list[str]:
    return [str(name) for name in value] if isinstance(value, list) else []


def detail_from_centra(product: dict[str, Any], ctx: ShopperContext) -> ProductDetail:
    card = card_from_centra(product, ctx)
    category_uri = text(product.get("categoryUri"))
    names = _names(product.get("categoryName"))
    crumbs = _crumbs(ctx, names, category_uri)
    category = None
    if category_uri:
        local = category_index(ctx).by_uri.get(category_uri)
        category = category_index(ctx).by_id.get(local) if local else None
        if category is None and names:
            category = CategoryNode(
                id=int(product.get("category") or 0),
                uri=category_uri,
                name=names[-1],
                url=ctx.url("/" + category_uri),
                parent_id=None,
                depth=0,
            )
    relations = [r for r in product.get("relatedProducts") or [] if isinstance(r, dict)]
    full = [r for r in relations if r.get("uri")]  # only full objects make a card
    media = obj(product.get("media"))
    sizes = tuple(_size(item, priced=card.purchasable) for item in objs(product.get("items")))
    gallery = tuple(
        GalleryImage(url, url, url, card.name)
        for url in media.get("standard") or []
        if isinstance(url, str)
    )
    return ProductDetail(
        card=card,
        sku=text(product.get("sku")),
        product_sku=text(product.get("productSku")),
        variant_name=text(product.get("variantName")),
        excerpt=text(product.get("excerpt")),
        excerpt_html=text(product.get("excerptHtml")),
        description=text(product.get("description")),
        description_html=text(product.get("descriptionHtml")),
        meta_title=text(product.get("metaTitle")) or card.name,
        meta_description=text(product.get("metaDescription")) or text(product.get("excerpt")),
        meta_keywords=text(product.get("metaKeywords")),
        gallery=gallery,
        sizes=sizes,
        variants=tuple(card_from_centra(r, ctx) for r in full if r.get("relation") == "variant"),
        related=tuple(card_from_centra(r, ctx) for r in full if r.get("relation") != "variant"),
        category=category,
        breadcrumbs=(*crumbs, Breadcrumb(card.name, card.url)),
        price=as_amount(product.get("priceAsNumber")),
        currency=ctx.currency,
        item_quantity_minimum=int(product.get("itemQuantityMinimum") or 1),
        item_quantity_multiple_of=int(product.get("itemQuantityMultipleOf") or 1),
        attributes={},
    )


def category_from_centra(answer: dict[str, Any], ctx: ShopperContext) -> CategoryPage:
    data = obj(answer.get("category"))
    uri = text(data.get("uri"))
    names = _names(data.get("name")) or [uri.rsplit("/", 1)[-1]]
    index = category_index(ctx)
    local = index.by_id.get(index.by_uri.get(uri, -1))
    category_id = int(data.get("category") or 0)
    return CategoryPage(
        id=category_id,
        uri=uri,
        url=ctx.url("/" + uri),
        name=names[-1],
        name_path=tuple(names),
        meta_title=text(data.get("metaTitle")),
        meta_description=text(data.get("metaDescription")),
        meta_keywords=text(data.get("metaKeywords")),
        parent=None,
        children=local.children if local else (),
        breadcrumbs=tuple(_crumbs(ctx, names, uri)),
        subtree_ids=(category_id,),
    )


def listing_from_centra(answer: dict[str, Any], ctx: ShopperContext, page: int) -> Listing:
    """A page of a live category: Centra's order, no filters or facets (documented)."""
    products = [p for p in answer.get("products") or [] if isinstance(p, dict)]
    total = int(answer.get("productCount") or 0)
    per_page = page_size()
    num_pages = max(1, -(-total // per_page))
    out_of_range = not 1 <= page <= num_pages
    return Listing(
        products=() if out_of_range else tuple(card_from_centra(p, ctx) for p in products),
        total=total,
        page=page,
        per_page=per_page,
        num_pages=num_pages,
        out_of_range=out_of_range,
        sort="centra",
        sort_options=(),
        filters=ListingFilters(),
        facets=Facets(),
    )
