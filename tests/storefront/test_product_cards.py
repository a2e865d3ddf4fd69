"""``{% product_card %}``: a card's HTML kept per card value and language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from catalog.cards import ProductCard
from storefront.templatetags import product_cards

CARD = ProductCard(
    id=7,
    uri="relaxed-blazer",
    url="/jackets/relaxed-blazer",
    name="Relaxed Blazer",
    brand_name="Acme",
    image_url=None,
    price_text="1 200 kr",
    price_before_discount_text=None,
    discount_percent=0,
    on_sale=False,
    new=False,
    purchasable=True,
    in_stock=False,
)
GRID = Template('{% include "includes/product_grid.html" with cards=cards heading_id="h" %}')


@pytest.fixture(autouse=True)
def forget_cards() -> Iterator[None]:
    product_cards._kept.cache_clear()
    yield
    product_cards._kept.cache_clear()


def items(html: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", html, re.DOTALL)


def grid(*cards: ProductCard, language: str = "en") -> str:
    with translation.override(language):
        return GRID.render(Context({"cards": cards}))


def test_a_card_is_rendered_once_and_its_html_served_again() -> None:
    first = grid(CARD)
    again = grid(CARD, replace(CARD))  # an equal card, as the next page's query builds it

    assert items(again) == items(first) * 2
    info = product_cards._kept.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_the_html_is_the_card_templates_own() -> None:
    html = grid(CARD)
    assert '<article class="product-card" data-product="7">' in html
    assert '<a class="product-card-link" href="/jackets/relaxed-blazer">' in html
    assert '<span class="price-now">1 200 kr</span>' in html
    assert "Out of stock" in html
    assert html.count("<li>") == 1


def test_a_changed_card_is_rendered_anew() -> None:
    grid(CARD)
    cheaper = replace(CARD, price_text="900 kr", price_before_discount_text="1 200 kr")
    back = replace(CARD, in_stock=True)

    html = grid(cheaper, back)

    assert '<span class="price-now price-sale">900 kr</span>' in html
    assert '<s class="price-before">1 200 kr</s>' in html
    assert html.count("Out of stock") == 1  # the card back in stock says nothing
    assert product_cards._kept.cache_info().misses == 3


def test_each_language_gets_its_own_html() -> None:
    english = grid(CARD, language="en")
    swedish = grid(CARD, language="sv")
    german = grid(CARD, language="de")

    assert "Out of stock" in english
    assert "Slut i lager" in swedish
    assert "Out of stock" not in swedish
    assert "Out of stock" not in german
    assert grid(CARD, language="en") == english


@override_settings(DEBUG=True)
def test_with_debug_on_every_card_is_rendered_afresh() -> None:
    grid(CARD)
    grid(CARD)
    assert product_cards._kept.cache_info().currsize == 0
