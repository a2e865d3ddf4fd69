"""The ETag of a shopper-free page, known before the page is rendered.

A shopper-free page is a function of the catalog's content (the page cache's content version,
which every sync announcement replaces, and the search index's version), the deploy
(``RELEASE``: templates change with it), the URL (scheme, host, path, query) and the market key
cookie (or, without one, the proxy's geo header). The ETag hashes exactly those, so a
conditional request is answered 304 before any query or template runs; when the catalog
changes, every ETag changes with it (coarse, never wrong).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from catalog import search_index
from routing import page_cache
from storefront.http_cache import mark_shopper_free, not_modified
from storefront.session import MARKET_COOKIE


def page_etag(request: HttpRequest) -> str:
    geo = settings.SHOPPER_COUNTRY_HEADER
    raw = repr(
        (
            settings.RELEASE,
            page_cache.content_version(),
            search_index.version(),
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            request.COOKIES.get(MARKET_COOKIE, ""),
            request.headers.get(geo, "") if geo else "",
        )
    )
    return 'W/"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def public_page(request: HttpRequest) -> HttpResponse | None:
    """Mark the request's page shopper-free; a 304 when the client (or a proxy revalidating)
    already holds this version of it."""
    mark_shopper_free(request)
    return not_modified(request, page_etag(request))


def shopper_free(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For views whose answer never depends on the shopper (sitemaps, robots.txt)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return public_page(request) or view(request, *args, **kwargs)

    return wrapper
