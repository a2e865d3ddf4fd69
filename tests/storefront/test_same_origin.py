"""The forms on cached pages post without a CSRF token when the browser proves it is on this
site; without that proof and without a valid token they change nothing and ask first
(storefront.same_origin). The test client here enforces CSRF checks, as a browser meets them."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Item
from centra_sandbox import Sandbox
from tests.cart.helpers import buyable_items, product_url
from tests.shopper_state import cart_count, choices

pytestmark = pytest.mark.django_db

ADD = "/cart/add"
SWITCH = "/shopper/location"
OWN_ORIGIN = "http://testserver"
EVIL = "https://evil.example"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def item(db: None) -> Item:
    return buyable_items(1)[0]


def form(item: Item) -> dict[str, object]:
    """What the product page's form posts (its token field empty: no script yet)."""
    return {"item": item.id, "quantity": 1, "next": product_url(item), "csrfmiddlewaretoken": ""}


def label(item: Item) -> str:
    return f"{item.product.texts.get(language_id='en').name}, {item.name}"


def test_a_same_origin_browser_adds_to_the_cart_without_a_token(
    browser: Client, item: Item, centra_sandbox: Sandbox
) -> None:
    response = browser.post(ADD, form(item), HTTP_SEC_FETCH_SITE="same-origin")

    assert (response.status_code, response["Location"]) == (302, "/cart/")
    assert cart_count(browser) == 1
    assert centra_sandbox.request_counts["POST items/{item}/quantity/{quantity}"] == 1


def test_the_sites_own_origin_header_is_proof_too(browser: Client, item: Item) -> None:
    response = browser.post(ADD, form(item), HTTP_ORIGIN=OWN_ORIGIN)

    assert response.status_code == 302
    assert cart_count(browser) == 1


def test_a_trusted_origin_is_proof(browser: Client, item: Item, settings) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://shop.example.com", "https://*.example.org"]

    assert browser.post(ADD, form(item), HTTP_ORIGIN="https://shop.example.com").status_code == 302
    assert browser.post(ADD, form(item), HTTP_ORIGIN="https://www.example.org").status_code == 302
    assert cart_count(browser) == 2
    asked = browser.post(ADD, form(item), HTTP_ORIGIN="http://www.example.org")
    assert (asked.status_code, cart_count(browser)) == (200, 2)


def test_the_mini_cart_script_gets_json_from_a_same_origin_post(
    browser: Client, item: Item
) -> None:
    response = browser.post(
        ADD, form(item), HTTP_ACCEPT="application/json", HTTP_SEC_FETCH_SITE="same-origin"
    )

    assert (response.status_code, response.json()["count"]) == (200, 1)


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": EVIL},
        {"HTTP_ORIGIN": EVIL, "HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": OWN_ORIGIN + "/"},  # a Referer proves nothing: pages can choose it
        {},
    ],
    ids=[
        "evil-origin",
        "evil-origin-claiming-same",
        "cross-site",
        "same-site",
        "null",
        "referer",
        "no-proof",
    ],
)
def test_without_proof_nothing_happens_and_the_shopper_is_asked(
    browser: Client, item: Item, centra_sandbox: Sandbox, headers: dict[str, str]
) -> None:
    response = browser.post(ADD, form(item), **headers)

    assert response.status_code == 200
    assert response.context["question"] == f"Add {label(item)} to your cart?"
    assert response["Cache-Control"] == "private, no-store"
    assert cart_count(browser) == 0
    assert centra_sandbox.request_counts["*"] == 0


def test_the_question_page_posts_the_same_fields_with_a_fresh_token(
    browser: Client, item: Item, centra_sandbox: Sandbox
) -> None:
    asked = browser.post(ADD, form(item), HTTP_ORIGIN=EVIL)
    html = asked.content.decode()
    page_form = html.split('<form method="post" action="/cart/add">')[1].split("</form>")[0]

    assert f'<input type="hidden" name="item" value="{item.id}">' in page_form
    assert '<input type="hidden" name="quantity" value="1">' in page_form
    assert f'<input type="hidden" name="next" value="{product_url(item)}">' in page_form
    assert page_form.count("csrfmiddlewaretoken") == 1
    assert f'<a href="{product_url(item)}">Cancel</a>' in page_form
    token = TOKEN.search(page_form).group(1)

    # The shopper confirms on this site's page (a browser would now send the site's Origin;
    # the token alone is enough).
    done = browser.post(ADD, {**form(item), "csrfmiddlewaretoken": token})

    assert (done.status_code, done["Location"]) == (302, "/cart/")
    assert cart_count(browser) == 1
    assert centra_sandbox.request_counts["POST items/{item}/quantity/{quantity}"] == 1


def test_an_unknown_item_is_asked_about_without_a_name(browser: Client) -> None:
    asked = browser.post(ADD, {"item": "no-such-item", "quantity": 1})

    assert asked.context["question"] == "Add this item to your cart?"


def test_a_valid_token_always_works_whatever_the_fetch_metadata(
    browser: Client, item: Item
) -> None:
    token = browser.get("/shopper/state").json()["csrf_token"]

    response = browser.post(
        ADD, {**form(item), "csrfmiddlewaretoken": token}, HTTP_SEC_FETCH_SITE="cross-site"
    )

    assert response.status_code == 302
    assert cart_count(browser) == 1


def test_the_switch_asks_in_the_pages_language_and_changes_nothing(browser: Client) -> None:
    asked = browser.post("/sv" + SWITCH, {"country": "DE", "language": "de", "next": "/sv/"})

    assert asked.context["question"] == "Byta land och språk?"
    html = asked.content.decode()
    assert '<form method="post" action="/sv/shopper/location">' in html
    assert choices(browser) == {}


def test_other_unsafe_methods_get_djangos_refusal(browser: Client) -> None:
    assert browser.put(SWITCH, "country=DE").status_code == 403


# -- no header value gives a 500 ------------------------------------------------------------

HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60
) | st.sampled_from(
    [
        OWN_ORIGIN,
        EVIL,
        "null",
        "http://[::1",
        "http://testserver:80",
        "same-origin",
        "cross-site",
        "none",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    origin=st.none() | HEADER_TEXT,
    fetch_site=st.none() | HEADER_TEXT,
    referer=st.none() | HEADER_TEXT,
)
def test_no_origin_or_fetch_metadata_gives_a_500_or_a_change_without_proof(
    origin: str | None, fetch_site: str | None, referer: str | None
) -> None:
    browser = Client(enforce_csrf_checks=True)
    headers = {
        name: value
        for name, value in [
            ("HTTP_ORIGIN", origin),
            ("HTTP_SEC_FETCH_SITE", fetch_site),
            ("HTTP_REFERER", referer),
        ]
        if value is not None
    }

    response = browser.post(SWITCH, {"country": "DE", "language": "en", "next": "/"}, **headers)

    assert response.status_code in (200, 302)
    proven = origin == OWN_ORIGIN if origin is not None else fetch_site == "same-origin"
    assert (choices(browser).get("country") == "DE") is proven
    assert (response.status_code == 302) is proven
