"""Purging shared HTTP caches after a sync: exactly the pages a change touches.

The sync announces each committed change (:data:`catalog.signals.catalog_changed`); this turns
it into cache tags (:mod:`storefront.http_cache`) and sends them to every proxy in
``HTTP_CACHE_PURGE_URLS`` as ``PURGE /`` with a ``Surrogate-Key`` header, at once from the
process that synced (a partial run's change, or a full run's gathered changes when it is over),
or, when a proxy does not answer, from a Celery task that retries (the pages' own ``s-maxage``
bounds how stale they can get meanwhile). The shipped Varnish config soft-purges: the old page
is still served while the new one is fetched, so a purge never costs a shopper an error or a
wait.

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
import threading
from collections.abc import Iterable, Iterator
from typing import Any, Final

import httpx
from celery import shared_task
from celery.exceptions import Retry
from django.conf import settings

from catalog.models import ProductCategory, SyncRun
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


# A full run announces its changes page by page (hundreds of times at 10,000 products): its
# tags are gathered here, in the process that runs it, and purged once when it is over.
_held: dict[int, set[str]] = {}
_held_lock = threading.Lock()


def on_catalog_changed(
    sender: Any,
    run: SyncRun | None = None,
    product_ids: frozenset[int] = frozenset(),
    kinds: frozenset[str] = frozenset(),
    **kwargs: Any,
) -> None:
    if not _enabled():
        return
    tags = tags_for_change(product_ids, kinds)
    if not tags:
        return
    if run is not None and run.pk is not None and run.kind == SyncRun.Kind.FULL:
        with _held_lock:
            _held.setdefault(run.pk, set()).update(tags)
        return
    purge_soon(tags)


def on_sync_finished(sender: Any, run: SyncRun | None = None, **kwargs: Any) -> None:
    if run is None or run.pk is None:
        return
    with _held_lock:
        tags = _held.pop(run.pk, set())
    if tags and _enabled():
        purge_soon([http_cache.ALL] if http_cache.ALL in tags else sorted(tags))


def purge_soon(tags: list[str]) -> None:
    """Purge now, from this process (a webhook's change reaches shoppers without waiting
    behind other tasks); when a proxy does not answer, a task retries with backoff."""
    try:
        purge(tags)
        return
    except httpx.HTTPError as exc:
        logger.warning("purge of %d tags failed (%s); a task retries it", len(tags), exc)
    try:
        purge_task.delay(tags)
    except (httpx.HTTPError, Retry):
        # Only without a broker (the task ran here, retries spent): the sync itself succeeded,
        # and the pages refresh within their s-maxage.
        logger.exception("could not purge the HTTP cache of %d tags", len(tags))


def _enabled() -> bool:
    return bool(settings.HTTP_CACHE_PURGE_URLS) and settings.HTTP_CACHE_SECONDS > 0


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
