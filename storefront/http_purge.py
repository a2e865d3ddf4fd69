"""Purging shared HTTP caches after a sync: exactly the pages a change touches.

The sync announces each committed change (:data:`catalog.signals.catalog_changed`); this turns
it into cache tags (:mod:`storefront.http_cache`) and sends them to every proxy in
``HTTP_CACHE_PURGE_URLS`` as ``PURGE /`` with a ``Surrogate-Key`` header, from a Celery task
that retries while a proxy is down (the pages' own ``s-maxage`` bounds how stale they can get
meanwhile). The shipped Varnish config soft-purges: the old page is still served while the
new one is fetched, so a purge never costs a shopper an error or a wait.

What a change purges:

- products changed or removed: their own pages and every page listing them
  (``product-<id>``), the categories they are in now (``category-<id>``: a new product changes
  its categories' listings and filters), the home page's rows, search results, the sitemap and
  "not found" pages (a new product may take a URL that was missing);
- reference data (categories, brands, markets, pricelists, countries, languages...): ``all``,
  because the navigation, the switcher and every listing's filters show it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any, Final

import httpx
from celery import shared_task
from celery.exceptions import Retry
from django.conf import settings

from catalog.models import ProductCategory
from storefront import http_cache
from storefront.cache_headers import SURROGATE_KEY

logger = logging.getLogger(__name__)

# Tags per PURGE request: keeps the header well under proxies' default limits (8 KB).
TAGS_PER_REQUEST: Final = 200
TIMEOUT: Final = 5.0


def tags_for_change(product_ids: Iterable[int] = (), kinds: Iterable[str] = ()) -> list[str]:
    """The tags of the pages a change touches (see the module's docstring)."""
    if any(True for _ in kinds):
        return [http_cache.ALL]
    ids = sorted(set(product_ids))
    if not ids:
        return []
    categories = (
        ProductCategory.objects.filter(product_id__in=ids)
        .values_list("category_id", flat=True)
        .distinct()
    )
    return [
        *map(http_cache.product_tag, ids),
        *map(http_cache.category_tag, sorted(categories)),
        http_cache.HOME,
        http_cache.SEARCH,
        http_cache.SITEMAP,
        http_cache.MISSING,
    ]


def on_catalog_changed(
    sender: Any,
    product_ids: frozenset[int] = frozenset(),
    kinds: frozenset[str] = frozenset(),
    **kwargs: Any,
) -> None:
    if not settings.HTTP_CACHE_PURGE_URLS or settings.HTTP_CACHE_SECONDS <= 0:
        return
    tags = tags_for_change(product_ids, kinds)
    if not tags:
        return
    try:
        purge_task.delay(tags)
    except (httpx.HTTPError, Retry):
        # Only without a broker (the task ran here, retries spent): the sync itself succeeded,
        # and the pages refresh within their s-maxage.
        logger.exception("could not purge the HTTP cache of %d tags", len(tags))


@shared_task(
    name="storefront.http_purge.purge_task",
    autoretry_for=(httpx.HTTPError,),
    retry_backoff=1,
    retry_backoff_max=60,
    max_retries=20,
)
def purge_task(tags: list[str]) -> int:
    """Purge ``tags`` from every proxy; the number of PURGE requests sent."""
    return purge(tags)


def purge(tags: list[str], transport: httpx.BaseTransport | None = None) -> int:
    sent = 0
    with httpx.Client(timeout=TIMEOUT, transport=transport) as client:
        for base in settings.HTTP_CACHE_PURGE_URLS:
            for chunk in _chunks(tags, TAGS_PER_REQUEST):
                response = client.request(
                    "PURGE", base.rstrip("/") + "/", headers={SURROGATE_KEY: " ".join(chunk)}
                )
                response.raise_for_status()
                sent += 1
    logger.info("purged %d tags from %d proxies", len(tags), len(settings.HTTP_CACHE_PURGE_URLS))
    return sent


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
