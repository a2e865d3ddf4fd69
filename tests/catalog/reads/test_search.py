"""Search on SQLite (FTS5 over Python-stemmed text); the same on PostgreSQL is tested for real
in ``test_search_postgres.py``, relevance in ``test_relevance.py``."""

from __future__ import annotations

import pytest

from catalog import models
from catalog import search as text_search
from catalog.cards import has_stock, listed_products, with_price
from catalog.listing import ListingFilters, PriceRange, _facets, _found_rows, _narrow
from catalog.search_text import algorithm, stem, words
from catalog.selectors import search_products
from tests.catalog.reads import oracle

pytestmark = pytest.mark.django_db


def searchable_words(ctx, product: oracle.P) -> list[str]:
    """Every folded word search may match a product on: its texts in the shopper's language
    (or the default's), brand, colour, category names, collection and codes."""
    text = product.texts.get(ctx.language) or product.texts[ctx.default_language]
    model = models.Product.objects.select_related("collection").get(pk=product.id)
    paths = models.CategoryText.objects.filter(
        category__in=model.categories.all(), language_id=ctx.language
    ).values_list("name_path", flat=True)
    parts = [text.name, text.excerpt, text.description, product.brand_name, model.variant_name]
    parts += [model.sku, model.product_sku, *(n for path in paths for n in path)]
    parts += [model.collection.name if model.collection else ""]
    parts += [code for item in model.items.all() for code in (item.sku, item.ean)]
    return words(" ".join(parts))


def expected(ctx, q: str) -> set[int]:
    """Products where every word of ``q`` begins a word or its stem (the index's rule)."""
    config = algorithm(ctx.language)
    asked = [stem(w, config) for w in words(q)]
    found = set()
    for product in oracle.in_scope(oracle.load(), ctx.market):
        stems = {stem(w, config) for w in searchable_words(ctx, product)}
        if all(any(s.startswith(a) for s in stems) for a in asked):
            found.add(product.id)
    return found


def ids(listing) -> list[int]:
    return [card.id for card in listing.products]


@pytest.mark.parametrize("q", ["linen shirt", "Jeans", "kestrel", "linen blazer", "P05001"])
def test_search_finds_every_product_holding_each_word_names_first(ctx_for, q: str) -> None:
    ctx = ctx_for("SE")

    listing = search_products(ctx, q)

    assert set(ids(listing)) == expected(ctx, q)
    assert listing.total == len(expected(ctx, q)) > 0
    assert (listing.sort, listing.query) == ("relevance", q)
    names = [all(w in words(card.name) for w in words(q)) for card in listing.products]
    assert names == sorted(names, reverse=True)


def test_name_matches_rank_above_description_matches(ctx_for) -> None:
    ctx = ctx_for("SE")

    listing = search_products(ctx, "linen")

    names = [card.name.lower() for card in listing.products]
    in_name = [("linen" in name) for name in names]
    assert True in in_name
    assert False in in_name
    assert in_name == sorted(in_name, reverse=True)


def test_search_is_in_the_shoppers_language(ctx_for) -> None:
    swedish = ctx_for("SE", language="sv")
    english = ctx_for("SE")

    kavaj = search_products(swedish, "kavaj")

    assert set(ids(kavaj)) == expected(swedish, "kavaj")
    assert all("Kavaj" in card.name for card in kavaj.products)
    assert kavaj.total > 0
    assert search_products(english, "kavaj").total == 0
    assert kavaj.products[0].url.startswith("/sv/")


def test_an_exact_item_sku_or_ean_finds_its_product(ctx_for) -> None:
    ctx = ctx_for("SE")
    item = models.Item.objects.filter(product__market_links__market_id=1).order_by("id").first()

    assert ids(search_products(ctx, item.sku)) == [item.product_id]
    assert ids(search_products(ctx, item.ean)) == [item.product_id]


def test_products_outside_the_market_are_not_found(ctx_for) -> None:
    vip_only = (
        models.Product.objects.exclude(market_links__market_id=1)
        .filter(market_links__market_id=3)
        .order_by("id")
        .first()
    )

    assert vip_only.id not in ids(search_products(ctx_for("SE"), vip_only.sku))
    assert vip_only.id in ids(search_products(ctx_for("SE", centra=(3, 4)), vip_only.sku))


@pytest.mark.parametrize("q", ["", "   ", "!!! ???"])
def test_an_empty_query_finds_nothing(ctx_for, q: str) -> None:
    listing = search_products(ctx_for("SE"), q)

    assert (listing.total, listing.products, listing.out_of_range) == (0, (), False)


def test_search_results_have_facets_sorts_and_pages(ctx_for) -> None:
    ctx = ctx_for("SE")
    matches = ids(search_products(ctx, "jeans", per_page=1000))
    assert set(matches) == expected(ctx, "jeans")
    products = oracle.load()
    brand = products[matches[0]].brand_id
    of_brand = [pid for pid in matches if products[pid].brand_id == brand]

    first = search_products(ctx, "jeans", ListingFilters(brands=(brand,)), page=1)
    by_price = search_products(ctx, "jeans", sort="price_asc", per_page=3, page=2)

    assert ids(first) == of_brand
    brand_counts = oracle.counts([products[pid] for pid in matches], lambda p: [p.brand_id])
    assert {(v.value, v.count) for v in first.facets.brands} == {
        (str(b), n) for b, n in brand_counts.items()
    }
    by_price_all = sorted(
        matches, key=lambda pid: (products[pid].price(1) is None, products[pid].price(1) or 0, pid)
    )
    assert ids(by_price) == by_price_all[3:6]
    assert by_price.next_query == "?q=jeans&sort=price_asc&page=3"
    assert [o.key for o in by_price.sort_options] == [
        "relevance",
        "newest",
        "price_asc",
        "price_desc",
        "name",
    ]
    beyond = search_products(ctx, "jeans", page=99)
    assert beyond.out_of_range is True


@pytest.mark.parametrize("per_page", [1, 48])
def test_search_costs_a_fixed_number_of_queries(
    ctx_for, per_page: int, django_assert_num_queries
) -> None:
    ctx = ctx_for("SE")
    search_products(ctx, "linen")  # the vocabulary, kept in the process

    # Text match, what the facets need of the found products and of their items, the page's
    # cards; a query with digits adds the SKU/EAN look-up.
    with django_assert_num_queries(4):
        listing = search_products(ctx, "jeans", per_page=per_page)

    assert len(listing.products) == min(per_page, listing.total)


@pytest.mark.parametrize("q", ["jeans", "shirt", "blue", "linen"])
def test_search_facets_counted_in_python_are_the_sql_facets_of_a_category(ctx_for, q) -> None:
    ctx = ctx_for("SE")
    base = listed_products(ctx)
    scores = text_search.match_scores(ctx, q, base)
    assert scores
    priced = with_price(text_search.only_found(base, scores), ctx)
    found = _found_rows(priced, scores)
    everything = found.facets(ctx, ListingFilters(), 0)
    brand = everything.brands[0].value
    size = everything.sizes[-1].value
    price = everything.prices[0].value
    for filters in (
        ListingFilters(),
        ListingFilters(brands=(int(brand), 999_999)),
        ListingFilters(sizes=(size, "no-such-size")),
        ListingFilters(prices=(PriceRange.parse(price), PriceRange.parse("0-1")), in_stock=True),
        ListingFilters(brands=(int(brand),), sizes=(size,), in_stock=True),
    ):
        sql = _narrow(priced, filters, skip="in_stock").filter(has_stock())
        stocked = sql.count()
        assert found.counts(filters) == {
            "all": _narrow(priced, filters, skip="in_stock").count(),
            "stocked": stocked,
        }
        assert found.facets(ctx, filters, stocked) == _facets(ctx, priced, filters, stocked)
        assert sorted(found.ids(filters)) == sorted(
            _narrow(priced, filters).values_list("id", flat=True)
        )
