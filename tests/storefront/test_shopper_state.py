"""``/shopper/state``: what shopper-free pages leave out (cart count, customer name, pending
messages, a CSRF token), for static/js/site.js; never cached, no Centra call, no SQL."""

from __future__ import annotations

import pytest
from django.test import Client

from centra_sandbox import Sandbox
from tests.accounts.helpers import register, sign_out
from tests.cart.helpers import add, buyable_items
from tests.shopper_state import set_shopper_cookie

pytestmark = pytest.mark.django_db

STATE = "/shopper/state"


def state(client: Client, url: str = STATE) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    return response.json()


def test_a_first_time_visitor_gets_nothing_but_a_token(client: Client) -> None:
    answer = state(client)

    assert {k: v for k, v in answer.items() if k != "csrf_token"} == {
        "count": 0,
        "count_label": "0 items",
        "name": None,
        "messages": [],
    }
    assert len(answer["csrf_token"]) == 64
    assert client.cookies["csrftoken"].value  # the token's secret, for the form posts


def test_a_shopper_gets_their_count_name_and_messages_once(
    client: Client, centra_sandbox: Sandbox
) -> None:
    [item] = buyable_items(1)
    register(client)
    add(client, item, 3, follow=False)  # the cart page is not shown: its message waits

    first = state(client)
    second = state(client)

    name = item.product.texts.get(language_id="en").name
    assert (first["count"], first["count_label"], first["name"]) == (3, "3 items", "Ann")
    assert first["messages"] == [{"level": "success", "text": f"Added {name} to your cart."}]
    assert second["messages"] == []
    assert (second["count"], second["name"]) == (3, "Ann")
    sign_out(client)
    assert state(client)["name"] is None


def test_a_customer_without_a_first_name_is_named_empty_not_signed_out(client: Client) -> None:
    set_shopper_cookie(client, customer="")

    assert state(client)["name"] == ""


def test_the_label_speaks_the_urls_language(client: Client) -> None:
    set_shopper_cookie(client, count=1)

    assert state(client, "/sv/shopper/state")["count_label"] == "1 vara"
    assert state(client, "/de/shopper/state")["count_label"] == "1 Artikel"


def test_the_answer_costs_no_centra_call_and_no_sql(
    client: Client, centra_sandbox: Sandbox, django_assert_num_queries
) -> None:
    [item] = buyable_items(1)
    register(client)
    add(client, item)
    state(client)  # the reference data and the token's cookie, as after any page view
    client.post("/account/newsletter", {"email": "not an email", "next": "/"})
    centra_sandbox.request_counts.clear()

    with django_assert_num_queries(0):
        answer = state(client)

    assert answer["messages"] == [{"level": "error", "text": "Please enter a valid email address."}]
    assert centra_sandbox.request_counts["*"] == 0


def test_its_token_passes_djangos_csrf_check() -> None:
    browser = Client(enforce_csrf_checks=True)
    token = state(browser)["csrf_token"]

    refused = browser.post("/account/sign-in", {"email": "a@example.com", "password": "x"})
    checked = browser.post(
        "/account/sign-in",
        {"email": "a@example.com", "password": "x", "csrfmiddlewaretoken": token},
    )

    assert refused.status_code == 403
    assert checked.status_code != 403


def test_only_get_and_head(client: Client) -> None:
    assert client.post(STATE).status_code == 405
    assert client.head(STATE).status_code == 200
