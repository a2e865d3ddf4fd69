"""The checkout and accounts: a guest may create an account with the order (Centra registers
them at ``POST payment``), and a signed-in customer's checkout starts from their details."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from centra_sandbox import Sandbox
from tests.accounts.helpers import greeting, register, session_key, sign_out
from tests.cart.helpers import centra_state
from tests.cart.test_checkout import checkout_data, pay, with_a_cart

pytestmark = pytest.mark.django_db

SECRET = "my checkout password"


def test_a_guest_creates_an_account_with_the_order(client: Client, centra_sandbox: Sandbox) -> None:
    with_a_cart(client)
    form = client.get("/checkout/").context["form"]
    assert "createAccount" in form.fields
    before = session_key(client)

    started = pay(client, "sandbox-direct", createAccount="on", accountPassword=SECRET)

    assert started["Location"].startswith("/checkout/receipt/")
    customer = centra_sandbox.store.one("SELECT id, email FROM customers")
    assert customer["email"] == "ada@example.com"
    assert centra_sandbox.store.one("SELECT customer_id FROM orders")[0] == customer["id"]
    assert greeting(client) == "Ada"
    assert centra_state(client)["customer"] is True
    assert session_key(client) != before
    # The receipt starts a new cart; the customer stays signed in (the login is the token's).
    assert client.get(started["Location"]).status_code == 200
    assert greeting(client) == "Ada"
    history = client.get("/account/orders/").context["history"]
    assert history.total == 1
    sign_out(client)
    signed_in = client.post("/account/sign-in", {"email": "ada@example.com", "password": SECRET})
    assert signed_in.status_code == 302


def test_create_account_needs_a_password_before_paying(
    client: Client, centra_sandbox: Sandbox
) -> None:
    with_a_cart(client)

    response = pay(client, "sandbox-direct", createAccount="on")

    assert response.status_code == 400
    assert response.context["form"].errors["accountPassword"] == [
        "Please choose a password for your account."
    ]
    assert centra_sandbox.request_counts["POST payment"] == 0


def test_create_account_with_a_taken_email_says_so_and_makes_no_order(
    client: Client, centra_sandbox: Sandbox
) -> None:
    register(client, email="ada@example.com")
    sign_out(client)
    with_a_cart(client)

    response = pay(client, "sandbox-direct", createAccount="on", accountPassword=SECRET)

    assert response.status_code == 400
    assert response.context["form"].errors["address.email"] == [
        "An account with this email already exists. Sign in, or pay as a guest."
    ]
    assert f'value="{SECRET}"' not in response.content.decode()
    assert centra_sandbox.store.one("SELECT COUNT(*) FROM orders")[0] == 0
    assert greeting(client) is None


def test_the_account_password_is_never_saved_with_the_typed_fields(
    client: Client, centra_sandbox: Sandbox
) -> None:
    with_a_cart(client)

    client.post("/checkout/fields", checkout_data(createAccount="on", accountPassword=SECRET))
    client.post(
        "/checkout/",
        checkout_data(createAccount="on", accountPassword=SECRET, action="update"),
    )

    stored = centra_sandbox.store.all("SELECT address, extra FROM selections")
    assert all(SECRET not in json.dumps(dict(row)) for row in stored)
    assert centra_sandbox.store.one("SELECT COUNT(*) FROM customers")[0] == 0


def test_a_customers_checkout_starts_from_their_details_and_offers_no_new_account(
    client: Client, centra_sandbox: Sandbox
) -> None:
    register(client, email="ann@example.com")
    client.post(
        "/account/address",
        {
            "firstName": "Ann",
            "lastName": "Lee",
            "address1": "Drottninggatan 5",
            "zipCode": "111 51",
            "city": "Stockholm",
            "country": "SE",
            "phoneNumber": "+46 8 5",
        },
    )
    with_a_cart(client)

    form = client.get("/checkout/").context["form"]

    assert "createAccount" not in form.fields
    assert {k: v for k, v in form.initial.items() if k.startswith("address.")} == {
        "address.email": "ann@example.com",
        "address.firstName": "Ann",
        "address.lastName": "Lee",
        "address.address1": "Drottninggatan 5",
        "address.zipCode": "111 51",
        "address.city": "Stockholm",
        "address.phoneNumber": "+46 8 5",
        "address.country": "SE",
        "address.state": "",
    }
