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
