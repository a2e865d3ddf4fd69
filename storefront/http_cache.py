"""What a shared HTTP cache (a reverse proxy or CDN in front of Django) needs to know of a page.

A page is **shopper-free** when its bytes depend only on its URL and the market key cookie
(:data:`storefront.session.MARKET_COOKIE`): the view marks it (:func:`mark_shopper_free`) before
it renders; the templates then leave out everything that belongs to one shopper (CSRF tokens,
messages, the cart count, the customer's name), which a small script fills in from an uncached
endpoint. :mod:`storefront.cache_headers` turns the mark into ``Cache-Control: public`` headers.

Views also name what a page shows (:func:`tag`: products, categories...), sent as
``Surrogate-Key`` so that a sync can purge exactly the pages a change touches
(:mod:`storefront.http_purge`), and may give a validator (:func:`set_validator`) so that a
conditional request is answered 304 without rendering. See docs/http-cache.md.
"""

from __future__ import annotations

from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response

# Tags every page of the shop carries: a full purge, and the header's navigation and switcher
# (categories, countries, languages), which show on every page.
ALL: Final = "all"
NAV: Final = "nav"
HOME: Final = "home"
SEARCH: Final = "search"
CMS: Final = "cms"
SITEMAP: Final = "sitemap"
# A "not found" page: a new product may take its URL.
MISSING: Final = "missing"

_FREE = "shopper_free"
_TAGS = "surrogate_keys"
_VALIDATOR = "page_etag"


def product_tag(product_id: int) -> str:
    return f"product-{product_id}"


def category_tag(category_id: int) -> str:
    return f"category-{category_id}"


def mark_shopper_free(request: HttpRequest) -> None:
    """This request's page will be the same for every shopper with its URL and market key."""
    setattr(request, _FREE, True)


def is_shopper_free(request: HttpRequest) -> bool:
    return getattr(request, _FREE, False) is True


def context(request: HttpRequest) -> dict[str, Any]:
    """``shopper_free`` for the templates, and ``here``: the page's path (and query), which
    forms send back as ``next``."""
    return {"shopper_free": is_shopper_free(request), "here": request.get_full_path()}


def tag(request: HttpRequest, *tags: str) -> None:
    """The page shows what ``tags`` name: purging any of them drops it from shared caches."""
    found: set[str] | None = getattr(request, _TAGS, None)
    if found is None:
        found = set()
        setattr(request, _TAGS, found)
    found.update(tags)


def tags_of(request: HttpRequest) -> list[str]:
    """The page's tags, :data:`ALL` and :data:`NAV` first."""
    found: set[str] = getattr(request, _TAGS, set())
    return [ALL, NAV, *sorted(found - {ALL, NAV})]


def set_validator(request: HttpRequest, etag: str) -> None:
    setattr(request, _VALIDATOR, etag)


def validator(request: HttpRequest) -> str | None:
    return getattr(request, _VALIDATOR, None)


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """A 304 when the request's ``If-None-Match`` names ``etag``; else None (render it)."""
    set_validator(request, etag)
    answer = get_conditional_response(request, etag=etag)
    return answer if isinstance(answer, HttpResponse) else None
