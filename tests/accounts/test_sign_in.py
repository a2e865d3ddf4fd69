"""Registering, signing in (the anonymous cart merged into the saved one, as Centra does) and
out, with the session key rotated each time, the same answer for a wrong password and an
unknown email, rate limits, a safe ``next``, CSRF, and passwords never echoed or logged."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from centra_sandbox import Sandbox
from storefront.session import CENTRA_KEY
from tests.accounts.helpers import (
    EMAIL,
    PASSWORD,
    calls,
    greeting,
    register,
    session_key,
    sign_in,
    sign_out,
)
from tests.cart.helpers import add, buyable_items, centra_state, messages_of
from tests.shopper_state import cart_count

pytestmark = pytest.mark.django_db


def cart_items(client: Client) -> dict[str, int]:
    cart = client.get("/cart/").context["cart"]
    return {line.item: line.quantity for line in cart.lines}


# -- register -------------------------------------------------------------------------------------


def test_register_signs_in_rotates_the_session_and_greets_in_the_header(
    client: Client, centra_sandbox: Sandbox
) -> None:
    client.get("/account/register")
    before = session_key(client)

    response = register(client, newsletter="on")

    assert response.redirect_chain == [("/account/", 302)]
    assert messages_of(response) == ["Welcome! Your account is ready."]
    assert session_key(client) != before
    assert greeting(client) == "Ann"
    assert centra_state(client)["customer"] is True
    assert "<summary data-account-name>Ann</summary>" in response.content.decode()
    customer = centra_sandbox.store.one("SELECT email, newsletter, data FROM customers")
    assert (customer["email"], customer["newsletter"]) == (EMAIL, 1)
    assert '"key": "privacy-policy", "consented": true' in customer["data"]


def test_register_places_a_session_then_registers_two_calls(
    client: Client, centra_sandbox: Sandbox
) -> None:
    client.post(
        "/account/register",
        {"email": EMAIL, "password": PASSWORD, "firstName": "A", "lastName": "B", "privacy": "on"},
    )

    assert calls(centra_sandbox) == {"PUT selection": 1, "POST register": 1, "*": 2}


def test_register_with_a_taken_email_is_409_and_signs_nobody_in(
    client: Client, centra_sandbox: Sandbox
) -> None:
    register(client)
    sign_out(client)

    response = register(client, password="another password")

    assert response.status_code == 400
    assert "An account with this email already exists." in response.content.decode()
    assert greeting(client) is None
    assert "customer" not in centra_state(client)
    assert centra_sandbox.store.one("SELECT COUNT(*) FROM customers")[0] == 1


def test_register_with_a_weak_password_shows_centras_406_and_never_echoes_it(
    client: Client, centra_sandbox: Sandbox
) -> None:
    response = register(client, password="abc")

    assert response.status_code == 400
    html = response.content.decode()
    assert "This password is not accepted: please use 4 to 128 characters." in html
    assert 'value="abc"' not in html
    assert greeting(client) is None
    assert centra_sandbox.store.one("SELECT COUNT(*) FROM customers")[0] == 0


def test_register_needs_the_privacy_consent_before_asking_centra(
    client: Client, centra_sandbox: Sandbox
) -> None:
    response = register(client, privacy="")

    assert response.status_code == 400
    assert "Please confirm you have read the privacy policy." in response.content.decode()
    assert calls(centra_sandbox) == {}


# -- sign in --------------------------------------------------------------------------------------


def test_sign_in_merges_the_anonymous_cart_into_the_saved_one(
    client: Client, centra_sandbox: Sandbox
) -> None:
    saved, anonymous = buyable_items(2)
    register(client)
    add(client, saved)
    sign_out(client)
    assert cart_count(client) == 0
    add(client, anonymous, 2)
    before = session_key(client)
    centra_sandbox.request_counts.clear()

    response = sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert calls(centra_sandbox) == {"POST login/{email}": 1, "*": 1}
    assert session_key(client) != before
    assert greeting(client) == "Ann"
    assert cart_count(client) == 3
    assert cart_items(client) == {saved.id: 1, anonymous.id: 2}


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    client: Client, centra_sandbox: Sandbox
) -> None:
    register(client)
    sign_out(client)

    wrong = sign_in(client, password="not the password")
    unknown = sign_in(client, email="nobody@example.com")

    assert wrong.status_code == unknown.status_code == 400
    assert wrong.context["form"].errors == unknown.context["form"].errors
    assert wrong.context["form"].non_field_errors() == [
        "That email and password do not match an account."
    ]
    assert greeting(client) is None


def test_a_signed_in_shopper_visiting_sign_in_goes_on(client: Client) -> None:
    register(client)

    response = client.get("/account/sign-in?next=/cart/")

    assert response.status_code == 302
    assert response["Location"] == "/cart/"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
    ],
)
def test_next_cannot_point_off_the_site(client: Client, next_url: str) -> None:
    register(client)
    sign_out(client)

    response = sign_in(client, next=next_url)

    assert response.status_code == 302
    assert response["Location"] == "/account/"


def test_next_on_this_site_is_followed_with_its_query(client: Client) -> None:
    register(client)
    sign_out(client)

    response = sign_in(client, next="/account/orders/?page=2")

    assert response["Location"] == "/account/orders/?page=2"


# -- sign out -------------------------------------------------------------------------------------


def test_sign_out_logs_centra_out_rotates_the_session_and_starts_a_fresh_cart(
    client: Client, centra_sandbox: Sandbox
) -> None:
    [item] = buyable_items(1)
    register(client)
    add(client, item)
    token = centra_state(client)["token"]
    before = session_key(client)

    response = sign_out(client)

    assert response.redirect_chain == [("/", 302)]
    assert messages_of(response) == ["You are signed out."]
    assert session_key(client) != before
    assert CENTRA_KEY not in client.session
    assert greeting(client) is None
    assert cart_count(client) == 0
    session = centra_sandbox.store.one("SELECT customer_id FROM sessions WHERE token = ?", (token,))
    assert session["customer_id"] is None
    assert client.get("/account/")["Location"] == "/account/sign-in?next=%2Faccount%2F"


def test_sign_out_is_post_only(client: Client) -> None:
    register(client)

    assert client.get("/account/sign-out").status_code == 405
    assert greeting(client) == "Ann"


# -- security -------------------------------------------------------------------------------------


def test_every_account_form_needs_the_csrf_token(centra_sandbox: Sandbox) -> None:
    browser = Client(enforce_csrf_checks=True)
    for url, data in [
        ("/account/sign-in", {"email": EMAIL, "password": PASSWORD}),
        ("/account/register", {"email": EMAIL, "password": PASSWORD}),
        ("/account/forgot-password", {"email": EMAIL}),
        ("/account/password-reset", {"id": "x", "i": "y", "newPassword": PASSWORD}),
        ("/account/profile", {"firstName": "X"}),
        ("/account/password", {"password": PASSWORD, "newPassword": "x" * 8}),
    ]:
        assert browser.post(url, data).status_code == 403, url
    # The forms cached pages hold (storefront.same_origin): without a token or a same-origin
    # browser, a page that asks first, and nothing done.
    for url, data, question in [
        ("/account/sign-out", {}, "Sign out?"),
        ("/account/newsletter", {"email": EMAIL}, "Sign up for our newsletter?"),
        ("/account/wishlist/add", {"product": "1"}, "Save this product to your wishlist?"),
    ]:
        asked = browser.post(url, data)
        assert (asked.status_code, asked.context["question"]) == (200, question), url
    assert calls(centra_sandbox) == {}


def test_passwords_are_never_logged(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        register(client)
        sign_out(client)
        sign_in(client, password="a wrong one 123")
        sign_in(client)
        client.post("/account/password", {"password": PASSWORD, "newPassword": "brand new secret"})

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST register" in logged  # the calls are logged, by their path template
    for secret in (PASSWORD, "a wrong one 123", "brand new secret"):
        assert secret not in logged
    assert EMAIL not in logged


@pytest.mark.parametrize(
    ("settings_name", "emails"),
    [
        ("ACCOUNT_RATE_LIMIT_PER_EMAIL", [EMAIL] * 4),
        (
            "ACCOUNT_RATE_LIMIT_PER_IP",
            ["a@example.com", "b@example.com", "c@example.com", "d@e.se"],
        ),
    ],
)
def test_sign_in_is_rate_limited_per_email_and_per_ip(
    client: Client, centra_sandbox: Sandbox, settings, settings_name: str, emails: list[str]
) -> None:
    setattr(settings, settings_name, 3)
    answers = [
        sign_in(client, email=email, password="wrong password").status_code for email in emails
    ]

    assert answers == [400, 400, 400, 429]
    assert calls(centra_sandbox)["POST login/{email}"] == 3
    refused = sign_in(client, email=emails[-1])
    assert refused.status_code == 429
    assert "Too many attempts. Please wait a few minutes and try again." in refused.content.decode()
    assert refused["Retry-After"] == "60"
    assert calls(centra_sandbox)["POST login/{email}"] == 3


def test_the_email_limit_holds_from_any_address(centra_sandbox: Sandbox, settings) -> None:
    settings.ACCOUNT_RATE_LIMIT_PER_EMAIL = 2
    answers = [
        sign_in(Client(REMOTE_ADDR=f"10.0.0.{n}"), password="wrong").status_code for n in range(3)
    ]

    assert answers == [400, 400, 429]


def test_register_is_rate_limited(client: Client, centra_sandbox: Sandbox, settings) -> None:
    settings.ACCOUNT_RATE_LIMIT_PER_IP = 1
    register(client, email="one@example.com")
    sign_out(client)

    response = register(client, email="two@example.com")

    assert response.status_code == 429
    assert centra_sandbox.store.one("SELECT COUNT(*) FROM customers")[0] == 1
