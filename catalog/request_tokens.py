"""Version tokens read from the shared cache once per request.

Three tokens say how current what a process keeps is: the reference data's
(:mod:`catalog.reference`), the page cache's (``routing.page_cache``) and the search index's
(:mod:`catalog.search_index`). A page consults them a dozen times: every page-cache key, the
ETag, every process memo. With Redis as the cache each consultation is a round trip, about as
costly as the rest of a page served from the page cache.

Within a request (:class:`OneReadPerRequest`) the first token read fetches every token
(:func:`known`) in one round trip, and they are remembered: a request renders one snapshot
anyway, and a change another process makes during it is seen by the next request. A token this
process changes or drops is forgotten at once (:func:`forget`), so a request that changes the
catalog sees its own change. Outside a request (Celery tasks, management commands) every read
goes to the cache.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase

# The tokens a request has read (None: the cache held none); no request, no dict.
_tokens: ContextVar[dict[str, str | None] | None] = ContextVar("catalog_tokens", default=None)
# Every token a request may read: its first read fetches them all in one round trip.
_KNOWN: list[str] = []


def known(key: str) -> str:
    """Name ``key`` as a token requests read (at import, beside its definition)."""
    if key not in _KNOWN:
        _KNOWN.append(key)
    return key


def token(key: str, create: Callable[[], str]) -> str:
    """The token under ``key``, read once per request; ``create()`` stores and returns a new
    one when the cache has none."""
    tokens = _tokens.get()
    if tokens is None:
        stored = cache.get(key)
    else:
        if not tokens and _KNOWN:
            fetched = cache.get_many(_KNOWN)
            tokens.update({name: fetched.get(name) for name in _KNOWN})
        stored = tokens[key] if key in tokens else cache.get(key)
    value = create() if stored is None else str(stored)
    if tokens is not None:
        tokens[key] = value
    return value


def random_token(key: str, timeout: int | None) -> str:
    """:func:`token` for a token that is only a name for "now": a random one when there is none."""

    def create() -> str:
        new = uuid.uuid4().hex
        # add(): when two processes race, both adopt whichever token landed first.
        if not cache.add(key, new, timeout):
            return str(cache.get(key) or new)
        return new

    return token(key, create)


def forget(key: str) -> None:
    """Read ``key`` from the cache again next time (this process has just changed it)."""
    tokens = _tokens.get()
    if tokens is not None:
        tokens.pop(key, None)


class OneReadPerRequest:
    """Middleware: the tokens a request reads are remembered until its response is made."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = _tokens.set({})
        try:
            return self.get_response(request)
        finally:
            _tokens.reset(started)
