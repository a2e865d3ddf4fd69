"""The home page: the CMS home article, category entry points, new arrivals, on sale."""

from __future__ import annotations

import pytest

from tests.routing.helpers import PRICELIST, in_market

pytestmark = pytest.mark.django_db


def _section_ids(response, name: str) -> list[int]:
    return [card.id for card in getattr(response.context["sections"], name)]


def test_home_shows_the_cms_home_article_with_its_blocks(client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="home-title">Welcome</h1>' in html
    assert (
        '<div class="cms-text"><p>New arrivals every week, delivered from Stockholm.</p></div>'
        in html
    )
    assert '<img src="/sandbox/media/standard/cms-home.svg" alt="Welcome" loading="lazy">' in html
    article = response.context["article"]
    products = next(block for block in article.blocks if block.type == "products")
    # The products block is drawn as cards from the local catalog, in the article's order.
    assert [card.id for card in products.cards] == [101, 106, 107, 108]
    assert "<title>Welcome | Centra Storefront</title>" in html


def test_home_lists_category_entry_points(client) -> None:
    html = client.get("/").content.decode()
    tiles = html.split('<ul class="category-tiles">')[1].split("</ul>")[0]
    for uri, name in [("womens", "Womens"), ("mens", "Mens"), ("accessories", "Accessories")]:
        assert f'<li><a href="/{uri}">{name}</a></li>' in tiles


def test_new_arrivals_and_sale_come_from_the_shoppers_pricelist(client) -> None:
    response = client.get("/")
    new = in_market().filter(prices__pricelist_id=PRICELIST, prices__new=True)
    expected_new = list(new.order_by("-created_at", "-id").values_list("id", flat=True)[:8])
    assert _section_ids(response, "new_arrivals") == expected_new
    on_sale = set(
        in_market()
        .filter(prices__pricelist_id=PRICELIST, prices__on_sale=True)
        .values_list("id", flat=True)
    )
    assert set(_section_ids(response, "on_sale")) <= on_sale
    assert len(_section_ids(response, "on_sale")) == min(8, len(on_sale))
    html = response.content.decode()
    assert '<h2 id="new-heading">New arrivals</h2>' in html
    assert '<h2 id="sale-heading">On sale</h2>' in html


def test_home_article_is_cached_per_language(client, centra_sandbox) -> None:
    client.get("/")
    client.get("/")
    assert centra_sandbox.request_counts["POST uri"] == 1
    html = client.get("/sv/").content.decode()
    assert '<h1 id="home-title">Välkommen</h1>' in html
    assert centra_sandbox.request_counts["POST uri"] == 2


def test_home_works_without_centra(client, centra_sandbox) -> None:
    centra_sandbox.faults.down = "refuse"
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Welcome</h1>" in html  # the built-in greeting instead of the CMS article
    assert response.context["article"] is None
    assert response.context["sections"].new_arrivals


def test_home_without_a_home_article(client, centra_sandbox) -> None:
    centra_sandbox.store.db.execute("UPDATE cms_articles SET is_home = 0")
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["article"] is None
