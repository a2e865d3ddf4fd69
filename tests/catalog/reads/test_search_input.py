"""Any query text gives a results page on SQLite, never an error (PostgreSQL:
``test_search_postgres.py`` runs the same texts there)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from catalog.search import MAX_LENGTH, clean_query
from catalog.selectors import search_products
from tests.catalog.reads.hostile import HOSTILE, answer_for, queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_gives_a_results_page(client, text: str) -> None:
    response = client.get("/search", {"q": text})

    assert response.status_code == answer_for(text)
    assert client.get("/search/suggestions", {"q": text}).status_code == answer_for(text)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=queries())
def test_any_text_can_be_searched(ctx_for, text: str) -> None:
    query = clean_query(text)
    listing = search_products(ctx_for("SE"), query.text)

    assert len(query.text) <= MAX_LENGTH
    assert "\x00" not in query.text
    assert listing.total >= 0
    assert listing.out_of_range is False


def test_a_long_query_is_cut_with_a_message(client) -> None:
    response = client.get("/search", {"q": "linen " * 100})
    html = response.content.decode()

    assert response.status_code == 200
    assert response.context["q"] == ("linen " * 100)[:MAX_LENGTH].strip()
    assert f"only its first {MAX_LENGTH} characters were searched" in html
    short = client.get("/search", {"q": "linen"}).content.decode()
    assert "characters were searched" not in short


def test_search_syntax_is_searched_as_plain_words(ctx_for) -> None:
    ctx = ctx_for("SE")
    plain = {card.id for card in search_products(ctx, "linen shirt").products}

    for text in ('"linen" AND shirt*', "linen:* & shirt", "-linen NEAR(shirt)"):
        assert {card.id for card in search_products(ctx, text).products} == plain
    assert plain
