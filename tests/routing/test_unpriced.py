"""Products without a price in the shopper's pricelist: listed by default (as Centra lists
them, ``price: null``) but never offered for sale; hidden from listings, search and the home
page's rows with ``CATALOG_HIDE_UNPRICED``."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from catalog.models import Item, ProductPrice
from tests.routing.helpers import PRICELIST, card_ids

pytestmark = pytest.mark.django_db

LOAFER = "/womens/shoes/creme-loafer-brown"  # 115, every size in stock
SHOES = "/womens/shoes"  # 106, 115, 116, 117


def _unprice(product_id: int) -> None:
    assert ProductPrice.objects.filter(product_id=product_id, pricelist_id=PRICELIST).delete()[0]


def _home_ids(client) -> set[int]:
    cache.clear()  # the page cache would answer the second visit without rendering
    sections = client.get("/").context["sections"]
    return {card.id for card in (*sections.new_arrivals, *sections.on_sale)}


def test_page_of_an_unpriced_product_says_nothing_about_stock_and_has_no_buy_button(
    client,
) -> None:
    Item.objects.filter(product_id=115).update(stock="yes", stock_state="in_stock")
    _unprice(115)
    html = client.get(LOAFER).content.decode()
    sizes = html.split('<fieldset class="sizes">')[1].split("</fieldset>")[0]
    assert "In stock" not in sizes
    assert 'class="stock-state"' not in sizes
    # Every size is there to read, none can be chosen.
    count = Item.objects.filter(product_id=115).count()
    assert sizes.count('type="radio"') == sizes.count(" disabled>") == count > 0
    assert "This product cannot be bought in your country." in html
    assert "Add to cart" not in html
    assert "Not available to buy in your country" in html


def test_page_of_a_priced_product_keeps_its_stock_labels(client) -> None:
    html = client.get(LOAFER).content.decode()
    sizes = html.split('<fieldset class="sizes">')[1].split("</fieldset>")[0]
    assert "In stock" in sizes
    assert "Add to cart" in html


def test_card_of_an_unpriced_sold_out_product_says_only_that_it_is_not_sold_here(
    client,
) -> None:
    Item.objects.filter(product_id=115).update(stock="0", stock_state="out_of_stock")
    _unprice(115)
    html = client.get(SHOES).content.decode()
    card = html.split('data-product="115"')[1].split("</article>")[0]
    assert "Not available to buy in your country" in card
    assert "Out of stock" not in card


def test_unpriced_products_stay_listed_by_default(client) -> None:
    _unprice(115)
    assert 115 in card_ids(client.get(SHOES))
    assert 115 in card_ids(client.get("/search?q=loafer"))


def test_hide_setting_removes_unpriced_products_from_listings_and_search(client, settings) -> None:
    settings.CATALOG_HIDE_UNPRICED = True
    _unprice(115)
    category = client.get(SHOES)
    assert sorted(card_ids(category)) == [106, 116, 117]
    assert category.context["listing"].total == 3
    assert sorted(card_ids(client.get("/search?q=loafer"))) == [116, 117]
    # The product's own page still answers (a shared link keeps working), not for sale.
    page = client.get(LOAFER)
    assert page.status_code == 200
    assert "Add to cart" not in page.content.decode()


def test_home_rows_show_only_products_priced_in_the_shoppers_pricelist(client, settings) -> None:
    # "New" and "on sale" are flags of a product's price in a pricelist (Centra's showAsNew and
    # showAsOnSale), so an unpriced product is in neither row, with or without the setting.
    shown = _home_ids(client)
    assert shown
    hidden = min(shown)
    _unprice(hidden)
    assert hidden not in _home_ids(client)
    settings.CATALOG_HIDE_UNPRICED = True
    rows = _home_ids(client)
    assert hidden not in rows
    priced = set(
        ProductPrice.objects.filter(pricelist_id=PRICELIST, product_id__in=rows).values_list(
            "product_id", flat=True
        )
    )
    assert priced == rows
