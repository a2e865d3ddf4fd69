"""Customer accounts in a real browser: register, shop, sign out and in again with the cart
kept, buy, and find the order in the history; a password reset through the link in the
sandbox's email outbox; a product saved to the wishlist and listed on the account page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from centra_sandbox import Sandbox
from tests.cart.helpers import buyable_items, product_url
from tests.e2e.shopper import (
    add_to_cart,
    fill_checkout,
    order_numbers,
    pay,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("synced_catalog", "one_request_at_a_time"),
]

EMAIL = "ann@example.com"
PASSWORD = "correct horse battery"
RECEIPT = re.compile(r"/checkout/receipt/[0-9a-f-]{36}/$")
ACCOUNT = re.compile(r"/account/$")


def register(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("First name").fill("Ann")
    page.get_by_label("Last name").fill("Lee")
    page.get_by_label("I have read the privacy policy").check()
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(ACCOUNT)
    expect(page.locator("[data-account-name]")).to_have_text("Ann")


def sign_out(page: Page) -> None:
    page.locator("[data-account-name]").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".account-link")).to_have_text("Sign in")


def sign_in(page: Page, password: str = PASSWORD) -> None:
    page.locator(".account-link").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_register_shop_sign_out_and_in_the_cart_is_back_buy_and_see_the_order(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    [item] = buyable_items(1)
    register(page, live_server.url)
    name = add_to_cart(page, live_server.url, item)

    sign_out(page)
    expect(page.locator("[data-cart-count]")).to_have_text("0")
    sign_in(page)
    page.wait_for_url(ACCOUNT)
    expect(page.locator("[data-account-name]")).to_have_text("Ann")
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    page.locator(".cart-link").click()
    expect(page.locator(".cart-line-name")).to_have_text(name)

    page.goto(live_server.url + "/checkout/")
    fill_checkout(page, "sandbox-direct")
    pay(page)
    page.wait_for_url(RECEIPT)
    [number] = order_numbers(centra_sandbox)

    page.locator("[data-account-name]").click()
    page.get_by_role("link", name="Orders").first.click()
    row = page.locator(f'[data-order="{number}"]')
    expect(row).to_be_visible()
    row.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_have_text(f"Order {number}")
    expect(page.locator(".order-lines")).to_contain_text(name)


def test_password_reset_through_the_link_in_the_outbox(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    register(page, live_server.url)
    sign_out(page)

    page.locator(".account-link").click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("[data-reset-sent]")).to_be_visible()
    [row] = centra_sandbox.store.all("SELECT link FROM outbox_emails WHERE recipient = ?", (EMAIL,))
    link = urlsplit(row["link"])
    # The sandbox's frontend URL is the dev server's; the link's path and query are the shop's.
    page.goto(f"{live_server.url}{link.path}?{link.query}")
    page.locator('[name="newPassword"]').fill("a brand new password")
    page.get_by_role("button", name="Save and sign in").click()

    page.wait_for_url(ACCOUNT)
    expect(page.locator(".messages")).to_contain_text("Your password is changed")
    expect(page.locator("[data-account-name]")).to_have_text("Ann")
    sign_out(page)
    sign_in(page, "a brand new password")
    page.wait_for_url(ACCOUNT)


def test_a_product_saved_to_the_wishlist_is_listed_on_the_account_page(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    [item] = buyable_items(1)
    register(page, live_server.url)

    page.goto(live_server.url + product_url(item))
    name = page.locator("#product-name").inner_text()
    page.get_by_role("button", name="Save to wishlist").click()
    expect(page.locator(".messages")).to_contain_text("Saved to your wishlist.")
    page.locator("[data-account-name]").click()
    page.get_by_role("link", name="Wishlist").first.click()

    expect(page.locator(".wishlist .product-card-name")).to_have_text(name)
