"""The page cache's copies in process memory: served without a trip to Django's cache while the
content version holds, and never once it changed, whichever process changed it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from catalog.context import ShopperContext, build_context
from catalog.reference import get_reference
from catalog.signals import catalog_changed
from routing import page_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx() -> ShopperContext:
    ref = get_reference()
    return build_context(ref, country=ref.countries["SE"])


@pytest.fixture(autouse=True)
def empty_local_copies() -> Iterator[None]:
    page_cache.clear_local()
    yield
    page_cache.clear_local()


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict[str, int]:
        self.calls += 1
        return {"computed": self.calls}


def test_a_hit_is_served_from_process_memory(ctx: ShopperContext) -> None:
    compute = Counter()
    first = page_cache.cached("thing", ctx, (1,), compute)

    # Gone from the shared cache (evicted, say), still held here under the same version.
    cache.delete(page_cache.key("thing", ctx, 1))
    second = page_cache.cached("thing", ctx, (1,), compute)

    assert compute.calls == 1
    assert second is first  # the same object: no unpickling


def test_a_hit_from_the_shared_cache_is_kept_in_process_memory(
    ctx: ShopperContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    compute = Counter()
    page_cache.cached("thing", ctx, (1,), compute)
    page_cache.clear_local()  # as in another process that shares the cache
    page_cache.cached("thing", ctx, (1,), compute)
    reads: list[str] = []
    original_get = cache.get
    monkeypatch.setattr(cache, "get", lambda k, *a: reads.append(k) or original_get(k, *a))

    assert page_cache.cached("thing", ctx, (1,), compute) == {"computed": 1}
    assert page_cache.key("thing", ctx, 1) not in reads
    assert compute.calls == 1


def test_an_announced_change_is_never_served_from_process_memory(ctx: ShopperContext) -> None:
    compute = Counter()
    page_cache.cached("thing", ctx, (1,), compute)

    catalog_changed.send(sender=None, run=None, product_ids=frozenset({101}), kinds=frozenset())

    assert page_cache.cached("thing", ctx, (1,), compute) == {"computed": 2}


def test_another_process_replacing_the_version_is_seen_here(ctx: ShopperContext) -> None:
    compute = Counter()
    page_cache.cached("thing", ctx, (1,), compute)

    # Another process's sync replaces the shared token; this process got no signal.
    cache.set(page_cache.VERSION_KEY, "from-another-process", 60)

    assert page_cache.cached("thing", ctx, (1,), compute) == {"computed": 2}


def test_process_memory_copies_expire_with_the_page_cache(
    ctx: ShopperContext, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PAGE_CACHE_SECONDS = 60
    now = [1000.0]
    monkeypatch.setattr(page_cache, "monotonic", lambda: now[0])
    compute = Counter()
    page_cache.cached("thing", ctx, (1,), compute)
    cache.delete(page_cache.key("thing", ctx, 1))

    now[0] += 61

    assert page_cache.cached("thing", ctx, (1,), compute) == {"computed": 2}


def test_process_memory_holds_a_bounded_number_of_entries(ctx: ShopperContext) -> None:
    for n in range(page_cache.LOCAL_ENTRIES + 20):
        page_cache.cached("thing", ctx, (n,), Counter())

    assert len(page_cache._local) == page_cache.LOCAL_ENTRIES
    # The oldest went first; the newest are kept.
    compute = Counter()
    page_cache.cached("thing", ctx, (page_cache.LOCAL_ENTRIES + 19,), compute)
    assert compute.calls == 0


def test_nothing_is_kept_when_the_page_cache_is_off(ctx: ShopperContext, settings) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    compute = Counter()

    page_cache.cached("thing", ctx, (1,), compute)
    page_cache.cached("thing", ctx, (1,), compute)

    assert compute.calls == 2
    assert not page_cache._local
