"""Path -> what the page is: the one place that decides (Wagtail's ``route``).

Public resolution order, first match wins:

1. **Product** from the local catalog. Its canonical URL is Centra's: the canonical category's
   URI, then the product's (``/womens/shoes/classic-sneaker-red``). The bare product URI, or the
   product under another category it is placed in, redirects (301) there.
2. **Category** from the local catalog (its URI is the path).
   *Not found*, without asking Centra, for any other path under a known category while the
   copy is fresh (:func:`catalog.freshness.copy_is_fresh`).
3. **CMS article** through Centra's ``POST uri`` (the local copy holds no CMS content).
4. **Fallback**: Centra's ``POST uri`` for a product or category the local copy does not hold
   (created in Centra, not synced yet).
5. Nothing: not found. When a live step cannot reach Centra, or the shop's live lookups for
   the minute are spent (:mod:`routing.live`), the answer is "unavailable" rather than "not
   found": the page may well exist.

Preview resolves everything live (unpublished content is only in Centra) with the preview
flag, in Centra's own order (product, category, article); when Centra is unreachable it falls
back to the public resolution, so staff still see the published page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, Final

from catalog.cards import product_path
from catalog.categories import CategoryPage, category_by_uri
from catalog.context import ShopperContext
from catalog.freshness import copy_is_fresh
from catalog.listing import Listing
from catalog.models import Product, ProductCategory
from catalog.selectors import ProductDetail, product_detail
from centra import content_api
from centra.errors import CentraError
from routing import live, page_cache
from routing.cms import Article, article_from_json

logger = logging.getLogger(__name__)

PRODUCT: Final = "product"
CATEGORY: Final = "category"
CMS: Final = "cms"
REDIRECT: Final = "redirect"
NOT_FOUND: Final = "not_found"
UNAVAILABLE: Final = "unavailable"

LOCAL: Final = "local"
CENTRA: Final = "centra"


@dataclass(frozen=True, slots=True)
class Resolution:
    kind: str
    source: str = LOCAL
    product: ProductDetail | None = None
    category: CategoryPage | None = None
    listing: Listing | None = None  # a live category's products; local ones list on render
    article: Article | None = None
    location: str = ""  # where a redirect goes (with the language prefix)
    unpublished: bool = False  # preview content Centra marks as not live
    preview_failed: bool = False  # preview asked, Centra unreachable: the public page instead


def resolve(ctx: ShopperContext, path: str, *, preview: bool = False, page: int = 1) -> Resolution:
    """What ``path`` (without the language prefix) is for this shopper."""
    uri = path.strip("/")
    if uri and path != path.rstrip("/"):
        # One URL per page: "/womens/" is "/womens".
        return Resolution(REDIRECT, location=ctx.url("/" + uri))
    if preview:
        try:
            return _resolve_live(ctx, uri, page)
        except CentraError:
            public = _resolve_public(ctx, uri, page, cache_pages=False)
            return replace(public, preview_failed=True)
    return _resolve_public(ctx, uri, page)


def _resolve_public(
    ctx: ShopperContext, uri: str, page: int, *, cache_pages: bool = True
) -> Resolution:
    found = local_product(ctx, uri, cache_pages=cache_pages) or local_category(ctx, uri)
    if found is not None:
        return found
    if _under_a_known_category(ctx, uri) and copy_is_fresh():
        # A fresh copy knows every product of its categories, and CMS pages do not live
        # under a category: Centra would only confirm the 404 (at two calls per path).
        return Resolution(NOT_FOUND)
    try:
        article = live.lookup(ctx, uri, [content_api.CMS_ARTICLE])
        if article is not None:
            return _from_answer(ctx, uri, article, page)
        answer = live.lookup(ctx, uri, [content_api.PRODUCT, content_api.CATEGORY], page=page)
    except CentraError:
        return Resolution(UNAVAILABLE)
    if answer is None:
        return Resolution(NOT_FOUND)
    return _from_answer(ctx, uri, answer, page)


def _under_a_known_category(ctx: ShopperContext, uri: str) -> bool:
    prefix = uri.rpartition("/")[0]
    return bool(prefix) and category_by_uri(ctx, prefix) is not None


def local_product(ctx: ShopperContext, uri: str, *, cache_pages: bool = True) -> Resolution | None:
    prefix, _, last = uri.rpartition("/")
    if not last:
        return None
    if cache_pages and page_cache.enabled() and last not in product_uris():
        # Most paths a crawler makes up name no product: no query, and no cache entry each.
        return None
    if cache_pages:
        # Misses are kept too: every category path asks first whether it is a product.
        detail = page_cache.cached("product", ctx, (last,), lambda: product_detail(ctx, last))
    else:
        detail = product_detail(ctx, last)
    if detail is None:
        return None
    category_uri = detail.category.uri if detail.category else None
    if prefix == (category_uri or ""):
        return Resolution(PRODUCT, product=detail)
    if not prefix or _placed_in(detail.card.id, prefix):
        return Resolution(REDIRECT, location=detail.card.url)
    return None


def product_uris() -> frozenset[str]:
    """Every product's own URI in the local catalog (any market), read once per catalog
    version in each process: a set of short strings, a few hundred kilobytes for 10,000
    products."""
    return page_cache.per_version(
        "product-uris", lambda: frozenset(Product.objects.values_list("uri", flat=True))
    )


def _placed_in(product_id: int, category_uri: str) -> bool:
    placements = ProductCategory.objects.filter(product_id=product_id, category__uri=category_uri)
    return placements.exists()


def local_category(ctx: ShopperContext, uri: str) -> Resolution | None:
    category = category_by_uri(ctx, uri) if uri else None
    return Resolution(CATEGORY, category=category) if category is not None else None


def _resolve_live(ctx: ShopperContext, uri: str, page: int) -> Resolution:
    answer = live.lookup(ctx, uri or "/", content_api.ALL_KINDS, preview=True, page=page)
    if answer is None:
        return Resolution(NOT_FOUND)
    return _from_answer(ctx, uri, answer, page, preview=True)


def _from_answer(
    ctx: ShopperContext, uri: str, answer: dict[str, Any], page: int, *, preview: bool = False
) -> Resolution:
    found = answer.get("found")
    flag = content_api.PREVIEW_FLAG
    if found == content_api.PRODUCT and isinstance(answer.get("product"), dict):
        data = answer["product"]
        detail = live.detail_from_centra(data, ctx)
        canonical = product_path(data.get("categoryUri") or None, detail.card.uri)
        if "/" + uri != canonical:
            return Resolution(REDIRECT, source=CENTRA, location=detail.card.url)
        return Resolution(PRODUCT, CENTRA, product=detail, unpublished=data.get(flag) is True)
    if found == content_api.CATEGORY and isinstance(answer.get("category"), dict):
        return Resolution(
            CATEGORY,
            CENTRA,
            category=live.category_from_centra(answer, ctx),
            listing=live.listing_from_centra(answer, ctx, page),
            unpublished=answer["category"].get(flag) is True,
        )
    if found == content_api.CMS_ARTICLE and isinstance(answer.get("cmsArticle"), dict):
        data = answer["cmsArticle"]
        cards = (
            (lambda ids: live.preview_cards(ctx, ids))
            if preview
            else (lambda ids: live.local_cards(ctx, ids))
        )
        article = article_from_json(data, cards, preview_flag=flag)
        return Resolution(CMS, CENTRA, article=article, unpublished=article.preview)
    logger.warning("Centra answered POST uri with an unexpected shape (found=%r)", found)
    return Resolution(NOT_FOUND)


def home_article(ctx: ShopperContext, *, preview: bool = False) -> Article | None:
    """The article Centra marks as the home page, or None (none, or Centra unreachable: the
    home page is still useful without it)."""
    try:
        answer = live.lookup(ctx, "/", [content_api.CMS_ARTICLE], preview=preview)
        if answer is None:
            return None
        resolution = _from_answer(ctx, "", answer, 1, preview=preview)
    except CentraError:
        return None
    return resolution.article
