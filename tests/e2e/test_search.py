"""A shopper searches in a real browser: the search box suggests while they type (the
progressive enhancement of static/js/search.js), a typo is corrected, a dead end offers
"did you mean"."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("synced_catalog")
def test_the_search_box_suggests_categories_and_products_while_typing(page, live_server) -> None:
    page.goto(live_server.url + "/search")
    box = page.locator("#search-q")

    box.press_sequentially("jack", delay=30)

    suggestions = page.locator(".search-suggestions")
    suggestions.get_by_role("link", name="Womens / Jackets").wait_for()
    assert suggestions.is_visible()
    assert suggestions.get_by_role("link", name=re.compile("Jacket")).count() >= 2
    suggestions.get_by_role("link", name="Womens / Jackets").click()
    page.wait_for_url(re.compile(r"/womens/jackets$"))


@pytest.mark.usefixtures("synced_catalog")
def test_a_typo_is_corrected_and_a_dead_end_offers_did_you_mean(page, live_server) -> None:
    page.goto(live_server.url + "/search")
    page.locator("#search-q").fill("parkas")
    page.locator("#search-q").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=parkas$"))
    parkas = page.locator(".product-card").count()
    assert parkas > 0

    page.goto(live_server.url + "/search?q=drbey")
    page.get_by_role("link", name="derby").click()
    page.wait_for_url(re.compile(r"/search\?q=derby$"))
    assert page.locator(".product-card").count() > 0
