"""``sitemap.xml`` and ``robots.txt``: the home page, every category, product and CMS page, each
with its URL in every language.

Sections are per kind (``home``, ``categories``, ``products``, ``pages``). Every ``<url>`` is one
page in one language and carries ``xhtml:link rel="alternate" hreflang`` links to the same page in
every language of the store plus ``x-default`` (the store's default language, whose URLs have no
language prefix): Django's sitemap framework with ``i18n``, ``languages`` and ``alternates``, the
languages being Centra's. While the whole site fits in one file of ``SITEMAP_PAGE_SIZE`` URLs,
``/sitemap.xml`` is that file; beyond it, ``/sitemap.xml`` becomes a sitemap index and each
section is served page by page at ``/sitemap-<section>.xml?p=N`` (the protocol's own limit is
50,000 URLs per file).

What is listed is what an anonymous crawler is served: the products of the market of the
store's default country (``SHOPPER_DEFAULT_COUNTRY``, else the default market's country), so no
listed URL answers 404 to the crawler that follows it. Centra has no call that lists CMS
articles, so the CMS pages are the ones the shop names in ``SITEMAP_CMS_PAGES``. Everything
comes from the local catalog and the settings; Centra is never asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from catalog.cards import category_path, in_market, product_path
from catalog.context import ShopperContext, build_context, localized_path
from catalog.models import Category, Product
from catalog.reference import Reference, get_reference
from routing.validators import shopper_free
from storefront import http_cache


def page_size() -> int:
    return settings.SITEMAP_PAGE_SIZE


def crawler_context(ref: Reference, language: str) -> ShopperContext:
    """The context an anonymous visitor without a country header gets, in ``language``."""
    code = settings.SHOPPER_DEFAULT_COUNTRY
    country = ref.countries.get(code) or ref.fallback_country()
    return build_context(ref, country=country, language=language)


Row = Mapping[str, Any]
X_DEFAULT: Final = "x-default"


if TYPE_CHECKING:
    _Sitemap = Sitemap[Any]
else:  # Django's Sitemap is generic only in its type stubs
    _Sitemap = Sitemap


class _LocalizedSitemap(_Sitemap):
    """One kind of page in every language of the store, with hreflang alternates.

    ``path(item)`` is the page's unprefixed path; Django asks for each language's ``location``
    with that language active (``translation.override``), and the language's prefix is added
    here. Django's own ``x_default`` assumes ``settings.LANGUAGE_CODE`` and ``i18n_patterns``
    prefixes; the store's default language is Centra's and unprefixed, so ``get_urls`` adds
    the ``x-default`` link itself."""

    i18n = True
    alternates = True

    def __init__(self, ctx: ShopperContext, languages: Sequence[str]) -> None:
        self.ctx = ctx
        self.codes = list(languages)
        self.languages = self.codes  # Django's alternates
        self.limit = page_size()

    def path(self, item: Any) -> str:
        raise NotImplementedError

    def location(self, item: Any) -> str:
        language = translation.get_language() or self.ctx.default_language
        return localized_path(self.path(item), language, self.ctx.default_language)

    @cached_property
    def paginator(self) -> Paginator[Any]:
        # Django builds a new paginator (and reads every item again) on every access. Its
        # i18n pages hold (item, language) pairs, every language of an item together.
        pairs = [(item, code) for item in self.items() for code in self.codes]
        return Paginator(pairs, self.limit)

    def get_urls(self, page: int | str = 1, site: Any = None, protocol: str | None = None) -> Any:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        default = self.ctx.default_language
        for url in urls:
            found = [a for a in url["alternates"] if a["lang_code"] == default]
            if found:
                url["alternates"].append({"location": found[0]["location"], "lang_code": X_DEFAULT})
        return urls


class HomeSitemap(_LocalizedSitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["/"]

    def path(self, item: str) -> str:
        return item


class CategorySitemap(_LocalizedSitemap):
    changefreq = "daily"

    def items(self) -> list[Row]:
        return list(Category.objects.order_by("sort_order", "id").values("id", "uri"))

    def path(self, item: Row) -> str:
        return category_path(item["uri"])


class ProductSitemap(_LocalizedSitemap):
    changefreq = "daily"

    def items(self) -> list[Row]:
        return list(
            Product.objects.filter(in_market(self.ctx))
            .order_by("id")
            .values("id", "uri", "category__uri", "modified_at")
        )

    def path(self, item: Row) -> str:
        return product_path(item["category__uri"], item["uri"])

    def lastmod(self, item: Row) -> datetime | None:
        return item["modified_at"]


class CmsPageSitemap(_LocalizedSitemap):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return list(settings.SITEMAP_CMS_PAGES)

    def path(self, item: str) -> str:
        return "/" + item


def sections() -> dict[str, _LocalizedSitemap]:
    ref = get_reference()
    codes = sorted(ref.languages, key=lambda code: (code != ref.default_language, code))
    ctx = crawler_context(ref, ref.default_language)
    return {
        "home": HomeSitemap(ctx, codes),
        "categories": CategorySitemap(ctx, codes),
        "products": ProductSitemap(ctx, codes),
        "pages": CmsPageSitemap(ctx, codes),
    }


@require_safe
@shopper_free
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    http_cache.tag(request, http_cache.SITEMAP)
    maps = sections()
    if sum(m.paginator.count for m in maps.values()) <= page_size():
        return sitemap_views.sitemap(request, sitemaps={**maps})
    return sitemap_views.index(request, sitemaps={**maps}, sitemap_url_name="sitemap-section")


@require_safe
@shopper_free
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    http_cache.tag(request, http_cache.SITEMAP)
    return sitemap_views.sitemap(request, sitemaps={**sections()}, section=section)


@require_safe
@shopper_free
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
