"""Catalog selectors against the synced demo catalog; every expectation comes from the oracle
(:mod:`tests.catalog.reads.oracle`: plain Python over the same rows) or from the database."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.db.models import Count

from catalog import models
from catalog.listing import ListingFilters, PriceRange, parse_listing_query, price_ranges
from catalog.selectors import (
    category_by_uri,
    category_tree,
    home_sections,
    list_products,
    product_detail,
)
from catalog.stock import is_available, stock_state
from tests.catalog.reads import oracle

pytestmark = pytest.mark.django_db

WOMENS = "womens"


def ids(listing) -> list[int]:
    return [card.id for card in listing.products]


def category_id(uri: str) -> int:
    return models.Category.objects.get(uri=uri).id


# -- what exists: market, category, subcategories ---------------------------------------------


def test_category_lists_market_products_of_it_and_its_subcategories(ctx_for) -> None:
    ctx = ctx_for("SE")
    expected = oracle.in_scope(oracle.load(), 1, category_id(WOMENS))

    listing = list_products(ctx, category=category_by_uri(ctx, WOMENS))

    assert sorted(ids(listing)) == sorted(p.id for p in expected)
    assert listing.total == len(expected)
    # The root holds products placed only in its leaves too: it is more than any one leaf.
    leaf = list_products(ctx, category=category_by_uri(ctx, "womens/shoes"))
    assert 0 < leaf.total < listing.total
    assert set(ids(leaf)) <= set(ids(listing))


def test_product_outside_the_shoppers_market_is_absent_everywhere(ctx_for) -> None:
    products = oracle.load()
    outside = [p for p in products.values() if 1 not in p.markets]
    assert outside, "the demo has products outside market 1"
    europe = ctx_for("SE")
    listing = list_products(europe, per_page=100)

    assert listing.total == len(oracle.in_scope(products, 1))
    for product in outside:
        assert product.id not in ids(listing)
        assert product_detail(europe, product.uri) is None
    vip_only = next(p for p in outside if p.markets == {3})
    vip = ctx_for("SE", centra=(3, 4))
    assert product_detail(vip, vip_only.uri).card.id == vip_only.id
    assert vip_only.id in ids(list_products(vip, per_page=100))


def test_cards_carry_the_pricelists_price_texts_and_badges(ctx_for) -> None:
    ctx = ctx_for("DE")  # market 1, pricelist 2 (EUR)
    products = oracle.load()

    listing = list_products(ctx, per_page=100)

    assert listing.total == len(listing.products)
    for card in listing.products:
        price = products[card.id].prices.get(2)
        if price is None:
            assert (card.price_text, card.purchasable, card.on_sale) == (None, False, False)
            continue
        assert card.price_text == price.price_text
        assert card.purchasable is True
        assert card.on_sale is price.on_sale
        assert card.new is price.new
        assert card.discount_percent == price.discount_percent
        expected_before = price.price_before_discount_text if price.on_sale else None
        assert card.price_before_discount_text == expected_before
        assert card.in_stock is products[card.id].in_stock
        assert card.url == f"/{products[card.id].category_uri}/{products[card.id].uri}"
        standard = products[card.id].media.get("standard") or [None]
        assert card.image_url == standard[0]
    assert any(card.on_sale for card in listing.products)


def test_unpriced_products_are_listed_without_price_and_last_by_price(ctx_for) -> None:
    ctx = ctx_for("US")  # market 2, pricelist 3 (USD)
    products = oracle.load()
    in_market = oracle.in_scope(products, 2)
    unpriced = {p.id for p in in_market if 3 not in p.prices}
    assert unpriced, "the demo has products without a USD price in North America"

    ascending = list_products(ctx, sort="price_asc", per_page=100)
    descending = list_products(ctx, sort="price_desc", per_page=100)
    priced_only = list_products(
        ctx, filters=ListingFilters(prices=(PriceRange(Decimal(0), None),)), per_page=100
    )

    for card in ascending.products:
        assert card.purchasable is (card.id not in unpriced)
        if card.id in unpriced:
            assert (card.price_text, card.price_before_discount_text) == (None, None)
    assert set(ids(ascending)[-len(unpriced) :]) == unpriced
    assert set(ids(descending)[-len(unpriced) :]) == unpriced
    assert set(ids(priced_only)) == {p.id for p in in_market} - unpriced
    detail = product_detail(ctx, products[min(unpriced)].uri)
    assert detail.price is None


# -- sorting ----------------------------------------------------------------------------------


def _expected_order(ctx, sort: str, category: int | None = None) -> list[int]:
    products = oracle.in_scope(oracle.load(), ctx.market, category)
    tree = oracle.subtree(category) if category is not None else set()
    far = 10**9

    def price(p):
        return p.price(ctx.pricelist)

    keys = {
        "centra": lambda p: (
            p.positions.get(category, far),
            min(p.positions[c] for c in tree & set(p.positions)),
            p.id,
        ),
        "newest": lambda p: (-p.created_at.timestamp(), -p.id),
        "price_asc": lambda p: (price(p) is None, price(p) or 0, p.id),
        "price_desc": lambda p: (price(p) is None, -(price(p) or 0), p.id),
        "name": lambda p: (p.name(ctx.language, ctx.default_language), p.id),
    }
    return [p.id for p in sorted(products, key=keys[sort])]


@pytest.mark.parametrize("sort", ["centra", "newest", "price_asc", "price_desc", "name"])
def test_each_sort_orders_a_category_exactly(ctx_for, sort: str) -> None:
    ctx = ctx_for("SE")
    category = category_by_uri(ctx, WOMENS)

    listing = list_products(ctx, category=category, sort=sort)

    assert listing.sort == sort
    assert ids(listing) == _expected_order(ctx, sort, category.id)
    assert [o.key for o in listing.sort_options if o.selected] == [sort]


def test_name_sort_uses_the_shoppers_language(ctx_for) -> None:
    ctx = ctx_for("SE", language="sv")

    listing = list_products(ctx, sort="name", per_page=100)

    assert ids(listing) == _expected_order(ctx, "name")
    assert ids(listing) != _expected_order(ctx_for("SE"), "name")


def test_unknown_or_unavailable_sort_falls_back_to_the_default(ctx_for) -> None:
    ctx = ctx_for("SE")
    category = category_by_uri(ctx, WOMENS)

    assert list_products(ctx, category=category, sort="bogus").sort == "centra"
    assert list_products(ctx, sort="centra").sort == "newest"
    assert list_products(ctx, sort="relevance").sort == "newest"
    assert [o.key for o in list_products(ctx).sort_options] == [
        "newest",
        "price_asc",
        "price_desc",
        "name",
    ]
    assert [o.key for o in list_products(ctx, category=category).sort_options] == [
        "centra",
        "newest",
        "price_asc",
        "price_desc",
        "name",
    ]


# -- facets and filters -----------------------------------------------------------------------


def _nice_step(top: Decimal) -> Decimal:
    raw = top / 6
    magnitude = Decimal(10) ** math.floor(math.log10(raw))
    return next(
        max(m * magnitude, Decimal(1))
        for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
        if max(m * magnitude, Decimal(1)) >= raw
    )


def _facet(values) -> dict[str, tuple[str, int, bool]]:
    return {v.value: (v.label, v.count, v.selected) for v in values}


def test_each_facet_counts_the_listing_without_its_own_filter(ctx_for) -> None:
    ctx = ctx_for("SE")
    products = oracle.in_scope(oracle.load(), 1)
    by_brand = oracle.counts(products, lambda p: [p.brand_id])
    brands = tuple(sorted(sorted(by_brand, key=lambda b: (-by_brand[b], b))[:4]))
    sizes = ("M", "L")
    top = max(p.price(1) for p in products if p.price(1) is not None)
    step = _nice_step(top)
    ranges = (PriceRange(Decimal(0), step), PriceRange(step, 2 * step))
    filters = ListingFilters(brands=brands, sizes=sizes, prices=ranges, in_stock=True)

    def keep(p, skip: str) -> bool:
        price = p.price(1)
        return (
            (skip == "brand" or p.brand_id in brands)
            and (skip == "size" or bool(set(sizes) & p.item_names))
            and (skip == "price" or (price is not None and price < 2 * step))
            and (skip == "in_stock" or p.in_stock)
        )

    listing = list_products(ctx, filters=filters, per_page=100)
    facets = listing.facets

    matching = [p for p in products if keep(p, "")]
    assert len(matching) >= 2
    assert sorted(ids(listing)) == sorted(p.id for p in matching)
    assert listing.total == len(matching)

    names = dict(models.Brand.objects.values_list("id", "name"))
    brand_counts = oracle.counts(
        oracle.where(products, lambda p: keep(p, "brand")), lambda p: [p.brand_id]
    )
    assert _facet(facets.brands) == {
        str(b): (names[b], brand_counts.get(b, 0), b in brands)
        for b in set(brand_counts) | set(brands)
    }
    assert [v.label for v in facets.brands] == sorted(
        (v.label for v in facets.brands), key=str.casefold
    )

    size_counts = oracle.counts(
        oracle.where(products, lambda p: keep(p, "size")), lambda p: p.item_names
    )
    assert _facet(facets.sizes) == {
        name: (name, size_counts.get(name, 0), name in sizes)
        for name in set(size_counts) | set(sizes)
    }

    collections = dict(models.Collection.objects.values_list("id", "name"))
    collection_counts = oracle.counts(
        oracle.where(products, lambda p: keep(p, "collection") and p.collection_id),
        lambda p: [p.collection_id],
    )
    assert _facet(facets.collections) == {
        str(c): (collections[c], n, False) for c, n in collection_counts.items()
    }

    without_price_filter = oracle.where(products, lambda p: keep(p, "price"))
    expected_prices = []
    for i in range(int(top // step) + 1):
        low, high = step * i, step * (i + 1)
        n = sum(
            1 for p in without_price_filter if p.price(1) is not None and low <= p.price(1) < high
        )
        if n or i < 2:
            expected_prices.append((f"{low.normalize():f}-{high.normalize():f}", n, i < 2))
    assert [(v.value, v.count, v.selected) for v in facets.prices] == expected_prices

    stocked = oracle.where(products, lambda p: keep(p, "in_stock") and p.in_stock)
    assert (facets.in_stock.count, facets.in_stock.selected) == (len(stocked), True)


def test_price_buckets_are_nice_ranges_over_the_listing_and_labelled_in_its_currency(
    ctx_for,
) -> None:
    ctx = ctx_for("SE")
    prices = [p.price(1) for p in oracle.in_scope(oracle.load(), 1) if p.price(1) is not None]
    step = _nice_step(max(prices))

    facet = list_products(ctx).facets.prices

    assert [v.value for v in facet] == [
        f"{(step * i).normalize():f}-{(step * (i + 1)).normalize():f}"
        for i in range(int(max(prices) // step) + 1)
        if any(step * i <= p < step * (i + 1) for p in prices)
    ]
    assert sum(v.count for v in facet) == len(prices)
    assert facet[0].label == f"0 SEK \N{EN DASH} {step.normalize():f} SEK"
    assert price_ranges(Decimal("273.95")) == [
        PriceRange(Decimal(50) * i, Decimal(50) * (i + 1)) for i in range(6)
    ]


def test_selected_value_missing_from_the_listing_is_still_offered_for_unselecting(
    ctx_for,
) -> None:
    ctx = ctx_for("SE")

    brand = models.Brand.objects.order_by("id").first()
    filters = ListingFilters(brands=(brand.id,), sizes=("XXXL",))

    listing = list_products(ctx, filters=filters)

    assert listing.total == 0
    assert (str(brand.id), brand.name, 0, True) in {
        (v.value, v.label, v.count, v.selected) for v in listing.facets.brands
    }
    assert ("XXXL", "XXXL", 0, True) in {
        (v.value, v.label, v.count, v.selected) for v in listing.facets.sizes
    }


def test_query_string_parsing_keeps_what_makes_sense() -> None:
    from django.http import QueryDict

    request = parse_listing_query(
        QueryDict(
            "brand=3&brand=x&brand=1&size=M&size=&collection=21&price=500-1000&price=9-3"
            "&price=abc&price=2500-&in_stock=1&sort=price_asc&page=2"
        )
    )

    assert request.filters == ListingFilters(
        brands=(1, 3),
        sizes=("M",),
        collections=(21,),
        prices=(PriceRange(Decimal(500), Decimal(1000)), PriceRange(Decimal(2500), None)),
        in_stock=True,
    )
    assert (request.sort, request.page) == ("price_asc", 2)
    assert request.filters.to_query() == [
        ("brand", "1"),
        ("brand", "3"),
        ("size", "M"),
        ("collection", "21"),
        ("price", "500-1000"),
        ("price", "2500-"),
        ("in_stock", "1"),
    ]
    assert parse_listing_query(QueryDict("")).page == 1
    assert parse_listing_query(QueryDict("page=abc")).page == 0
    assert parse_listing_query(QueryDict("page=-1")).page == 0


# -- pagination -------------------------------------------------------------------------------


def test_pages_cover_the_listing_once_and_edges_are_out_of_range(ctx_for) -> None:
    ctx = ctx_for("SE")
    expected = _expected_order(ctx, "newest")
    per_page = 10
    pages = math.ceil(len(expected) / per_page)

    seen = []
    for page in range(1, pages + 1):
        listing = list_products(ctx, sort="newest", page=page, per_page=per_page)
        assert not listing.out_of_range
        assert listing.num_pages == pages
        assert listing.has_previous is (page > 1)
        assert listing.has_next is (page < pages)
        seen += ids(listing)
    last = list_products(ctx, sort="newest", page=pages, per_page=per_page)
    beyond = list_products(ctx, sort="newest", page=pages + 1, per_page=per_page)
    before = list_products(ctx, sort="newest", page=0, per_page=per_page)

    assert seen == expected
    assert len(last.products) == len(expected) - per_page * (pages - 1)
    assert (beyond.out_of_range, beyond.products, beyond.total) == (True, (), len(expected))
    assert (before.out_of_range, before.products) == (True, ())
    assert last.previous_query == f"?page={pages - 1}"
    assert last.next_query is None
    assert [(p.number, p.query, p.current) for p in last.nearby_pages] == [
        (n, "?" if n == 1 else f"?page={n}", n == pages)
        for n in sorted({1, *range(pages - 2, pages + 1)})
        if n >= 1
    ]
    assert beyond.nearby_pages == ()


def test_empty_listing_has_one_empty_page(ctx_for) -> None:
    ctx = ctx_for("SE")
    filters = ListingFilters(brands=(999,))

    first = list_products(ctx, filters=filters, sort="price_asc")
    second = list_products(ctx, filters=filters, page=2)

    assert (first.total, first.num_pages, first.out_of_range, first.products) == (0, 1, False, ())
    assert second.out_of_range is True
    assert first.page_query(2) == "?brand=999&sort=price_asc&page=2"


# -- texts ------------------------------------------------------------------------------------


def test_texts_are_in_the_shoppers_language_with_the_default_as_fallback(ctx_for) -> None:
    ctx = ctx_for("SE", language="sv")
    untranslated = models.Product.objects.order_by("id").first()
    models.ProductText.objects.filter(product=untranslated, language_id="sv").delete()
    products = oracle.load()

    cards = {card.id: card for card in list_products(ctx, per_page=100).products}
    detail = product_detail(ctx, untranslated.uri)

    for pid, card in cards.items():
        language = "en" if pid == untranslated.id else "sv"
        assert card.name == products[pid].texts[language].name
    assert detail.card.name == products[untranslated.id].texts["en"].name
    assert detail.description == products[untranslated.id].texts["en"].description
    assert detail.card.url.startswith("/sv/")


def test_category_names_fall_back_to_the_default_language(ctx_for) -> None:
    ctx = ctx_for("SE", language="de")
    shoes = models.Category.objects.get(uri="womens/shoes")
    models.CategoryText.objects.filter(category=shoes, language_id="de").delete()

    page = category_by_uri(ctx, "womens/shoes")
    root = category_by_uri(ctx, WOMENS)

    assert page.name == models.CategoryText.objects.get(category=shoes, language_id="en").name
    assert root.name == models.CategoryText.objects.get(category__uri=WOMENS, language_id="de").name
    assert page.url == "/de/womens/shoes"
    assert [c.url for c in page.breadcrumbs] == ["/de/womens", "/de/womens/shoes"]


# -- product page -----------------------------------------------------------------------------


def test_product_detail_has_texts_gallery_sizes_relations_and_breadcrumbs(ctx_for) -> None:
    ctx = ctx_for("SE")
    with_variants = (
        models.RelatedProduct.objects.filter(relation="variant", product__market_links__market_id=1)
        .order_by("product_id")
        .first()
    )
    product = models.Product.objects.select_related("category", "brand").get(
        pk=with_variants.product_id
    )
    text = product.texts.get(language_id="en")
    price = product.prices.filter(pricelist_id=1).first()
    in_market = set(
        models.ProductMarket.objects.filter(market_id=1).values_list("product_id", flat=True)
    )
    relations = list(product.relations.order_by("id").values_list("related_id", "relation"))

    detail = product_detail(ctx, product.uri)

    assert detail.card.id == product.id
    assert (detail.card.name, detail.excerpt, detail.description_html) == (
        text.name,
        text.excerpt,
        text.description_html,
    )
    assert detail.meta_title == (text.meta_title or text.name)
    assert [g.url for g in detail.gallery] == product.media.get("standard", [])
    assert [g.thumb_url for g in detail.gallery] == product.media.get("thumb", [])
    items = list(product.items.order_by("position"))
    assert [(s.item_id, s.name, s.stock, s.in_stock) for s in detail.sizes] == [
        (i.id, i.name, i.stock, is_available(i.stock)) for i in items
    ]
    assert [c.id for c in detail.variants] == [
        r for r, kind in relations if kind == "variant" and r in in_market
    ]
    assert [c.id for c in detail.related] == [
        r for r, kind in relations if kind != "variant" and r in in_market
    ]
    root = product.category.parent
    assert [(b.name, b.url) for b in detail.breadcrumbs] == [
        (root.texts.get(language_id="en").name, f"/{root.uri}"),
        (product.category.texts.get(language_id="en").name, f"/{product.category.uri}"),
        (text.name, f"/{product.category.uri}/{product.uri}"),
    ]
    assert detail.category.uri == product.category.uri
    assert detail.price == (price.price if price else None)


def test_sizes_carry_the_stock_state_of_their_items(ctx_for) -> None:
    ctx = ctx_for("SE")
    product = models.Product.objects.filter(market_links__market_id=1).order_by("id").first()
    item = product.items.order_by("position").first()
    states = {
        "yes": "in_stock",
        "few": "few",
        "no": "out_of_stock",
        "preorder": "preorder",
        "-2": "out_of_stock",
        "7": "in_stock",
    }
    for stock, state in states.items():
        models.Item.objects.filter(pk=item.pk).update(stock=stock, stock_state=stock_state(stock))
        size = product_detail(ctx, product.uri).sizes[0]
        expected = (stock, state, state != "out_of_stock")
        assert (size.stock, size.stock_state, size.in_stock) == expected


# -- navigation and home ----------------------------------------------------------------------


def test_category_tree_mirrors_the_catalogs_categories(ctx_for) -> None:
    ctx = ctx_for("SE", language="sv")

    tree = category_tree(ctx)

    roots = models.Category.objects.filter(parent=None).order_by("sort_order", "id")
    assert [(n.id, n.uri, n.url) for n in tree] == [(c.id, c.uri, f"/sv/{c.uri}") for c in roots]
    for node in tree:
        children = models.Category.objects.filter(parent_id=node.id).order_by("sort_order", "id")
        assert [c.id for c in node.children] == [c.id for c in children]
        assert (
            node.name == models.CategoryText.objects.get(category_id=node.id, language_id="sv").name
        )
    assert category_by_uri(ctx, "no/such") is None


def test_home_sections_show_new_and_discounted_products_of_the_market(ctx_for) -> None:
    ctx = ctx_for("DE")
    products = oracle.in_scope(oracle.load(), 1)
    new = [p for p in products if 2 in p.prices and p.prices[2].new]
    sale = [p for p in products if 2 in p.prices and p.prices[2].on_sale]

    home = home_sections(ctx)

    assert [c.id for c in home.new_arrivals] == [
        p.id for p in sorted(new, key=lambda p: (p.created_at, p.id), reverse=True)
    ][:8]
    assert [c.id for c in home.on_sale] == [
        p.id
        for p in sorted(
            sale, key=lambda p: (p.prices[2].discount_percent, p.created_at, p.id), reverse=True
        )
    ][:8]
    assert [c.id for c in home.categories] == [c.id for c in category_tree(ctx)]


# -- cost -------------------------------------------------------------------------------------


@pytest.mark.parametrize("per_page", [1, 48])
def test_listing_costs_a_fixed_number_of_queries_and_no_centra_call(
    ctx_for, per_page: int, django_assert_num_queries, centra_sandbox
) -> None:
    ctx = ctx_for("SE")
    category_by_uri(ctx, WOMENS)  # warm the category tree
    filters = ListingFilters(in_stock=True)
    centra_sandbox.request_counts.clear()

    with django_assert_num_queries(7):
        listing = list_products(ctx, filters=filters, per_page=per_page, sort="price_asc")
    with django_assert_num_queries(7):
        category = category_by_uri(ctx, WOMENS)
        in_category = list_products(ctx, category=category, per_page=per_page)

    assert len(listing.products) == min(per_page, listing.total)
    assert len(in_category.products) == min(per_page, in_category.total)
    assert listing.total > 1
    assert centra_sandbox.request_counts["*"] == 0


def test_product_page_costs_four_queries_however_many_relations_it_has(
    ctx_for, django_assert_num_queries
) -> None:
    ctx = ctx_for("SE")
    category_tree(ctx)  # warm the category tree
    busiest = (
        models.Product.objects.filter(market_links__market_id=1)
        .annotate(n=Count("relations"))
        .order_by("-n", "id")
        .first()
    )

    with django_assert_num_queries(4):
        detail = product_detail(ctx, busiest.uri)

    assert busiest.n >= 3
    assert len(detail.variants) + len(detail.related) >= 2
