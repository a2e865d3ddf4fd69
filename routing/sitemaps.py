"""``sitemap.xml`` and ``robots.txt``: every product and category URL in every language.

Sections are per kind and language (``products-en``, ``categories-sv``, ...). While the whole
site fits in one file of ``SITEMAP_PAGE_SIZE`` URLs, ``/sitemap.xml`` is that file; beyond it,
``/sitemap.xml`` becomes a sitemap index and each section is served page by page at
``/sitemap-<section>.xml?p=N`` (the protocol's own limit is 50,000 URLs per file).

What is listed is what an anonymous crawler is served: the products of the market of the
store's default country (``SHOPPER_DEFAULT_COUNTRY``, else the default market's country), so no
listed URL answers 404 to the crawler that follows it. Everything comes from the local catalog;
Centra is never asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from catalog.cards import category_path, in_market, product_path
from catalog.context import ShopperContext, build_context, localized_path
from catalog.models import Category, Product
from catalog.reference import Reference, get_reference


def page_size() -> int:
    return settings.SITEMAP_PAGE_SIZE


def crawler_context(ref: Reference, language: str) -> ShopperContext:
    """The context an anonymous visitor without a country header gets, in ``language``."""
    code = settings.SHOPPER_DEFAULT_COUNTRY
    country = ref.countries.get(code) or ref.fallback_country()
    return build_context(ref, country=country, language=language)


Row = Mapping[str, Any]


if TYPE_CHECKING:
    _Sitemap = Sitemap[Row]
else:  # Django's Sitemap is generic only in its type stubs
    _Sitemap = Sitemap


class _LanguageSitemap(_Sitemap):
    def __init__(self, ctx: ShopperContext) -> None:
        self.ctx = ctx
        self.limit = page_size()

    def items(self) -> QuerySet[Any, Row]:
        raise NotImplementedError

    @cached_property
    def paginator(self) -> Paginator[Row]:
        # Django builds a new paginator (and counts again) on every access.
        return Paginator(self.items(), self.limit)


class ProductSitemap(_LanguageSitemap):
    changefreq = "daily"

    def items(self) -> QuerySet[Product, Row]:
        return (
            Product.objects.filter(in_market(self.ctx))
            .order_by("id")
            .values("id", "uri", "category__uri", "modified_at")
        )

    def location(self, item: Row) -> str:
        return self.ctx.url(product_path(item["category__uri"], item["uri"]))

    def lastmod(self, item: Row) -> datetime | None:
        return item["modified_at"]


class CategorySitemap(_LanguageSitemap):
    changefreq = "daily"

    def items(self) -> QuerySet[Category, Row]:
        return Category.objects.order_by("sort_order", "id").values("id", "uri")

    def location(self, item: Row) -> str:
        return self.ctx.url(category_path(item["uri"]))


def sections() -> dict[str, _LanguageSitemap]:
    ref = get_reference()
    codes = sorted(ref.languages, key=lambda code: (code != ref.default_language, code))
    found: dict[str, _LanguageSitemap] = {}
    for code in codes:
        ctx = crawler_context(ref, code)
        found[f"categories-{code}"] = CategorySitemap(ctx)
        found[f"products-{code}"] = ProductSitemap(ctx)
    return found


@require_safe
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    maps = sections()
    if sum(m.paginator.count for m in maps.values()) <= page_size():
        return sitemap_views.sitemap(request, sitemaps={**maps})
    return sitemap_views.index(request, sitemaps={**maps}, sitemap_url_name="sitemap-section")


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    return sitemap_views.sitemap(request, sitemaps={**sections()}, section=section)


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers skip admin, preview, search and filtered or sorted listings (endless
    combinations of one page); plain category pages and their pagination stay crawlable."""
    ref = get_reference()
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /preview/"]
    for code in sorted(ref.languages, key=lambda c: (c != ref.default_language, c)):
        lines.append(f"Disallow: {localized_path('/search', code, ref.default_language)}")
    lines += [f"Disallow: /*?*{param}=" for param in FILTER_PARAMS]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# The listing query parameters that filter or sort; "page" is left crawlable.
FILTER_PARAMS: Final = ("brand", "size", "collection", "price", "in_stock", "sort")
