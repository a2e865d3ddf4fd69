"""The renderers of catalog pages: home, search, product, category and CMS article.

Views (:mod:`routing.views`) read the request and hand a resolved object here; everything shown
was chosen by the catalog's selectors for the shopper's market, pricelist and language. No
Centra call happens here except the home page's CMS article (cached, and optional: the page
renders without it).

The body of a public page (everything but the header with its CSRF-protected switcher, the
messages and the cart's form) is rendered once per catalog version and shopper context and then
served from :mod:`routing.page_cache`; so are the selectors' results, and a product page's
``<head>`` tags. ``cacheable=False`` (preview, content read live from Centra) renders and reads
afresh and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.http import Http404, HttpResponse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from catalog import search_index
from catalog.categories import CategoryPage
from catalog.listing import (
    Listing,
    ListingRequest,
    filter_values,
    known_only,
    list_products,
    needs_checking,
    parse_listing_query,
)
from catalog.search import MAX_LENGTH
from catalog.selectors import ProductDetail, home_sections, search_products
from routing import page_cache
from routing.cms import Article
from routing.live import page_size
from routing.preview import PageRequest
from routing.resolve import home_article
from routing.seo import breadcrumb_jsonld, category_description, product_jsonld
from storefront import http_cache
from storefront.meta import SITE_NAME, PageMeta, page_meta
from storefront.pages import draw, draw_head, render_page

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageNumber:
    """One numbered link of the pagination; ``number`` 0 stands for the pages left out."""

    number: int
    url: str
    current: bool


@dataclass(frozen=True, slots=True)
class PageLinks:
    """Where the pagination's links go (site-relative, query strings included)."""

    previous: str | None
    next: str | None
    page: int
    num_pages: int
    numbers: tuple[PageNumber, ...] = ()


def page_links(request: PageRequest, listing: Listing) -> PageLinks:
    def url(query: str | None) -> str | None:
        return None if query is None else request.path + ("" if query == "?" else query)

    numbers: list[PageNumber] = []
    for link in listing.nearby_pages:
        if numbers and link.number > numbers[-1].number + 1:
            numbers.append(PageNumber(0, "", False))
        numbers.append(PageNumber(link.number, url(link.query) or "", link.current))
    return PageLinks(
        url(listing.previous_query),
        url(listing.next_query),
        listing.page,
        listing.num_pages,
        tuple(numbers),
    )


@dataclass(frozen=True, slots=True)
class PageHead:
    meta: PageMeta
    html: SafeString  # draw_head(meta)


def _origin(request: PageRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _page_head(
    request: PageRequest,
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


def _cached(
    cacheable: bool,
    kind: str,
    request: PageRequest,
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
    product_ids: tuple[int, ...]  # the products it shows, for the page's cache tags


def _listing_body(
    request: PageRequest,
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
            html = draw(request, template, full)
        return ListingBody(
            html,
            listing.page,
            listing.out_of_range,
            listing.previous_query,
            listing.next_query,
            tuple(card.id for card in listing.products),
        )

    body = _cached(cacheable, "listing", request, parts, build)
    http_cache.tag(request, *map(http_cache.product_tag, body.product_ids))
    return body, built[0] if built else None


def listing_request(request: PageRequest) -> ListingRequest:
    """The query string's filters, sort and page, made-up filter values left out (the values
    that exist come from the page cache, three queries when the catalog changed)."""
    asked = parse_listing_query(request.GET)
    if not needs_checking(asked):
        return asked
    values = page_cache.cached("filter-values", request.shopper, (), filter_values)
    return known_only(asked, values)


def _listing_parts(asked: ListingRequest) -> tuple[Any, ...]:
    return (tuple(asked.filters.to_query()), asked.sort, asked.page, page_size())


def render_home(request: PageRequest) -> HttpResponse:
    ctx = request.shopper
    public = request.preview is None
    # The home rows change with any product (new arrivals, say): the sync purges "home" then.
    http_cache.tag(request, http_cache.HOME)
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
        lambda: draw(request, "shop/parts/home_sections.html", {"sections": home_sections(ctx)}),
    )
    context = {"article": article, "body": body, "meta": meta}
    return render_page(request, "home.html", context)


def render_search(request: PageRequest, q: str, *, cut: bool = False) -> HttpResponse:
    """Results for ``q`` (already cleaned; ``cut``: shortened) with the query string's
    filters, sort and page."""
    asked = listing_request(request)
    template = "shop/parts/search_body.html"
    context: dict[str, Any] = {"q": q, "listing": None, "cut": cut, "max_length": MAX_LENGTH}
    http_cache.tag(request, http_cache.SEARCH)
    if q:
        body, listing = _listing_body(
            request,
            request.preview is None,
            # The index's version too: a full sync rebuilds it after its pages were announced.
            ("search", q, cut, search_index.version(), *_listing_parts(asked)),
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
        context["body"] = draw(request, template, context)
    # Result pages are endless combinations of one catalog: not for search engines.
    title = _("Search: %(q)s") % {"q": q} if q else _("Search")
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
    buy: SafeString  # the buying form's fields (the page wraps them in the live <form>)
    more: SafeString  # description, variants, related


def render_product(
    request: PageRequest, detail: ProductDetail, *, cacheable: bool = True, **flags: bool
) -> HttpResponse:
    context: dict[str, Any] = {"product": detail, "card": detail.card, **flags}
    shown = (detail.card, *detail.variants, *detail.related)
    http_cache.tag(request, *(http_cache.product_tag(card.id) for card in shown))
    parts = _product_parts(request, detail, cacheable, context)
    context.update(
        meta=parts.meta, head=parts.head, main=parts.main, buy=parts.buy, more=parts.more
    )
    return render_page(request, "shop/product.html", context)


def _product_meta(request: PageRequest, detail: ProductDetail) -> PageMeta:
    absolute = request.build_absolute_uri
    return page_meta(
        request,
        title=detail.meta_title,
        description=detail.meta_description,
        canonical=detail.card.url,
        og_type="product",
        image=detail.gallery[0].url if detail.gallery else None,
        data=[
            product_jsonld(detail, request.shopper, absolute),
            breadcrumb_jsonld(detail.breadcrumbs, absolute),
        ],
    )


def _product_parts(
    request: PageRequest, detail: ProductDetail, cacheable: bool, context: dict[str, Any]
) -> ProductParts:
    """The cacheable parts of a product page, around the live add-to-cart block."""

    def build() -> ProductParts:
        meta = _product_meta(request, detail)
        return ProductParts(
            meta=meta,
            head=draw_head(meta),
            main=draw(request, "shop/parts/product_main.html", context),
            buy=draw(request, "cart/add_to_cart.html", context),
            more=draw(request, "shop/parts/product_more.html", context),
        )

    # One entry for all of it (one cache lookup per view). The head's links are absolute
    # (scheme and host of the request) and its hreflang alternates follow the path as asked;
    # the rest only depends on the product.
    parts = (detail.card.id, _origin(request), request.path, request.path_info)
    return _cached(cacheable, "product-page", request, parts, build)


def _local_listing(request: PageRequest, category: CategoryPage, asked: ListingRequest) -> Listing:
    return list_products(
        request.shopper,
        category=category,
        filters=asked.filters,
        sort=asked.sort,
        page=asked.page,
        per_page=page_size(),
    )


def render_category(
    request: PageRequest,
    category: CategoryPage,
    listing: Listing | None = None,
    *,
    cacheable: bool = True,
    **flags: bool,
) -> HttpResponse:
    """A category page; ``listing`` is given for a live (preview or fallback) category,
    otherwise the local catalog lists it from the query string's filters, sort and page."""
    asked = listing_request(request)
    http_cache.tag(request, http_cache.category_tag(category.id))
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
            description=category_description(category),
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


def render_article(request: PageRequest, article: Article, **flags: bool) -> HttpResponse:
    http_cache.tag(request, http_cache.CMS)
    meta = page_meta(
        request,
        title=article.meta_title or article.title,
        description=article.meta_description,
        og_type="article",
    )
    context = {"article": article, "meta": meta, **flags}
    return render_page(request, "shop/cms.html", context)
