"""Product pages: texts, gallery, price and badges, sizes with stock, variants and related
products, breadcrumbs, SEO (title, canonical, hreflang, Open Graph, JSON-LD)."""

from __future__ import annotations

import pytest

from catalog.models import ProductPrice
from tests.routing.helpers import jsonld
from tests.shopper_state import set_shopper_cookie

pytestmark = pytest.mark.django_db

BLAZER = "/womens/jackets/relaxed-blazer-brown"  # 101: full price 2 999 SEK, every size in stock
DERBY = "/mens/shoes/urban-derby-black"  # 118: on sale 799 -> 719 SEK, size 43 sold out
SNEAKER = "/womens/shoes/fjall-sneaker-brown"  # 106: new, every size sold out
LOAFER = "/womens/shoes/creme-loafer-brown"  # 115: variants 116, 117


def test_product_page_shows_name_texts_price_and_gallery(client) -> None:
    response = client.get(BLAZER)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="product-name">Relaxed Blazer</h1>' in html
    assert '<p class="product-brand">Björnstad</p>' in html
    assert '<span class="price-now">2 999.00 SEK</span>' in html
    assert '<div class="product-excerpt"><p>Relaxed Blazer in brown.</p></div>' in html
    assert 'alt="Relaxed Blazer"' in html
    assert 'alt="Relaxed Blazer (image 2)"' in html
    assert '<img src="/sandbox/media/standard/p101-1.svg"' in html


def test_sale_price_shows_the_price_before_discount_and_a_badge(client) -> None:
    html = client.get(DERBY).content.decode()
    info = html.split('<div class="product-info">')[1]
    assert '<span class="price-now price-sale">719.00 SEK</span>' in info
    assert '<s class="price-before">799.00 SEK</s>' in info
    assert '<li class="badge badge-sale">Sale \u221210%</li>' in info


def test_new_badge(client) -> None:
    info = client.get(SNEAKER).content.decode().split('<div class="product-info">')[1]
    assert '<li class="badge badge-new">New</li>' in info
    assert "badge-sale" not in info


def test_sizes_are_labelled_radios_and_sold_out_ones_are_disabled(client) -> None:
    html = client.get(DERBY).content.decode()
    sizes = html.split('<fieldset class="sizes">')[1].split("</fieldset>")[0]
    assert "<legend>Size</legend>" in sizes
    assert (
        '<input type="radio" form="add-to-cart" name="item" id="size-118-43" value="118-43"'
        " disabled>" in sizes
    )
    assert '<label for="size-118-43">43' in sizes
    assert (
        '<input type="radio" form="add-to-cart" name="item" id="size-118-44" value="118-44">'
        in sizes
    )
    assert sizes.count(" disabled>") == 1
    assert "Out of stock" in sizes
    assert "In stock" in sizes


def test_a_sold_out_product_has_every_size_disabled(client) -> None:
    sizes = client.get(SNEAKER).content.decode().split('<fieldset class="sizes">')[1]
    sizes = sizes.split("</fieldset>")[0]
    assert sizes.count('type="radio"') == sizes.count(" disabled>") == 6


def test_variants_and_related_products(client) -> None:
    response = client.get(LOAFER)
    detail = response.context["product"]
    assert [card.id for card in detail.variants] == [116, 117]
    assert [card.id for card in detail.related] == [136, 152]
    html = response.content.decode()
    assert '<h2 id="variants-heading">Other colours</h2>' in html
    assert '<a class="product-card-link" href="/womens/shoes/creme-loafer-green">' in html


def test_the_buying_form_takes_the_size_radios_and_works_without_javascript(client) -> None:
    html = client.get(BLAZER).content.decode()
    product = html.split('<article class="product"')[1].split("</article>")[0]
    form = product.split('<form id="add-to-cart"')[1].split("</form>")[0]
    assert 'method="post" action="/cart/add"' in form
    # No token in a page a shared cache may keep: site.js fills the field, and a post without
    # it is still safe (storefront.same_origin).
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="" data-csrf-token>' in form
    assert f'<input type="hidden" name="next" value="{BLAZER}">' in form
    assert '<input type="radio" form="add-to-cart" name="item"' in product
    # Progressive enhancement only: the script is deferred and the form posts without it.
    assert '<script src="/static/js/cart.js" defer></script>' in html


def test_breadcrumbs_lead_to_the_category(client) -> None:
    html = client.get(BLAZER).content.decode()
    crumbs = html.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert '<a href="/womens">Womens</a>' in crumbs
    assert '<a href="/womens/jackets">Jackets</a>' in crumbs
    assert '<span aria-current="page">Relaxed Blazer</span>' in crumbs


def test_title_description_canonical_and_open_graph(client) -> None:
    html = client.get(BLAZER).content.decode()
    url = "http://testserver" + BLAZER
    assert "<title>Relaxed Blazer | Centra Storefront</title>" in html
    assert '<meta name="description" content="Relaxed Blazer in brown.">' in html
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="og:type" content="product">' in html
    assert '<meta property="og:title" content="Relaxed Blazer">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert (
        '<meta property="og:image" content="http://testserver/sandbox/media/standard/p101-1.svg">'
        in html
    )


def test_hreflang_alternates_for_every_language_and_x_default(client) -> None:
    html = client.get("/sv" + BLAZER).content.decode()
    for code, prefix in [("en", ""), ("de", "/de"), ("sv", "/sv"), ("x-default", "")]:
        link = f'<link rel="alternate" hreflang="{code}" href="http://testserver{prefix}{BLAZER}">'
        assert link in html
    assert f'<link rel="canonical" href="http://testserver/sv{BLAZER}">' in html
    assert '<h1 id="product-name">Avslappnad Kavaj</h1>' in html
    assert '<html lang="sv">' in html


def test_json_ld_product_with_offer_and_breadcrumbs(client) -> None:
    product, crumbs = jsonld(client.get(DERBY).content.decode())
    assert product["@context"] == "https://schema.org"
    assert product["@type"] == "Product"
    assert product["name"] == "Urban Derby"
    assert product["url"] == "http://testserver" + DERBY
    assert product["image"][0] == "http://testserver/sandbox/media/standard/p118-1.svg"
    offer = product["offers"]
    assert offer["@type"] == "Offer"
    assert offer["price"] == "719.00"
    assert offer["priceCurrency"] == "SEK"
    assert offer["availability"] == "https://schema.org/InStock"
    assert crumbs["@type"] == "BreadcrumbList"
    assert [(i["position"], i["name"], i["item"]) for i in crumbs["itemListElement"]] == [
        (1, "Mens", "http://testserver/mens"),
        (2, "Shoes", "http://testserver/mens/shoes"),
        (3, "Urban Derby", "http://testserver" + DERBY),
    ]


def test_json_ld_of_a_sold_out_product_says_out_of_stock(client) -> None:
    product = jsonld(client.get(SNEAKER).content.decode())[0]
    assert product["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert product["offers"]["price"] == "1999.00"


def test_json_ld_of_a_product_without_a_price_has_no_offer(client) -> None:
    ProductPrice.objects.filter(product_id=101, pricelist_id=1).delete()
    html = client.get(BLAZER).content.decode()
    assert "offers" not in jsonld(html)[0]
    assert "Not available to buy in your country" in html


def test_json_ld_cannot_be_closed_by_catalog_text(client) -> None:
    from catalog.models import ProductText

    ProductText.objects.filter(product_id=101, language_id="en").update(
        name="Blazer </script><script>alert(1)</script>"
    )
    html = client.get(BLAZER).content.decode()
    assert "<script>alert(1)" not in html
    assert jsonld(html)[0]["name"] == "Blazer </script><script>alert(1)</script>"


def test_prices_follow_the_shoppers_pricelist(client) -> None:
    set_shopper_cookie(client, choices={"country": "DE", "state": None, "language": "en"})
    html = client.get(BLAZER).content.decode()
    product = jsonld(html)[0]
    assert product["offers"]["priceCurrency"] == "EUR"
    price = ProductPrice.objects.get(product_id=101, pricelist_id=2)
    assert price.price_text.startswith("€")
    assert f'<span class="price-now">{price.price_text}</span>' in html
