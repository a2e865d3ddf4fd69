"""The layout in a real browser, on a desktop (1280 px) and a phone (390 px): the header (logo,
categories, search, the compact country/language control, cart), the listing's "Filter" button
and sort, the footer's links; and a screenshot of every page type at both sizes, saved to
``screenshots/`` (README: Tests) for people to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Product
from tests.cart.helpers import buyable_items, product_url
from tests.e2e.shopper import fill_checkout
from tests.processes import BASE_DIR

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": 1280, "phone": 390}
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or BASE_DIR / "screenshots")


def fits(page: Page, width: int) -> None:
    """Nothing overflows the viewport sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def inside_viewport(page: Page, selector: str, width: int) -> None:
    """Every element of ``selector`` is shown whole, within the screen's width."""
    boxes = [
        page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())
    ]
    assert boxes, selector
    for box in boxes:
        assert box is not None, selector
        assert box["width"] > 0, selector
        assert box["x"] >= 0, (selector, box)
        assert box["x"] + box["width"] <= width + 0.5, (selector, box)


@pytest.mark.parametrize("size", SIZES)
def test_header_shows_logo_categories_search_locale_and_cart(
    browser, live_server, synced_catalog, size: str
) -> None:
    width = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        header = page.locator(".site-header")
        expect(header.locator(".brand")).to_be_visible()
        # Every category link shows whole: none clipped, none scrolled out of sight.
        expect(header.locator(".nav-list a")).to_have_count(4)
        inside_viewport(page, ".nav-list a", width)
        search = header.get_by_role("search")
        expect(search.get_by_role("searchbox")).to_be_visible()
        inside_viewport(page, ".header-search button", width)
        expect(header.locator(".cart-link")).to_be_visible()
        # Country and language: one compact control; its form shows only when opened.
        control = header.locator(".locale-menu summary")
        expect(control).to_have_text(re.compile(r"SE · EN"))
        expect(header.locator("#switcher-country")).to_be_hidden()
        control.click()
        expect(header.locator("#switcher-country")).to_be_visible()
        inside_viewport(page, ".locale-panel", width)
        fits(page, width)
        # Search from the header.
        control.click()
        search.get_by_role("searchbox").fill("loafer")
        search.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"/search\?q=loafer$"))
        expect(page.locator(".product-card")).to_have_count(3)
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_listing_filters_and_sort(
    browser, live_server, synced_catalog, size: str, javascript: bool
) -> None:
    width = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": 800}, java_script_enabled=javascript
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/womens/shoes")
        first_card = page.locator(".product-card").first
        facets = page.locator("form.facets")
        if size == "phone":
            # Products first: the facets wait behind the "Filter" button, which needs no script.
            expect(facets).to_be_hidden()
            assert first_card.bounding_box()["y"] < 800
            page.locator(".filters-toggle").click()
        else:
            expect(page.locator(".filters-toggle")).to_be_hidden()
        expect(facets).to_be_visible()
        page.get_by_label(re.compile(r"^Kestrel")).check()
        facets.get_by_role("button", name="Apply").click()
        page.wait_for_url(re.compile(r"brand=6"))
        expect(page.locator(".product-card")).to_have_count(3)

        # Sorting keeps the filter; with a script it applies on change, without it the button
        # does.
        sort_button = page.locator(".sort-form button")
        if javascript:
            expect(sort_button).to_be_hidden()
            with page.expect_navigation():
                page.select_option("#sort", "price_desc")
        else:
            page.select_option("#sort", "price_desc")
            sort_button.click()
        page.wait_for_url(re.compile(r"brand=6.*sort=price_desc"))
        expect(page.locator("#sort")).to_have_value("price_desc")
        expect(page.locator(".product-card")).to_have_count(3)
        fits(page, width)
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_footer_links_to_cms_pages_and_switches_country(
    browser, live_server, synced_catalog, size: str
) -> None:
    width = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/sv/womens")
        footer = page.locator(".site-footer")
        service = footer.get_by_role("navigation", name="Kundtjänst")
        expect(service.get_by_role("link")).to_have_text(
            ["Frakt och leverans", "Returer", "Om oss"]
        )
        legal = footer.get_by_role("navigation", name="Juridiskt")
        expect(legal.get_by_role("link")).to_have_text(["Köpvillkor", "Integritetspolicy"])
        inside_viewport(page, ".site-footer a", width)
        service.get_by_role("link", name="Om oss").click()
        page.wait_for_url(re.compile(r"/sv/about$"))
        expect(page.locator("h1")).to_have_text("Om oss")
        expect(page).to_have_title("Om oss | Centra Storefront")

        page.select_option("#footer-switcher-country", "DE")
        page.select_option("#footer-switcher-language", "de")
        footer.get_by_role("button", name="Uppdatera").click()
        page.wait_for_url(re.compile(r"/de/about$"))
        expect(page.locator("h1")).to_have_text("Über uns")
        expect(page.locator(".locale-menu summary")).to_have_text(re.compile(r"DE · DE"))
        fits(page, width)
    finally:
        context.close()


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot with every image in it (lazy ones too, as a shopper scrolling
    would see them)."""
    page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
    )
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_screenshots_of_every_page_type(browser, live_server, synced_catalog) -> None:
    """Saves <page>-<size>.png for people to look at; asserts only that each page answered."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    [item] = buyable_items(1)
    # A product without images, to show the placeholder in its place.
    Product.objects.filter(uri="relaxed-blazer-brown").update(media={})
    pages = {
        "home": "/",
        "category": "/womens",
        "category-sorted": "/womens?sort=price_asc",
        "product": product_url(item),
        "cms": "/about",
        "search": "/search?q=shoe",
        "search-nothing": "/search?q=zzzz-no-such-product",
        "product-without-image": "/womens/jackets/relaxed-blazer-brown",
        "category-with-a-product-without-image": "/womens/jackets",
        "404": "/no/such/page",
        "home-de": "/de/",
        "category-sv": "/sv/womens/shoes",
    }
    for size, width in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        try:
            for name, path in pages.items():
                response = page.goto(live_server.url + path)
                assert response is not None, (name, path)
                assert response.status == (404 if name == "404" else 200), (name, path)
                shoot(page, f"{name}-{size}")
            if size == "phone":
                page.goto(live_server.url + "/womens")
                page.locator(".filters-toggle").click()
                page.screenshot(path=SCREENSHOTS / f"category-filters-open-{size}.png")
                page.locator(".locale-menu summary").click()
                page.screenshot(path=SCREENSHOTS / f"locale-menu-open-{size}.png")
            # The cart, the checkout and a receipt.
            page.goto(live_server.url + product_url(item))
            page.locator(f"#size-{item.id}").check()
            page.get_by_role("button", name="Add to cart").click()
            expect(page.locator("[data-cart-count]")).to_have_text("1")
            page.goto(live_server.url + "/cart/")
            shoot(page, f"cart-{size}")
            page.goto(live_server.url + "/checkout/")
            fill_checkout(page, "sandbox-direct")
            shoot(page, f"checkout-{size}")
            with page.expect_navigation():
                page.get_by_role("button", name=re.compile(r"^Pay ")).click()
            expect(page.locator("h1")).to_have_text("Thank you for your order")
            shoot(page, f"receipt-{size}")
        finally:
            context.close()
    assert len(list(SCREENSHOTS.glob("*-phone.png"))) >= len(pages) + 3
