"""Search ranking on a real PostgreSQL: a throwaway database filled the way production is
(``migrate``, ``sandbox_load``, ``centra_sync``), searched from ``manage.py shell``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.processes import manage
from tests.services import require_postgres

pytestmark = pytest.mark.integration


# Runs inside the project against the throwaway database; prints what the test asserts on.
SCRIPT = """
import json
from django.db import connection
from catalog.context import build_context
from catalog.models import Item, Product, ProductText
from catalog.reference import get_reference
from catalog.search import match_scores
from catalog.selectors import (
    ListingFilters, category_by_uri, list_products, product_detail, search_products)

ref = get_reference()
in_market = Product.objects.filter(market_links__market_id=1)
sku = Item.objects.filter(product__in=in_market).order_by("id").first()
queries = [("en", "linen"), ("en", "jackets"), ("en", "sneak"), ("sv", "kavaj"),
           ("en", sku.sku)]
results = {}
for language, q in queries:
    ctx = build_context(ref, country=ref.countries["SE"], language=language)
    scores = match_scores(ctx, q, in_market)
    listing = search_products(ctx, q, per_page=200)
    results[f"{language}:{q}"] = [[c.id, scores[c.id]] for c in listing.products]
ctx = build_context(ref, country=ref.countries["SE"], language="en")
womens = category_by_uri(ctx, "womens")
listings = {sort: [c.id for c in list_products(ctx, category=womens, sort=sort).products]
            for sort in ("centra", "newest", "price_asc", "price_desc", "name")}
facets = list_products(ctx, filters=ListingFilters(in_stock=True)).facets
detail = product_detail(ctx, in_market.order_by("id").first().uri)
names = {}
for text in ProductText.objects.filter(product__in=in_market):
    names.setdefault(text.language_id, {})[text.product_id] = text.name
print(json.dumps({"vendor": connection.vendor, "results": results, "names": names,
                  "sku": [sku.sku, sku.product_id], "listings": listings,
                  "facet_sizes": len(facets.brands) * len(facets.prices) * len(facets.sizes),
                  "in_stock": facets.in_stock.count, "detail": detail.card.name}))
"""


@pytest.fixture(scope="module")
def postgres_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    admin_url = require_postgres()
    name = f"storefront_search_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield {
        "DATABASE_URL": admin_url.rsplit("/", 1)[0] + "/" + name,
        "CENTRA_SANDBOX_DB": str(tmp_path_factory.mktemp("search-pg") / "sandbox.sqlite3"),
        "LOG_LEVEL": "WARNING",
    }
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def searched(postgres_env: dict[str, str]) -> dict:
    for command in (["migrate", "--noinput"], ["sandbox_load"], ["centra_sync"]):
        done = manage(command, postgres_env)
        assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    run = manage(["shell", "--no-imports", "-c", SCRIPT], postgres_env)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def with_name(names: dict[str, str], fragment: str) -> set[int]:
    return {int(pid) for pid, name in names.items() if fragment.lower() in name.lower()}


def test_full_text_search_ranks_stems_and_prefixes_on_postgresql(searched: dict) -> None:
    assert searched["vendor"] == "postgresql"
    results, english, swedish = (
        searched["results"],
        searched["names"]["en"],
        searched["names"]["sv"],
    )
    for ranked in results.values():
        scores = [score for _, score in ranked]
        assert scores == sorted(scores, reverse=True)

    # The word in the name outranks the word in the description only.
    linen_shirts = with_name(english, "linen")
    ranked = [pid for pid, _ in results["en:linen"]]
    assert linen_shirts
    assert set(ranked[: len(linen_shirts)]) == linen_shirts
    assert len(ranked) > len(linen_shirts)

    # English stemming: "jackets" finds every "... Jacket".
    jackets = with_name(english, "jacket")
    assert jackets
    assert jackets <= {pid for pid, _ in results["en:jackets"]}

    # A word being typed: "sneak" finds every sneaker, first.
    sneakers = with_name(english, "sneaker")
    ranked = [pid for pid, _ in results["en:sneak"]]
    assert sneakers
    assert set(ranked[: len(sneakers)]) == sneakers

    # In Swedish, the Swedish names.
    kavaj = with_name(swedish, "kavaj")
    ranked = [pid for pid, _ in results["sv:kavaj"]]
    assert kavaj
    assert set(ranked[: len(kavaj)]) == kavaj

    # An exact item SKU outranks everything.
    sku, product_id = searched["sku"]
    assert results[f"en:{sku}"][0][0] == product_id


def test_listings_facets_and_product_pages_run_on_postgresql(searched: dict) -> None:
    listings = searched["listings"]
    members = set(listings["centra"])
    assert members
    assert all(set(ids) == members and len(ids) == len(members) for ids in listings.values())
    assert listings["price_asc"] != listings["price_desc"]
    assert searched["facet_sizes"] > 0
    assert searched["in_stock"] > 0
    assert searched["detail"]
