"""What a made-up path costs: a crawler's random URLs are answered from what each process
already holds (the product URIs, the category tree), with no SQL and no Centra call per path."""

from __future__ import annotations

import random
import string

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product, ProductMarket, ProductText
from catalog.signals import catalog_changed

pytestmark = pytest.mark.django_db

CATEGORIES = ["womens", "womens/shoes", "mens", "sale", "sv/womens", "de/mens/jeans"]


def _words(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    letters = string.ascii_lowercase + string.digits + "-"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 20))) for _ in range(count)]


def test_unknown_paths_under_known_categories_cost_no_query_and_no_centra_call(
    client, centra_sandbox
) -> None:
    for language in ("", "/sv", "/de"):  # reads the URIs once, and each language's tree
        assert client.get(f"{language}/womens/warm-up").status_code == 404
    paths = [f"/{CATEGORIES[n % len(CATEGORIES)]}/{w}" for n, w in enumerate(_words(30, 1))]

    with CaptureQueriesContext(connection) as captured:
        statuses = {client.get(path).status_code for path in paths}

    assert statuses == {404}
    assert [q["sql"] for q in captured.captured_queries] == []
    assert centra_sandbox.request_counts["*"] == 0


def test_unknown_paths_once_the_live_lookups_are_spent_cost_no_query(
    client, centra_sandbox, settings
) -> None:
    settings.CENTRA_LIVE_LOOKUPS_PER_MINUTE = 2
    assert client.get("/no-such-page").status_code == 404  # article + fallback: both lookups
    assert client.get("/another-page").status_code == 503  # spent; the page's parts are read

    with CaptureQueriesContext(connection) as captured:
        statuses = {client.get(f"/{word}").status_code for word in _words(20, 2)}

    assert statuses == {503}
    assert [q["sql"] for q in captured.captured_queries] == []
    assert centra_sandbox.request_counts["POST uri"] == 2


def test_a_product_the_sync_adds_is_served_once_the_change_is_announced(client) -> None:
    assert client.get("/womens/fresh-parka").status_code == 404
    product = Product.objects.create(id=9002, uri="fresh-parka", category_id=41)
    ProductMarket.objects.create(product=product, market_id=1)
    ProductText.objects.create(product=product, language_id="en", name="Fresh Parka")

    catalog_changed.send(sender=None, product_ids=frozenset({9002}), kinds=frozenset())

    response = client.get("/womens/fresh-parka")
    assert response.status_code == 200
    assert response.context["product"].card.id == 9002


def test_without_the_page_cache_products_are_still_read_per_request(client, settings) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    assert client.get("/womens/jackets/relaxed-blazer-brown").status_code == 200
    Product.objects.filter(uri="relaxed-blazer-brown").update(uri="renamed-blazer")
    assert client.get("/womens/jackets/renamed-blazer").status_code == 200
