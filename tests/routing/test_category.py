"""Category pages: products of the category and its subcategories in the shopper's market,
each facet and sort through the view, pagination edges, breadcrumbs and subcategories."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from catalog.models import Product, ProductCategory, ProductPrice, ProductText
from routing import page_cache
from tests.routing.helpers import card_ids, ids, in_category, price, stocked

pytestmark = pytest.mark.django_db

SHOES = "womens/shoes"  # 4 products in market 1: 106 (Maison Éclair), 115-117 (Kestrel)


def test_root_category_lists_its_subcategories_products_in_the_market(client) -> None:
    response = client.get("/womens")
    expected = ids(in_category("womens"))
    assert response.status_code == 200
    assert set(card_ids(response)) == expected
    assert response.context["listing"].total == len(expected) == 25
    # 102 and 110 exist only outside market 1: never listed here.
    assert not {102, 110} & set(card_ids(response))


def test_a_leaf_category_lists_exactly_its_products(client) -> None:
    response = client.get(f"/{SHOES}")
    assert sorted(card_ids(response)) == [106, 115, 116, 117]
    html = response.content.decode()
    assert "<h1>Shoes</h1>" in html
    assert '<p class="result-count" role="status">4 products</p>' in html


def test_a_product_without_a_price_in_the_pricelist_is_listed_without_price(client) -> None:
    ProductPrice.objects.filter(product_id=115, pricelist_id=1).delete()
    response = client.get(f"/{SHOES}")
    cards = {card.id: card for card in response.context["listing"].products}
    assert cards[115].purchasable is False
    assert cards[115].price_text is None
    assert cards[116].price_text == "399.00 SEK"
    html = response.content.decode()
    card_html = html.split('data-product="115"')[1].split("</article>")[0]
    assert "Not available to buy in your country" in card_html
    assert "SEK" not in card_html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("brand=6", [115, 116, 117]),
        ("brand=7", [106]),
        ("brand=6&brand=7", [106, 115, 116, 117]),
        ("collection=22", [106]),
        ("collection=24", [115, 116, 117]),
        ("size=37", [115, 116, 117]),
        ("size=43", [106]),
        ("price=0-500", [115, 116, 117]),
        ("price=1500-2000", [106]),
        ("in_stock=1", [115, 116, 117]),
        ("brand=6&size=37", [115, 116, 117]),
        ("brand=7&in_stock=1", []),
    ],
)
def test_each_filter_narrows_the_listing(client, query: str, expected: list[int]) -> None:
    response = client.get(f"/{SHOES}?{query}")
    assert response.status_code == 200
    assert sorted(card_ids(response)) == expected
    assert response.context["listing"].total == len(expected)


def test_filters_match_the_catalog_tables(client) -> None:
    """The same filters, checked against a query written independently of the selectors."""
    base = in_category("womens")
    expected = base.filter(brand_id=3, items__name="M").distinct()
    response = client.get("/womens?brand=3&size=M")
    assert set(card_ids(response)) == ids(expected)
    response = client.get("/womens?in_stock=1")
    assert set(card_ids(response)) == ids(stocked(base))


def test_facets_show_counts_and_stay_selected(client) -> None:
    response = client.get(f"/{SHOES}?brand=6")
    facets = response.context["listing"].facets
    brands = {(v.label, v.count, v.selected) for v in facets.brands}
    # A facet counts with every filter but its own, so the other brand keeps its count.
    assert brands == {("Kestrel", 3, True), ("Maison Éclair", 1, False)}
    sizes = {v.label: v.count for v in facets.sizes}
    assert sizes["37"] == 3
    assert "43" not in sizes  # only Maison Éclair's sneaker has 43
    assert facets.in_stock.count == 3
    html = response.content.decode()
    assert '<input type="checkbox" id="facet-brand-1" name="brand" value="6" checked>' in html
    assert '<label for="facet-brand-1">Kestrel <span class="count">(3)</span></label>' in html
    assert '<a href="/womens/shoes">Clear filters</a>' in html


def test_the_filter_form_is_a_plain_get_form_with_labelled_controls(client) -> None:
    html = client.get(f"/{SHOES}").content.decode()
    assert '<form class="facets" method="get" action="/womens/shoes"' in html
    # Sorting is its own small form beside the filters, applied on change (static/js/site.js)
    # or with its button.
    assert '<label for="sort">Sort by</label>' in html
    assert '<select id="sort" name="sort" data-autosubmit>' in html
    assert '<button type="submit" data-autosubmit-fallback>Sort</button>' in html
    # On a phone the filters open from a "Filter" button that needs no JavaScript.
    assert '<details class="filters">' in html
    for legend in ("Brand", "Size", "Collection", "Price", "Availability"):
        assert f"<legend>{legend}</legend>" in html
    assert '<button type="submit">Apply</button>' in html
    assert "<script" not in html.split("</head>")[1]  # no JavaScript needed


def _prices_order(product_ids: list[int], reverse: bool) -> list[int]:
    priced = [(price(pid), pid) for pid in product_ids]
    key = (lambda t: (-t[0], t[1])) if reverse else (lambda t: (t[0], t[1]))
    return [pid for _, pid in sorted(priced, key=key)]


def test_sort_by_price_up_and_down(client) -> None:
    listed = card_ids(client.get("/womens"))
    up = card_ids(client.get("/womens?sort=price_asc"))
    down = card_ids(client.get("/womens?sort=price_desc"))
    assert up == _prices_order(listed, reverse=False)
    assert down == _prices_order(listed, reverse=True)
    assert price(up[0]) <= price(up[-1])


def test_sort_by_name(client) -> None:
    names = dict(ProductText.objects.filter(language_id="en").values_list("product_id", "name"))
    listed = card_ids(client.get("/womens?sort=name"))
    assert listed == sorted(listed, key=lambda pid: (names[pid], pid))


def test_sort_by_newest(client) -> None:
    created = dict(Product.objects.values_list("id", "created_at"))
    listed = card_ids(client.get("/womens?sort=newest"))
    assert listed == sorted(listed, key=lambda pid: (created[pid], pid), reverse=True)


def test_centras_order_is_the_default_in_a_category(client) -> None:
    positions = dict(
        ProductCategory.objects.filter(category__uri=SHOES).values_list("product_id", "sort_order")
    )
    response = client.get(f"/{SHOES}")
    assert response.context["listing"].sort == "centra"
    assert card_ids(response) == sorted(positions, key=lambda pid: (positions[pid], pid))
    assert card_ids(client.get(f"/{SHOES}?sort=centra")) == card_ids(response)


def test_an_unknown_sort_gives_the_default(client) -> None:
    default = card_ids(client.get(f"/{SHOES}"))
    # The same page, so the same page-cache entry: nothing new is built or stored.
    response = client.get(f"/{SHOES}?sort=bogus")
    assert response.status_code == 200
    assert response.context["listing"] is None
    cache.clear()
    page_cache.clear_local()
    assert card_ids(client.get(f"/{SHOES}?sort=bogus")) == default


# -- pagination ---------------------------------------------------------------------------------


@pytest.fixture
def ten_per_page(settings) -> None:
    settings.CATALOG_PAGE_SIZE = 10


@pytest.mark.usefixtures("ten_per_page")
def test_pages_split_the_listing_without_overlap(client) -> None:
    pages = [card_ids(client.get(f"/womens?page={n}")) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [10, 10, 5]
    seen = [pid for page in pages for pid in page]
    assert len(set(seen)) == 25
    assert set(seen) == ids(in_category("womens"))


@pytest.mark.usefixtures("ten_per_page")
def test_first_page_links_only_forward(client) -> None:
    html = client.get("/womens").content.decode()
    assert '<link rel="next" href="http://testserver/womens?page=2">' in html
    assert 'rel="prev"' not in html
    assert '<a class="pagination-step" rel="next" href="/womens?page=2">Next page</a>' in html
    assert "Page 1 of 3" in html
    assert '<link rel="canonical" href="http://testserver/womens">' in html


@pytest.mark.usefixtures("ten_per_page")
def test_middle_page_links_both_ways_keeping_filters(client) -> None:
    html = client.get("/womens?sort=name&page=2").content.decode()
    assert (
        '<a class="pagination-step" rel="prev" href="/womens?sort=name">Previous page</a>' in html
    )
    assert (
        '<a class="pagination-step" rel="next" href="/womens?sort=name&amp;page=3">Next page</a>'
        in html
    )
    # Every page by its number, this one marked.
    assert '<a href="/womens?sort=name" aria-label="Page 1">1</a>' in html
    assert '<span class="pagination-current" aria-current="page">2</span>' in html
    assert '<a href="/womens?sort=name&amp;page=3" aria-label="Page 3">3</a>' in html
    assert '<link rel="canonical" href="http://testserver/womens?page=2">' in html


@pytest.mark.usefixtures("ten_per_page")
def test_last_page_links_only_back(client) -> None:
    html = client.get("/womens?page=3").content.decode()
    assert '<link rel="prev" href="http://testserver/womens?page=2">' in html
    assert 'rel="next"' not in html
    assert "Page 3 of 3" in html


@pytest.mark.usefixtures("ten_per_page")
@pytest.mark.parametrize("page", ["0", "4", "99", "-1", "x"])
def test_pages_outside_the_listing_are_not_found(client, page: str) -> None:
    response = client.get(f"/womens?page={page}")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_an_empty_filtered_listing_has_one_empty_page(client) -> None:
    response = client.get(f"/{SHOES}?brand=7&in_stock=1")
    assert response.status_code == 200
    assert "No products match these filters." in response.content.decode()


# -- navigation -------------------------------------------------------------------------------


def test_breadcrumbs_and_subcategory_navigation(client) -> None:
    html = client.get("/womens").content.decode()
    assert '<nav class="subcategories" aria-label="Subcategories">' in html
    for uri, name in [("shoes", "Shoes"), ("dresses", "Dresses"), ("jackets", "Jackets")]:
        assert f'<li><a href="/womens/{uri}">{name}</a></li>' in html
    html = client.get(f"/{SHOES}").content.decode()
    crumbs = html.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert '<a href="/">Home</a>' in crumbs
    assert '<a href="/womens">Womens</a>' in crumbs
    assert '<span aria-current="page">Shoes</span>' in crumbs


def test_category_texts_follow_the_language_prefix(client) -> None:
    html = client.get(f"/sv/{SHOES}").content.decode()
    assert '<html lang="sv">' in html
    assert "<h1>Skor</h1>" in html
    assert '<a href="/sv/womens">Dam</a>' in html
    assert "<title>Dam Skor | Centra Storefront</title>" in html


def test_listing_shows_sale_price_and_badges(client) -> None:
    # 118 (mens/shoes) is discounted 799 -> 719 in pricelist 1.
    response = client.get("/mens/shoes")
    card = {c.id: c for c in response.context["listing"].products}[118]
    assert (card.price_text, card.price_before_discount_text) == ("719.00 SEK", "799.00 SEK")
    html = response.content.decode().split('data-product="118"')[1].split("</article>")[0]
    assert '<li class="badge badge-sale">Sale \u221210%</li>' in html
    assert '<s class="price-before">799.00 SEK</s>' in html
    assert price(118) == Decimal("719")
