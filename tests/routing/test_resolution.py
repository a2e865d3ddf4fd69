"""The catch-all: product beats category beats CMS article beats Centra's fallback, canonical
product URLs, language prefixes, and friendly answers when nothing (or Centra) answers."""

from __future__ import annotations

import json

import pytest

from catalog.models import Category, Product, ProductMarket, ProductText
from tests.routing.helpers import ids, in_category

pytestmark = pytest.mark.django_db

BLAZER = "/womens/jackets/relaxed-blazer-brown"


def _sandbox_article(sandbox, article_id: int, uri: str, title: str, parts: list) -> None:
    db = sandbox.store.db
    db.execute("INSERT INTO cms_articles VALUES (?, ?, 1, 0)", (article_id, uri))
    db.execute(
        "INSERT INTO cms_texts VALUES (?, 'en', ?, ?, ?, ?)",
        (article_id, title, f"{title} | Demo", title, json.dumps(parts)),
    )


# -- products and canonical URLs -------------------------------------------------------------


def test_canonical_product_url_serves_the_product_without_asking_centra(
    client, centra_sandbox
) -> None:
    response = client.get(BLAZER)
    assert response.status_code == 200
    assert response.context["product"].card.id == 101
    assert centra_sandbox.request_counts["*"] == 0


def test_bare_product_uri_redirects_permanently_to_the_canonical_url(client) -> None:
    response = client.get("/relaxed-blazer-brown?utm_source=mail")
    assert response.status_code == 301
    assert response["Location"] == BLAZER + "?utm_source=mail"


def test_a_trailing_slash_redirects_to_the_one_url_of_the_page(client) -> None:
    response = client.get("/sv/womens/shoes/?sort=name")
    assert response.status_code == 301
    assert response["Location"] == "/sv/womens/shoes?sort=name"


def test_product_under_another_of_its_categories_redirects_to_the_canonical_url(client) -> None:
    response = client.get("/womens/relaxed-blazer-brown")  # 101 is placed in womens too
    assert response.status_code == 301
    assert response["Location"] == BLAZER


def test_product_under_a_category_it_is_not_in_is_not_found(client) -> None:
    response = client.get("/mens/shoes/relaxed-blazer-brown")
    assert response.status_code == 404


def test_language_prefix_is_kept_through_the_canonical_redirect(client) -> None:
    response = client.get("/sv/relaxed-blazer-brown")
    assert response.status_code == 301
    assert response["Location"] == "/sv" + BLAZER
    response = client.get("/sv" + BLAZER)
    assert response.status_code == 200
    assert response.context["product"].card.name == "Avslappnad Kavaj"
    assert client.get("/en" + BLAZER)["Location"] == BLAZER  # the default language is unprefixed


def test_product_not_sold_in_the_shoppers_market_is_not_found_locally(
    client, centra_sandbox
) -> None:
    # 102 exists only in markets 2 and 3; the visitor shops in market 1. The copy is fresh and
    # knows /mens/jeans: no need to ask Centra.
    response = client.get("/mens/jeans/fjall-loose-jeans-blue")
    assert response.status_code == 404
    assert centra_sandbox.request_counts["*"] == 0


def test_a_stale_copy_asks_centra_about_a_path_under_a_known_category(
    client, centra_sandbox, settings
) -> None:
    settings.CATALOG_SYNC_STALE_MINUTES = 0  # the last full sync is too old to trust
    response = client.get("/mens/jeans/fjall-loose-jeans-blue")
    assert response.status_code == 404
    assert centra_sandbox.request_counts["POST uri"] == 2  # article, then fallback


# -- resolution order -------------------------------------------------------------------------


def test_product_beats_category(client) -> None:
    # A product whose canonical URL is the same path as the womens/shoes category.
    product = Product.objects.create(id=9001, uri="shoes", category=Category.objects.get(id=41))
    ProductMarket.objects.create(product=product, market_id=1)
    ProductText.objects.create(product=product, language_id="en", name="Shoes, the product")
    response = client.get("/womens/shoes")
    assert response.status_code == 200
    assert response.context["product"].card.id == 9001


def test_category_beats_cms_article(client, centra_sandbox) -> None:
    _sandbox_article(centra_sandbox, 90, "womens", "Womens article", [])
    response = client.get("/womens")
    assert response.status_code == 200
    assert response.context["category"].id == 41
    assert centra_sandbox.request_counts["POST uri"] == 0


def test_cms_article_beats_centras_fallback(client, centra_sandbox) -> None:
    # Centra also holds a product at /about that the local copy does not know by that URI.
    centra_sandbox.store.db.execute("UPDATE products SET uri = 'about' WHERE id = 101")
    response = client.get("/about")
    assert response.status_code == 200
    assert response.context["article"].title == "About us"
    assert centra_sandbox.request_counts["POST uri"] == 1  # the article; no fallback call


def test_a_fresh_copy_answers_an_unknown_product_under_a_known_category_itself(
    client, centra_sandbox
) -> None:
    Product.objects.filter(id=115).delete()
    assert client.get("/womens/shoes/creme-loafer-brown").status_code == 404
    assert client.get("/womens/shoes/no-such-shoe").status_code == 404
    assert centra_sandbox.request_counts["*"] == 0


def test_fallback_serves_a_product_the_local_copy_does_not_hold(
    client, centra_sandbox, settings
) -> None:
    settings.CATALOG_SYNC_STALE_MINUTES = 0  # a stale copy may lack what Centra has
    Product.objects.filter(id=115).delete()  # created in Centra, not synced yet
    response = client.get("/womens/shoes/creme-loafer-brown")
    assert response.status_code == 200
    detail = response.context["product"]
    assert (detail.card.id, detail.card.name, detail.card.price_text) == (
        115,
        "Crème Loafer",
        "399.00 SEK",
    )
    assert centra_sandbox.request_counts["POST uri"] == 2
    assert not Product.objects.filter(id=115).exists()  # nothing written to the local copy


def test_fallback_serves_a_category_the_local_copy_does_not_hold(client, centra_sandbox) -> None:
    expected = ids(in_category("sale"))
    Category.objects.filter(id=55).delete()
    response = client.get("/sale")
    assert response.status_code == 200
    assert response.context["category"].name == "Sale"
    listing = response.context["listing"]
    assert listing.total == len(expected) == 11
    assert {card.id for card in listing.products} == expected
    assert not Category.objects.filter(id=55).exists()


def test_the_fallback_bare_product_uri_redirects_too(client, centra_sandbox) -> None:
    Product.objects.filter(id=115).delete()
    response = client.get("/creme-loafer-brown")
    assert response.status_code == 301
    assert response["Location"] == "/womens/shoes/creme-loafer-brown"


# -- nothing there ----------------------------------------------------------------------------


def test_unknown_path_is_the_friendly_404(client, centra_sandbox) -> None:
    response = client.get("/no/such/thing")
    html = response.content.decode()
    assert response.status_code == 404
    assert "We couldn't find that page" in html
    assert "Traceback" not in html


def test_unknown_paths_are_remembered_briefly_so_centra_is_asked_once(
    client, centra_sandbox
) -> None:
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/no-such-page").status_code == 404
    assert centra_sandbox.request_counts["POST uri"] == 2  # article + fallback, once


def test_unknown_path_while_centra_is_down_is_a_friendly_503(client, centra_sandbox) -> None:
    centra_sandbox.faults.down = "refuse"
    response = client.get("/no-such-page")
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "This page is temporarily unavailable" in html
    assert "Traceback" not in html
    # A catalog page still works meanwhile.
    assert client.get(BLAZER).status_code == 200


def test_centra_is_not_asked_again_right_after_it_failed(client, centra_sandbox) -> None:
    centra_sandbox.faults.down = "503"
    assert client.get("/no-such-page").status_code == 503
    asked = centra_sandbox.request_counts["POST uri"]
    assert client.get("/another-page").status_code == 503
    assert centra_sandbox.request_counts["POST uri"] == asked


def test_catch_all_answers_only_safe_methods(client) -> None:
    assert client.post("/womens").status_code == 405


# -- CMS articles ----------------------------------------------------------------------------


def test_cms_article_renders_its_typed_blocks(client, centra_sandbox) -> None:
    parts = [
        {"type": "text", "html": "<p>Hello <em>there</em></p>"},
        {"type": "image", "url": "/media/standard/lookbook.svg", "alt": "The lookbook"},
        {"type": "video", "url": "https://example.com/v.mp4"},
        {"type": "products", "products": ["115", "102", "116"]},
        "not a block",
    ]
    _sandbox_article(centra_sandbox, 91, "lookbook", "Lookbook", parts)
    response = client.get("/lookbook")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="article-title">Lookbook</h1>' in html
    assert '<div class="cms-text"><p>Hello <em>there</em></p></div>' in html
    assert '<img src="/sandbox/media/standard/lookbook.svg" alt="The lookbook"' in html
    assert "v.mp4" not in html  # unknown block types render as nothing
    article = response.context["article"]
    assert [block.type for block in article.blocks] == ["text", "image", "products"]
    # 102 is not sold in the shopper's market: left out of the cards.
    assert [card.id for card in article.blocks[2].cards] == [115, 116]
    assert "<title>Lookbook | Demo | Centra Storefront</title>" in html
    assert '<meta property="og:type" content="article">' in html


def test_cms_article_follows_the_language(client) -> None:
    response = client.get("/sv/customer-service/shipping")
    assert response.status_code == 200
    assert response.context["article"].title == "Frakt"


def test_other_routes_are_not_swallowed_by_the_catch_all(client) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/sandbox/media/standard/p101-1.svg").status_code == 200
    assert client.post("/webhooks/centra/", data={}).status_code != 405
