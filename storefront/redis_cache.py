"""Django's Redis cache, with one ``redis.Redis`` client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache
operation. The connections come from a shared pool either way, but building the client is not
free: redis-py fills a table of some 170 response callbacks each time, about a tenth of a
millisecond of CPU, and a shop page reads the cache several times (page-cache entries, version
tokens, shared header and footer). A client over a pool is safe to share between threads
(redis-py takes a connection from the pool for each command), so one per pool is kept.

``settings.CACHES`` uses it whenever ``CACHE_URL`` names Redis.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own pool choice and client class (private, so django-stubs leaves them out).
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            made = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            client = self._clients.setdefault(id(pool), made)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
