"""Shopper pages: home and search (routed), and the product and category renderers that the
catch-all (:mod:`routing.views`) hands a resolved object to.

Each reads the request, calls one selector and renders; everything shown is chosen by the
selectors for the shopper's market, pricelist and language. No Centra call happens here except
the home page's CMS article (cached, and optional: the page renders without it).

The body of a public page (everything but the header with its CSRF-protected switcher, the
messages and the cart's form) is rendered once per catalog version and shopper context and then
served from :mod:`routing.page_cache`; so are the selectors' results, and a product page's
``<head>`` tags. ``cacheable=False`` (preview, content read live from Centra) renders and reads
afresh and stores nothing. The category navigation is rendered once per language and reference
data version and kept in the process (:func:`catalog.reference.memoized`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from catalog.categories import CategoryPage, category_tree
from catalog.listing import Listing, ListingRequest, list_products, parse_listing_query
from catalog.reference import memoized
from catalog.selectors import ProductDetail, home_sections, search_products
from catalog.seo import (
    SITE_NAME,
    PageMeta,
    absolute_product_jsonld,
    breadcrumb_jsonld,
    page_meta,
)
from routing import page_cache
from routing.live import page_size
from routing.preview import preview_aware
from routing.resolve import home_article

SEARCH_MAX_LENGTH = 200
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageLinks:
    """Where the pagination's links go (site-relative, query strings included)."""

    previous: str | None
    next: str | None
    page: int
    num_pages: int


def page_links(request: HttpRequest, listing: Listing) -> PageLinks:
    def url(query: str | None) -> str | None:
        return None if query is None else request.path + ("" if query == "?" else query)

    return PageLinks(
        url(listing.previous_query), url(listing.next_query), listing.page, listing.num_pages
    )


HEAD_TEMPLATE = "shop/parts/head.html"
NAV_TEMPLATE = "shop/parts/nav.html"


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render with what every shop page shows: the navigation, in the shopper's language, and
    the ``<head>`` tags of the page's ``meta`` (unless the view brings them rendered)."""
    context.update(_navigation(request))
    if "head" not in context:
        context["head"] = draw_head(context.get("meta"))
    return render(request, template, context, status=status)


def draw_head(meta: PageMeta | None) -> SafeString:
    """The page's ``<head>`` tags: SEO and sharing (from ``meta``) and the shop's stylesheet."""
    return mark_safe(render_to_string(HEAD_TEMPLATE, {"meta": meta}))  # noqa: S308


@dataclass(frozen=True, slots=True)
class PageHead:
    meta: PageMeta
    html: SafeString  # draw_head(meta)


def _origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _page_head(
    request: HttpRequest,
    cacheable: bool,
    parts: tuple[Any, ...],
    make_meta: Callable[[], PageMeta],
) -> PageHead:
    """A page's meta and its rendered ``<head>`` tags, through the page cache when
    ``cacheable``; ``parts`` name everything the meta depends on besides the request's origin
    and path (its links are absolute, and its hreflang alternates follow the path as asked)."""

    def build() -> PageHead:
        meta = make_meta()
        return PageHead(meta, draw_head(meta))

    where = (_origin(request), request.path, request.path_info)
    return _cached(cacheable, "page-head", request, (*parts, *where), build)


def _navigation(request: HttpRequest) -> dict[str, Any]:
    ctx = request.shopper
    # The links depend on the language, the category tree (both in the memo's version) and
    # the URLconf; the rendered list is the same for every page view.
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    key = ("shop-navigation", ctx.language, urlconf, get_script_prefix())
    return memoized(key, lambda: _build_navigation(request))


def _build_navigation(request: HttpRequest) -> dict[str, Any]:
    ctx = request.shopper
    links = {
        "nav_categories": category_tree(ctx),
        "home_url": ctx.url("/"),
        "search_url": ctx.url(reverse("search")),
    }
    nav = mark_safe(render_to_string(NAV_TEMPLATE, links))  # noqa: S308 (our template)
    return {**links, "nav": nav}


def _draw(request: HttpRequest, template: str, context: dict[str, Any]) -> SafeString:
    full = {**context, **_navigation(request)}
    return mark_safe(render_to_string(template, full, request))  # noqa: S308 (our template)


def _cached(
    cacheable: bool,
    kind: str,
    request: HttpRequest,
    parts: tuple[Any, ...],
    compute: Callable[[], T],
) -> T:
    """``compute()``, through the page cache when ``cacheable`` (public, local content)."""
    if not cacheable:
        return compute()
    return page_cache.cached(kind, request.shopper, parts, compute)


@dataclass(frozen=True, slots=True)
class ListingBody:
    """A rendered listing and the little the page head needs of it, cached as one entry so a
    warm page never loads the listing itself."""

    html: SafeString
    page: int
    out_of_range: bool
    previous_query: str | None
    next_query: str | None


def _listing_body(
    request: HttpRequest,
    cacheable: bool,
    parts: tuple[Any, ...],
    template: str,
    context: dict[str, Any],
    make_listing: Callable[[], Listing],
) -> tuple[ListingBody, Listing | None]:
    """The listing page's body (from the page cache when ``cacheable``), and the listing when
    it had to be built (for the view's context; None on a cache hit)."""
    built: list[Listing] = []

    def build() -> ListingBody:
        listing = make_listing()
        built.append(listing)
        html = SafeString("")
        if not listing.out_of_range:
            full = {**context, "listing": listing, "pages": page_links(request, listing)}
            html = _draw(request, template, full)
        return ListingBody(
            html, listing.page, listing.out_of_range, listing.previous_query, listing.next_query
        )

    body = _cached(cacheable, "listing", request, parts, build)
    return body, built[0] if built else None


def _listing_parts(asked: ListingRequest) -> tuple[Any, ...]:
    return (tuple(asked.filters.to_query()), asked.sort, asked.page, page_size())


@require_safe
@preview_aware
def home(request: HttpRequest) -> HttpResponse:
    ctx = request.shopper
    public = request.preview is None
    article = home_article(ctx, preview=not public)
    meta = page_meta(
        request,
        title=(article.meta_title or article.title) if article else SITE_NAME,
        description=article.meta_description if article else "",
    )
    body = _cached(
        public,
        "home-html",
        request,
        (),
        lambda: _draw(request, "shop/parts/home_sections.html", {"sections": home_sections(ctx)}),
    )
    context = {"article": article, "body": body, "meta": meta}
    return render_page(request, "home.html", context)


@require_safe
@preview_aware
def search(request: HttpRequest) -> HttpResponse:
    q = " ".join(request.GET.get("q", "").split())[:SEARCH_MAX_LENGTH]
    asked = parse_listing_query(request.GET)
    template = "shop/parts/search_body.html"
    context: dict[str, Any] = {"q": q, "listing": None}
    if q:
        body, listing = _listing_body(
            request,
            request.preview is None,
            ("search", q, *_listing_parts(asked)),
            template,
            context,
            lambda: search_products(
                request.shopper, q, asked.filters, asked.sort, asked.page, per_page=page_size()
            ),
        )
        if body.out_of_range:
            raise Http404("no such page of results")
        context.update(listing=listing, body=body.html)
    else:
        context["body"] = _draw(request, template, context)
    # Result pages are endless combinations of one catalog: not for search engines.
    title = f"Search: {q} · {SITE_NAME}" if q else f"Search · {SITE_NAME}"
    head = _page_head(
        request,
        request.preview is None,
        ("search", title),
        lambda: page_meta(request, title=title, robots="noindex, follow"),
    )
    context.update(meta=head.meta, head=head.html)
    return render_page(request, "shop/page.html", context)


@dataclass(frozen=True, slots=True)
class ProductParts:
    """What a product page shows around its live parts (header, messages, add-to-cart)."""

    meta: PageMeta
    head: SafeString  # the <head> tags of ``meta``
    main: SafeString  # breadcrumbs, gallery, name, price, sizes
    more: SafeString  # description, variants, related


def render_product(
    request: HttpRequest, detail: ProductDetail, *, cacheable: bool = True, **flags: bool
) -> HttpResponse:
    context: dict[str, Any] = {"product": detail, "card": detail.card, **flags}
    parts = _product_parts(request, detail, cacheable, context)
    context.update(meta=parts.meta, head=parts.head, main=parts.main, more=parts.more)
    return render_page(request, "shop/product.html", context)


def _product_meta(request: HttpRequest, detail: ProductDetail) -> PageMeta:
    absolute = request.build_absolute_uri
    return page_meta(
        request,
        title=detail.meta_title,
        description=detail.meta_description,
        canonical=detail.card.url,
        og_type="product",
        image=detail.gallery[0].url if detail.gallery else None,
        data=[
            absolute_product_jsonld(detail.json_ld, absolute),
            breadcrumb_jsonld(detail.breadcrumbs, absolute),
        ],
    )


def _product_parts(
    request: HttpRequest, detail: ProductDetail, cacheable: bool, context: dict[str, Any]
) -> ProductParts:
    """The cacheable parts of a product page, around the live add-to-cart block."""

    def draw() -> ProductParts:
        meta = _product_meta(request, detail)
        return ProductParts(
            meta=meta,
            head=draw_head(meta),
            main=_draw(request, "shop/parts/product_main.html", context),
            more=_draw(request, "shop/parts/product_more.html", context),
        )

    # One entry for all of it (one cache lookup per view). The head's links are absolute
    # (scheme and host of the request) and its hreflang alternates follow the path as asked;
    # the rest only depends on the product.
    parts = (detail.card.id, _origin(request), request.path, request.path_info)
    return _cached(cacheable, "product-page", request, parts, draw)


def _local_listing(request: HttpRequest, category: CategoryPage, asked: ListingRequest) -> Listing:
    return list_products(
        request.shopper,
        category=category,
        filters=asked.filters,
        sort=asked.sort,
        page=asked.page,
        per_page=page_size(),
    )


def render_category(
    request: HttpRequest,
    category: CategoryPage,
    listing: Listing | None = None,
    *,
    cacheable: bool = True,
    **flags: bool,
) -> HttpResponse:
    """A category page; ``listing`` is given for a live (preview or fallback) category,
    otherwise the local catalog lists it from the query string's filters, sort and page."""
    asked = parse_listing_query(request.GET)
    body, built = _listing_body(
        request,
        cacheable and listing is None,
        ("category", category.id, *_listing_parts(asked)),
        "shop/parts/category_body.html",
        {"category": category},
        lambda: listing if listing is not None else _local_listing(request, category, asked),
    )
    if body.out_of_range:
        raise Http404("no such page of this category")
    head = _page_head(
        request,
        cacheable and listing is None,
        ("category", category.id, body.page, body.previous_query, body.next_query),
        lambda: page_meta(
            request,
            title=category.meta_title or " ".join(category.name_path),
            description=category.meta_description,
            canonical=category.url,
            query=f"?page={body.page}" if body.page > 1 else "",
            data=[breadcrumb_jsonld(category.breadcrumbs, request.build_absolute_uri)],
            prev_query=body.previous_query,
            next_query=body.next_query,
        ),
    )
    context = {
        "category": category,
        "listing": built,
        "body": body.html,
        "meta": head.meta,
        "head": head.html,
        **flags,
    }
    return render_page(request, "shop/page.html", context)
