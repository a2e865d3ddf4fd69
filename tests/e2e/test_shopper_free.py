"""Catalog pages are the same for every shopper (a shared cache may keep them); in a real browser
static/js/site.js fills in what is the shopper's own from /shopper/state: the cart count, the
customer's name and menu, the messages and the forms' CSRF tokens. Without JavaScript the forms
still work (storefront.same_origin: Chromium sends Origin and Sec-Fetch-Site)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from centra_sandbox import Sandbox
from tests.cart.helpers import buyable_items, product_url
from tests.e2e.shopper import add_to_cart

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("synced_catalog", "one_request_at_a_time"),
]

ACCOUNT = re.compile(r"/account/$")


def ready(page: Page) -> None:
    """The page's script has filled the page in."""
    page.wait_for_selector("html[data-shopper-state-ready]", state="attached")


def test_add_to_cart_on_a_product_page_shows_the_count_and_the_message(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    [item] = buyable_items(1)

    add_to_cart(page, live_server.url, item)  # count 0 -> 1 and "Added ... to your cart."

    # Every token field of the page was filled in, and the next page knows the count too.
    tokens = page.locator("input[data-csrf-token]")
    assert tokens.count() >= 3  # add to cart, the switcher twice, the newsletter
    assert all(len(tokens.nth(i).input_value()) == 64 for i in range(tokens.count()))
    page.goto(live_server.url + "/womens")
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    expect(page.locator("[data-cart-count]")).to_have_attribute("aria-label", "1 item")


def test_a_signed_in_customers_name_and_menu_appear_on_a_catalog_page(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_label("First name").fill("Ann")
    page.get_by_label("Last name").fill("Lee")
    page.get_by_label("I have read the privacy policy").check()
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(ACCOUNT)

    page.goto(live_server.url + "/womens")
    expect(page.locator("[data-account-name]")).to_have_text("Ann")
    expect(page.locator("[data-account-link]")).to_have_count(0)

    # The menu's sign-out form (from the page's <template>) posts with its filled token.
    page.locator("[data-account-name]").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.locator("[data-messages]")).to_contain_text("You are signed out.")
    expect(page.locator(".account-link")).to_have_text("Sign in")


def test_the_switcher_and_the_newsletter_work_from_a_catalog_page(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    page.goto(live_server.url + "/womens")
    ready(page)
    page.get_by_label("Get our newsletter").fill("reader@example.com")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(live_server.url + "/womens")
    expect(page.locator("[data-messages]")).to_have_text(
        "Thank you! You are signed up for the newsletter."
    )
    assert centra_sandbox.request_counts["POST newsletter-subscription/{email}"] == 1

    ready(page)
    page.locator(".locale-menu summary").click()
    panel = page.locator(".locale-panel")
    panel.get_by_label("Country").select_option("DE")
    panel.get_by_label("Language").select_option("de")
    panel.get_by_role("button", name="Update").click()

    page.wait_for_url(live_server.url + "/de/womens")
    expect(page.locator(".locale-current")).to_have_text("DE · DE")
    # The next catalog page asks nothing again: the messages were shown once.
    expect(page.locator("[data-messages]")).to_be_hidden()


def test_without_javascript_add_to_cart_and_the_newsletter_still_work(
    browser, live_server, centra_sandbox: Sandbox
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    try:
        [item] = buyable_items(1)
        # No script: the token fields stay empty, and the browser's Origin is the proof.
        page.goto(live_server.url + product_url(item))
        assert page.locator("#add-to-cart input[data-csrf-token]").input_value() == ""

        add_to_cart(page, live_server.url, item, js=False)  # lands on the cart page

        expect(page.locator(".cart-line-name")).to_have_count(1)
        page.goto(live_server.url + "/womens")
        page.get_by_label("Get our newsletter").fill("reader@example.com")
        page.get_by_role("button", name="Sign up").click()
        page.wait_for_url(live_server.url + "/womens")
        assert centra_sandbox.request_counts["POST newsletter-subscription/{email}"] == 1
    finally:
        context.close()
