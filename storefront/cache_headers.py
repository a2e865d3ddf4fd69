"""The ``Cache-Control`` every response leaves with: the one place that decides what a shared
cache may keep.

- A **shopper-free** page (:func:`storefront.http_cache.mark_shopper_free`) answered 200, 301,
  304 or 404 to GET or HEAD is ``public, max-age=0, s-maxage=HTTP_CACHE_SECONDS,
  stale-while-revalidate=HTTP_CACHE_STALE_SECONDS``: browsers revalidate every time (a cart
  change must show at once), shared caches keep it and may serve it stale while they refetch.
  It carries its ETag and its ``Surrogate-Key`` tags (not on a 304: a cache revalidating
  merges the 304's headers into the page it keeps, and its tags must stay whole).
- A shopper-free page that set a cookie or varies by cookie anyway is a bug; it is sent
  ``private, no-store`` (and logged) rather than shared.
- Every other response without its own ``Cache-Control`` is ``private, no-store``: a shared
  cache never keeps what a view did not declare shareable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from storefront.http_cache import is_shopper_free, tags_of, validator

logger = logging.getLogger(__name__)

PRIVATE: Final = "private, no-store"
SURROGATE_KEY: Final = "Surrogate-Key"
_PUBLIC_STATUSES: Final = frozenset({200, 301, 304, 404})
_SAFE_METHODS: Final = frozenset({"GET", "HEAD"})


def public_cache_control() -> str:
    return (
        f"public, max-age=0, s-maxage={settings.HTTP_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.HTTP_CACHE_STALE_SECONDS}"
    )


class HttpCacheMiddleware:
    """Sits outside the session, CSRF and shopper middlewares, so it sees every cookie they
    set before it decides."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self._shareable(request, response):
            self._make_public(request, response)
        elif not response.has_header("Cache-Control"):
            response["Cache-Control"] = PRIVATE
        return response

    @staticmethod
    def _shareable(request: HttpRequest, response: HttpResponse) -> bool:
        if settings.HTTP_CACHE_SECONDS <= 0 or not is_shopper_free(request):
            return False
        if request.method not in _SAFE_METHODS or response.status_code not in _PUBLIC_STATUSES:
            return False
        if response.has_header("Cache-Control"):
            return False  # the view decided (preview pages: private)
        vary = response.get("Vary", "").lower()
        if response.cookies or "cookie" in vary:
            logger.warning(
                "shopper-free page %s set a cookie or varies by cookie; sent private",
                request.path,
            )
            return False
        return True

    @staticmethod
    def _make_public(request: HttpRequest, response: HttpResponse) -> None:
        response["Cache-Control"] = public_cache_control()
        etag = validator(request)
        if etag is not None:
            response["ETag"] = etag
        if response.status_code != 304:
            response[SURROGATE_KEY] = " ".join(tags_of(request))
        if settings.SHOPPER_COUNTRY_HEADER:
            # Without a market cookie the country comes from the proxy's geo header.
            patch_vary_headers(response, [settings.SHOPPER_COUNTRY_HEADER])
