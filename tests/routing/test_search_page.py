"""Search: ``/search?q=`` over the local catalog with the same facets and pagination."""

from __future__ import annotations

import pytest
from django.db.models import Q

from tests.routing.helpers import card_ids, ids, in_market

pytestmark = pytest.mark.django_db


def _matching(word: str) -> set[int]:
    """Products whose English texts, brand or SKUs hold ``word``: the SQLite matching rule."""
    text = (
        (
            Q(texts__language_id="en")
            & (
                Q(texts__name__icontains=word)
                | Q(texts__excerpt__icontains=word)
                | Q(texts__description__icontains=word)
            )
        )
        | Q(brand__name__icontains=word)
        | Q(sku__icontains=word)
        | Q(items__sku__icontains=word)
    )
    return ids(in_market().filter(text).distinct())


def test_empty_search_shows_a_friendly_prompt(client) -> None:
    response = client.get("/search")
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["listing"] is None
    assert "Type what you are looking for" in html
    assert '<label for="search-q">Search products</label>' in html
    assert client.get("/search?q=%20%20").context["listing"] is None


def test_search_finds_products_by_name(client) -> None:
    response = client.get("/search?q=loafer")
    assert set(card_ids(response)) == _matching("loafer") == {115, 116, 117}
    html = response.content.decode()
    assert "Search results for “loafer”" in html
    assert '<input type="hidden" name="q" value="loafer">' in html


def test_search_facets_narrow_the_results(client) -> None:
    response = client.get("/search?q=jeans&brand=3")
    expected = {pid for pid in _matching("jeans") if pid in ids(in_market().filter(brand_id=3))}
    assert set(card_ids(response)) == expected
    assert expected  # the demo catalog has Atelier Lumière jeans in market 1
    brands = {v.value: v.selected for v in response.context["listing"].facets.brands}
    assert brands["3"] is True


def test_search_with_no_match_says_so(client) -> None:
    html = client.get("/search?q=zzzzqqq").content.decode()
    assert "Nothing matches “zzzzqqq”" in html


def test_search_pages_are_not_indexed(client) -> None:
    html = client.get("/search?q=loafer").content.decode()
    assert '<meta name="robots" content="noindex, follow">' in html
    assert 'rel="canonical"' not in html


def test_search_pagination_and_out_of_range(client, settings) -> None:
    settings.CATALOG_PAGE_SIZE = 2
    response = client.get("/search?q=loafer")
    assert len(card_ids(response)) == 2
    html = response.content.decode()
    assert (
        '<a class="pagination-step" rel="next" href="/search?q=loafer&amp;page=2">Next page</a>'
        in html
    )
    assert len(card_ids(client.get("/search?q=loafer&page=2"))) == 1
    assert client.get("/search?q=loafer&page=3").status_code == 404


def test_search_in_another_language_uses_its_texts_and_prefix(client) -> None:
    response = client.get("/sv/search?q=kavaj")
    assert 101 in card_ids(response)
    assert '<form class="search-form" method="get" action="/sv/search"' in response.content.decode()


def test_plurals_accents_and_category_names_find_products(client) -> None:
    parkas = set(card_ids(client.get("/search?q=parkas")))
    assert parkas == set(card_ids(client.get("/search?q=parka"))) > set()
    assert set(card_ids(client.get("/search?q=creme"))) == set(
        card_ids(client.get("/search?q=crème"))
    )
    in_jackets = ["womens/jackets", "mens/jackets"]
    jackets = ids(in_market().filter(categories__uri__in=in_jackets).distinct())
    assert jackets
    assert jackets <= set(card_ids(client.get("/search?q=jacket")))


def test_a_typo_is_corrected_and_said(client) -> None:
    response = client.get("/search?q=jakcet")
    html = response.content.decode()

    assert set(card_ids(response)) == set(card_ids(client.get("/search?q=jacket"))) > set()
    assert "Showing results for “jacket”." in html


def test_a_query_that_finds_nothing_offers_did_you_mean_in_one_click(client) -> None:
    html = client.get("/search?q=drbey").content.decode()

    assert "Nothing matches “drbey”" in html
    assert '<p class="did-you-mean">Did you mean <a href="/search?q=derby">derby</a>?</p>' in html
    assert card_ids(client.get("/search?q=derby"))
    assert "did-you-mean" not in client.get("/search?q=zzzzqqq").content.decode()


def test_distinct_searches_after_warm_up_cost_a_fixed_number_of_queries(
    client, centra_sandbox, django_assert_num_queries
) -> None:
    client.get("/search?q=linen")  # the vocabulary, category tree and reference data
    centra_sandbox.request_counts.clear()

    # Each query asked once, so no answer comes from the page cache: the text match, what the
    # facets need of the found products and of their items, the page's cards.
    for q in ("jeans", "shirts", "jackets", "sneakers"):
        with django_assert_num_queries(4):
            response = client.get(f"/search?q={q}")
        assert response.status_code == 200
        assert response.context["listing"].total > 0

    assert centra_sandbox.request_counts["*"] == 0


def test_the_search_box_offers_suggestions_progressively(client) -> None:
    html = client.get("/search").content.decode()

    assert 'data-suggest="/search/suggestions"' in html
    assert "js/search.js" in html
    assert 'data-suggest="/sv/search/suggestions"' in client.get("/sv/search").content.decode()


def test_suggestions_list_products_and_categories_for_a_prefix_without_centra(
    client, centra_sandbox, django_assert_max_num_queries
) -> None:
    client.get("/search/suggestions?q=jac")  # warm the vocabulary and category tree
    centra_sandbox.request_counts.clear()

    with django_assert_max_num_queries(1):
        answer = client.get("/search/suggestions?q=jack").json()

    assert centra_sandbox.request_counts["*"] == 0
    assert {c["name"] for c in answer["categories"]} == {"Womens / Jackets", "Mens / Jackets"}
    assert {c["url"] for c in answer["categories"]} == {"/womens/jackets", "/mens/jackets"}
    assert answer["products"]
    assert all("jacket" in p["name"].lower() for p in answer["products"])
    assert all(p["url"].startswith("/") for p in answer["products"])


def test_suggestions_fold_accents_follow_the_language_and_survive_anything(client) -> None:
    creme = client.get("/search/suggestions?q=crem").json()["products"]
    assert creme
    assert all(p["name"].startswith("Crème") for p in creme)
    swedish = client.get("/sv/search/suggestions?q=kav").json()["products"]
    assert swedish
    assert all("Kavaj" in p["name"] and p["url"].startswith("/sv/") for p in swedish)
    assert client.get("/search/suggestions", {"q": "\x00"}).status_code == 400  # the edge's
    for q in ("", "'", "x" * 1000, "🧥"):
        answer = client.get("/search/suggestions", {"q": q})
        assert answer.status_code == 200
        assert answer.json() == {"products": [], "categories": []}
