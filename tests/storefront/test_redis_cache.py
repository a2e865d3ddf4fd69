"""storefront.redis_cache: Django's Redis cache with one client per connection pool, on a real
Redis (skipped, saying why, where none answers)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from storefront.redis_cache import RedisCache
from tests.services import drop_keys, require_redis

pytestmark = pytest.mark.integration


@pytest.fixture
def shared() -> Iterator[RedisCache]:
    url = require_redis()
    prefix = f"storefront-test-{uuid.uuid4().hex[:12]}"
    yield RedisCache(url, {"KEY_PREFIX": prefix})
    drop_keys(url, prefix)


def test_one_client_serves_every_operation(shared: RedisCache) -> None:
    client = shared._cache.get_client()

    shared.set("page", {"html": "<p>"}, 30)
    assert shared.get("page") == {"html": "<p>"}
    assert shared.add("page", "other", 30) is False
    assert shared.add("count", 1, 30) is True
    assert shared.incr("count") == 2
    shared.set_many({"a": 1, "b": 2}, 30)
    assert shared.get_many(["a", "b", "count", "none"]) == {"a": 1, "b": 2, "count": 2}
    assert shared.delete("page") is True
    assert shared.get("page", "gone") == "gone"

    assert shared._cache.get_client() is client
    assert shared._cache.get_client(write=True) is client  # one server: one pool


def test_threads_share_the_client_without_mixing_answers(shared: RedisCache) -> None:
    def work(thread: int) -> list[int]:
        got = []
        for i in range(100):
            shared.set(f"t{thread}-{i}", thread * 1000 + i, 30)
            got.append(shared.get(f"t{thread}-{i}"))
        return got

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(work, range(8)))

    assert answers == [[t * 1000 + i for i in range(100)] for t in range(8)]
