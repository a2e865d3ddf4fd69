"""A shared cache for public catalog pages: selector results and rendered HTML fragments.

Why: a category page over a 10,000-product catalog costs about eight aggregate queries (facets
over the whole category) and the rendering of 48 cards, far more than the page is worth to
recompute for every visitor. Both only change when the catalog does.

How it stays correct:

- Every key holds a **content version**: the catalog's reference version
  (:func:`catalog.reference.catalog_version`) plus this module's own token, which is replaced
  whenever the sync announces any change (``catalog.signals.catalog_changed``, product-only
  changes included). :func:`invalidate` is connected in ``RoutingConfig.ready``, so a Celery
  worker that never renders a page still drops the pages it changed. A changed catalog
  therefore gets new keys at once in every process that shares the cache (Redis); old entries
  simply expire.
- The token itself expires after ``PAGE_CACHE_SECONDS`` (default 60), so with a per-process
  cache (local memory) and the sync in another process, a page is at most that old.
- Keys also hold the shopper's market, pricelist and language: nothing shopper-specific beyond
  those is cached (the header with its CSRF token, messages and the cart's form render live).
- Preview pages and pages built from live Centra answers never use it.
- ``PAGE_CACHE_SECONDS = 0`` turns it off.

Each process also keeps its most recent hits as objects (:data:`LOCAL_ENTRIES` of them), in
front of Django's cache: unpickling a product's detail on every view cost more than the rest of
the lookup. This stays correct for the same reason the shared entries do: the key holds the
content version, read from the shared cache by every request (once,
:mod:`catalog.request_tokens`), so from the next request on an announced change misses here too.
A local copy lives no longer than ``PAGE_CACHE_SECONDS`` and is only reachable while the version
token it was stored under lives (which expires after as long). Values are shared between the
requests of a process, so they must be treated as read-only: they are frozen dataclasses and
strings, and the few dicts and lists inside are only read (a product's JSON-LD is copied before
its URLs are made absolute).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from time import monotonic
from typing import Any, Final, TypeVar

from django.conf import settings
from django.core.cache import cache

from catalog import request_tokens
from catalog.context import ShopperContext
from catalog.reference import catalog_version

T = TypeVar("T")

VERSION_KEY: Final = request_tokens.known("shop:page-version")
# Hits kept as objects in each process: a few hundred pages' worth (details, rendered parts;
# a category body is tens of kilobytes, so this stays within a few megabytes).
LOCAL_ENTRIES: Final = 256
_MISSING: Final = object()

_local: OrderedDict[str, tuple[float, Any]] = OrderedDict()  # key -> (expires, value)
_local_lock = threading.Lock()
# Values every request may consult, kept whole in this process: name -> (version, value).
_versioned: dict[str, tuple[str, Any]] = {}


def seconds() -> int:
    return settings.PAGE_CACHE_SECONDS


def enabled() -> bool:
    return seconds() > 0


def content_version() -> str:
    return f"{catalog_version()}.{request_tokens.random_token(VERSION_KEY, seconds())}"


def invalidate(**kwargs: Any) -> None:
    cache.delete(VERSION_KEY)
    request_tokens.forget(VERSION_KEY)
    # The new version misses every local entry anyway; drop them now rather than at expiry.
    clear_local()


def clear_local() -> None:
    with _local_lock:
        _local.clear()
        _versioned.clear()


def per_version(name: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept in this process while the content version is unchanged: for a
    value too big to fetch from the shared cache on every request that consults it (the
    catalog's product URIs). It is as current as the cached pages: the same version decides."""
    if not enabled():
        return compute()
    version = content_version()
    entry = _versioned.get(name)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = compute()
    with _local_lock:
        _versioned[name] = (version, value)
    return value


def _local_get(name: str) -> Any:
    with _local_lock:
        entry = _local.get(name)
        if entry is None:
            return _MISSING
        expires, value = entry
        if expires <= monotonic():
            del _local[name]
            return _MISSING
        _local.move_to_end(name)
        return value


def _local_set(name: str, value: Any) -> None:
    with _local_lock:
        _local[name] = (monotonic() + seconds(), value)
        _local.move_to_end(name)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def key(kind: str, ctx: ShopperContext, *parts: Hashable) -> str:
    """A cache key for ``kind`` in the shopper's market, pricelist and language."""
    raw = repr((content_version(), ctx.market, ctx.pricelist, ctx.language, parts))
    return f"shop:{kind}:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def cached(
    kind: str, ctx: ShopperContext, parts: tuple[Hashable, ...], compute: Callable[[], T]
) -> T:
    """``compute()``, kept under :func:`key` while the catalog is unchanged (None included)."""
    if not enabled():
        return compute()
    name = key(kind, ctx, *parts)
    hit = _local_get(name)
    if hit is not _MISSING:
        return hit
    hit = cache.get(name, _MISSING)
    if hit is not _MISSING:
        _local_set(name, hit)
        return hit
    value = compute()
    cache.set(name, value, seconds())
    _local_set(name, value)
    return value
