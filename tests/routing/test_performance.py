"""Catalog pages read only the local copy: zero calls to Centra, a bounded number of SQL queries
that does not grow with the products on the page, and they keep answering when Centra is down."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

CATALOG_PAGES = [
    "/womens",
    "/womens/shoes?brand=6&size=37&sort=price_desc",
    "/womens/jackets/relaxed-blazer-brown",
    "/sv/mens/shoes/urban-derby-black",
    "/search?q=jeans",
    "/search?q=jeans&in_stock=1&price=0-1000",
    "/sitemap.xml",
    "/robots.txt",
]


def _get_all(client) -> None:
    for url in CATALOG_PAGES:
        assert client.get(url).status_code == 200, url


def test_catalog_pages_make_zero_calls_to_centra(client, centra_sandbox) -> None:
    _get_all(client)  # warm the in-process caches (reference data, category tree)
    centra_sandbox.request_counts.clear()
    _get_all(client)
    assert centra_sandbox.request_counts["*"] == 0


def test_home_makes_zero_calls_to_centra_once_its_article_is_cached(client, centra_sandbox) -> None:
    client.get("/")
    centra_sandbox.request_counts.clear()
    assert client.get("/").status_code == 200
    assert centra_sandbox.request_counts["*"] == 0


@pytest.mark.parametrize("url", CATALOG_PAGES)
def test_catalog_pages_answer_while_centra_is_down(client, centra_sandbox, url: str) -> None:
    centra_sandbox.faults.down = "refuse"
    response = client.get(url)
    assert response.status_code == 200
    assert centra_sandbox.request_counts["*"] == 0


@pytest.fixture
def no_page_cache(settings) -> None:
    """Measure what a page costs to build, not to fetch from the page cache."""
    settings.PAGE_CACHE_SECONDS = 0


def _queries(client, url: str) -> int:
    client.get(url)  # warm the in-process reference data and category tree
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [u for u in CATALOG_PAGES if "sitemap" not in u])
def test_a_warm_catalog_page_needs_no_sql_at_all(client, url: str) -> None:
    assert _queries(client, url) == 0


def test_a_catalog_change_announced_by_the_sync_refreshes_cached_pages(client) -> None:
    from catalog.models import ProductText
    from catalog.signals import catalog_changed

    url = "/womens/jackets/relaxed-blazer-brown"
    assert '<h1 id="product-name">Relaxed Blazer</h1>' in client.get(url).content.decode()
    ProductText.objects.filter(product_id=101, language_id="en").update(name="Blazer II")
    assert "Relaxed Blazer</h1>" in client.get(url).content.decode()  # still cached
    catalog_changed.send(sender=None, product_ids=frozenset({101}), kinds=frozenset())
    assert '<h1 id="product-name">Blazer II</h1>' in client.get(url).content.decode()


@pytest.mark.usefixtures("no_page_cache")
def test_category_page_queries_do_not_grow_with_its_products(
    client, django_assert_max_num_queries
) -> None:
    few = _queries(client, "/womens/shoes")  # 4 products
    many = _queries(client, "/womens")  # 25 products
    assert few == many
    with django_assert_max_num_queries(10):
        assert len(client.get("/womens").context["listing"].products) == 25


@pytest.mark.usefixtures("no_page_cache")
def test_filtered_category_and_search_queries_are_bounded(
    client, django_assert_max_num_queries
) -> None:
    assert _queries(client, "/womens?size=M&sort=name") == _queries(
        client, "/womens/dresses?size=M"
    )
    # Three of them learn which brands, collections and sizes exist (so made-up values never
    # become cache keys); the page cache keeps that answer until the catalog changes.
    with django_assert_max_num_queries(13):
        client.get("/search?q=jeans&brand=3")


@pytest.mark.usefixtures("no_page_cache")
def test_product_page_queries_do_not_grow_with_relations(
    client, django_assert_max_num_queries
) -> None:
    plain = _queries(client, "/mens/shirts/classic-oxford-shirt-beige")  # 2 variants
    rich = _queries(client, "/womens/jackets/creme-parka-green")  # 1 variant, 3 related
    assert plain == rich
    with django_assert_max_num_queries(6):
        client.get("/womens/shoes/creme-loafer-brown")


def test_sitemap_queries_are_bounded(client, django_assert_max_num_queries) -> None:
    client.get("/sitemap.xml")
    with django_assert_max_num_queries(12):
        client.get("/sitemap.xml")


@pytest.mark.parametrize("url", CATALOG_PAGES)
def test_a_catalog_page_reads_the_version_tokens_in_one_round_trip(
    client, monkeypatch, url: str
) -> None:
    from django.core.cache import caches

    from catalog import reference, search_index
    from routing import page_cache

    shared = caches["default"]
    get, get_many = shared.get, shared.get_many
    trips: list[set[str]] = []  # the keys each read of the shared cache asked for

    inside_many = False  # the local-memory cache's get_many calls get once per key

    def one(key, *args, **kwargs):
        if not inside_many:
            trips.append({key})
        return get(key, *args, **kwargs)

    def many(keys, *args, **kwargs):
        nonlocal inside_many
        trips.append(set(keys))
        inside_many = True
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside_many = False

    client.get(url)
    monkeypatch.setattr(shared, "get", one)
    monkeypatch.setattr(shared, "get_many", many)
    assert client.get(url).status_code == 200

    # Every page consults the reference data's and the page cache's versions a dozen times
    # (each page-cache key, the ETag, each process memo): with Redis, each read a round trip.
    tokens = {reference.VERSION_KEY, page_cache.VERSION_KEY, search_index.VERSION_KEY}
    assert [trip & tokens for trip in trips if trip & tokens] == [tokens]
