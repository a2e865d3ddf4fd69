"""Public pages carry no per-shopper bytes: a shared cache may hand one shopper's copy to the
next. A shopper with a cart, a signed-in name, a pending message, a session and a CSRF cookie
gets, byte for byte, what a first-time visitor with the same market key cookie gets; the
count, the name, the message and the token come from ``/shopper/state``
(tests/storefront/test_shopper_state.py). Private pages (cart, account) keep showing them
live."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from centra_sandbox import Sandbox
from storefront.session import COOKIE_NAME, MARKET_COOKIE
from tests.accounts.helpers import register
from tests.cart.helpers import add, buyable_items, product_url
from tests.shopper_state import cart_count, choices, page_state

pytestmark = pytest.mark.django_db

# Every kind of public page: home, category, product (filled in per test), CMS, search, 404.
PUBLIC = ["/", "/womens", "/sv/womens", "/about", "/search?q=jeans", "/no-such-page-here"]
TOKEN_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]')
PENDING = "Please enter a valid email address."


@pytest.fixture
def known(client: Client, centra_sandbox: Sandbox) -> Client:
    """A shopper with everything a page could leak: signed in as Ann, two items in the cart,
    a message waiting, a session and a CSRF cookie."""
    [item] = buyable_items(1)
    register(client)
    add(client, item, 2)
    client.get("/shopper/state")  # the CSRF cookie (and the messages so far, consumed)
    # A refused newsletter sign-up lands on a public page: its message waits for the script.
    client.post("/account/newsletter", {"email": "not an email", "next": "/womens"})
    assert cart_count(client) == 2
    assert {"sessionid", "csrftoken", COOKIE_NAME, MARKET_COOKIE} <= set(client.cookies)
    return client


@pytest.fixture
def first_time(known: Client) -> Client:
    """A first-time visitor with the known shopper's market key cookie (what a shared cache
    keys pages on): nothing else of theirs."""
    visitor = Client()
    visitor.cookies[MARKET_COOKIE] = known.cookies[MARKET_COOKIE].value
    assert choices(visitor)["country"] == choices(known)["country"] == "SE"
    return visitor


def public_pages() -> list[str]:
    [item] = buyable_items(1)
    return [*PUBLIC, product_url(item)]


def test_every_public_page_is_byte_identical_for_a_known_shopper_and_a_first_time_visitor(
    known: Client, first_time: Client
) -> None:
    for url in public_pages():
        theirs = first_time.get(url)
        ours = known.get(url)

        assert ours.status_code == theirs.status_code, url
        assert ours.status_code in (200, 404), url
        assert ours.content == theirs.content, url


def test_public_pages_hold_no_token_name_count_or_message_and_set_no_cookie(
    known: Client, first_time: Client
) -> None:
    for client, url in [(c, url) for c in (known, first_time) for url in public_pages()]:
        response = client.get(url)
        html = response.content.decode()

        assert TOKEN_VALUE.search(html) is None, url
        assert 'value="" data-csrf-token' in html or "<form" not in html, url
        assert "Ann" not in html, url
        assert '<span class="cart-count" data-cart-count></span>' in html, url
        assert PENDING not in html, url
        assert '<ul class="messages" role="status" data-messages hidden></ul>' in html, url
        assert response.cookies == {}, (url, response.cookies)
        assert "Cookie" not in response.get("Vary", ""), url
        # What a shared cache may keep (storefront.cache_headers refuses it for a page that
        # set a cookie or varies by one).
        assert response["Cache-Control"].startswith("public, "), url
    # Nothing was shown, so the message still waits: the state endpoint hands it over.
    assert known.get("/shopper/state").json()["messages"] == [{"level": "error", "text": PENDING}]


def test_public_pages_point_their_script_at_the_state_endpoint_in_their_language(
    known: Client,
) -> None:
    english = known.get("/womens")
    swedish = known.get("/sv/womens")

    assert '<body data-shopper-state="/shopper/state">' in english.content.decode()
    assert '<body data-shopper-state="/sv/shopper/state">' in swedish.content.decode()
    state = page_state(swedish)
    assert (state["count"], state["count_label"], state["name"]) == (2, "2 varor", "Ann")
    # A message speaks the language it was written in (the newsletter form's, English).
    assert state["messages"] == [{"level": "error", "text": PENDING}]


def test_private_pages_still_show_the_count_the_name_and_the_messages_themselves(
    known: Client,
) -> None:
    response = known.get("/account/password")
    html = response.content.decode()

    assert "data-shopper-state" not in html
    assert "<summary data-account-name>Ann</summary>" in html
    assert '<span class="cart-count" data-cart-count aria-label="2 items">2</span>' in html
    assert f'<li class="message message-error">{PENDING}</li>' in html
    assert TOKEN_VALUE.search(html) is not None
    # Shown once: the state endpoint has nothing left to show.
    assert known.get("/shopper/state").json()["messages"] == []
