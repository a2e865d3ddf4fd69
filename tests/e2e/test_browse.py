"""A shopper browses in a real browser: home -> category -> filter -> product, then switches
country and language and sees the price in the new currency and the texts in the new language.
Keyboard and no-JavaScript paths are exercised on the way."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("synced_catalog")
def test_browse_filter_open_a_product_and_switch_country_and_language(page, live_server) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Welcome"

    page.locator(".category-tiles").get_by_role("link", name="Womens").click()
    page.wait_for_url(re.compile(r"/womens$"))
    assert page.locator("h1").inner_text() == "Womens"
    page.get_by_role("navigation", name="Subcategories").get_by_role("link", name="Shoes").click()
    page.wait_for_url(re.compile(r"/womens/shoes$"))
    assert page.locator(".product-card").count() == 4

    # Filter with the keyboard only: focus the brand checkbox, tick it, submit the form.
    page.get_by_label(re.compile(r"^Kestrel")).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Apply").press("Enter")
    page.wait_for_url(re.compile(r"/womens/shoes\?.*\bbrand=6\b"))
    assert page.locator(".product-card").count() == 3
    assert page.get_by_label(re.compile(r"^Kestrel")).is_checked()

    page.locator('.product-card[data-product="115"] a.product-card-link').click()
    page.wait_for_url(re.compile(r"/womens/shoes/creme-loafer-brown$"))
    assert page.locator("h1").inner_text() == "Crème Loafer"
    assert page.locator(".product-info .price-now").inner_text() == "399.00 SEK"
    # Sizes are labelled radios; a sold-out one cannot be chosen.
    assert page.get_by_role("radio", name=re.compile(r"^37")).is_enabled()

    page.locator(".locale-menu summary").click()  # the header's compact country/language control
    page.select_option("#switcher-country", "DE")
    page.select_option("#switcher-language", "de")
    page.locator(".locale-menu").get_by_role("button", name="Update").click()
    page.wait_for_url(re.compile(r"/de/womens/shoes/creme-loafer-brown$"))
    price = page.locator(".product-info .price-now").inner_text()
    assert price.startswith("€"), price
    assert page.locator("html").get_attribute("lang") == "de"
    # The interface is German too, down to the breadcrumbs' label.
    breadcrumbs = page.get_by_role("navigation", name="Brotkrümelnavigation")
    assert (
        breadcrumbs.get_by_role("link", name="Schuhe").get_attribute("href") == "/de/womens/shoes"
    )


@pytest.mark.usefixtures("synced_catalog")
def test_shop_pages_work_without_javascript_and_fit_a_phone(browser, live_server) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/womens/shoes?sort=price_asc")
        assert page.locator(".product-card").count() == 4
        page.locator(".filters-toggle").click()  # the "Filter" button opens the facets
        page.get_by_label(re.compile(r"^In stock only")).check()
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url(re.compile(r"in_stock=1"))
        assert page.locator(".product-card").count() == 3
        # The filters sit above the grid on a phone; nothing overflows sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.goto(live_server.url + "/search?q=loafer")
        assert page.locator(".product-card").count() == 3
    finally:
        context.close()
