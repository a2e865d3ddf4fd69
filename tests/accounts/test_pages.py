"""The signed-in customer's pages: overview, details, address, email, password, order history
with paging, an order with its shipments, and the wishlist; each with its Centra calls counted,
and each sending a shopper whose login Centra no longer knows (403) to sign in and back."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.models import Product
from centra_sandbox import Sandbox
from tests.accounts.helpers import (
    EMAIL,
    PASSWORD,
    calls,
    greeting,
    place_order,
    register,
    sign_in,
    sign_out,
)
from tests.cart.helpers import buyable_items, centra_state, messages_of, product_url
from tests.centra_sandbox.factories import add_known_products
from tests.shopper_state import page_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(client: Client, centra_sandbox: Sandbox) -> Client:
    register(client)
    centra_sandbox.request_counts.clear()
    return client


def token_of(client: Client) -> str:
    return centra_state(client)["token"]


# -- Centra calls per page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/account/", {"GET customer": 1}),
        ("/account/profile", {"GET customer": 1}),
        ("/account/address", {"GET customer": 1}),
        ("/account/email", {"GET customer": 1}),
        ("/account/password", {}),
        ("/account/orders/", {"POST orders": 1}),
        ("/account/orders/?page=3", {"POST orders": 1}),
        ("/account/wishlist/", {"GET customer/wishlists/{wishlist}": 1}),
        ("/account/sign-in", {}),
        ("/account/register", {}),
        ("/account/forgot-password", {}),
    ],
)
def test_each_account_page_costs_its_centra_calls(
    customer: Client, centra_sandbox: Sandbox, url: str, expected: dict[str, int]
) -> None:
    response = customer.get(url)

    assert response.status_code in (200, 302)
    total = sum(expected.values())
    assert calls(centra_sandbox) == ({**expected, "*": total} if total else {})
    assert response["Cache-Control"].startswith("max-age=0")


def test_catalog_pages_greet_the_customer_without_a_centra_call(
    customer: Client, centra_sandbox: Sandbox
) -> None:
    [item] = buyable_items(1)
    pages = ["/", "/womens", product_url(item), "/search?q=jeans"]
    for url in pages:
        customer.get(url)  # warm the page cache
    centra_sandbox.request_counts.clear()

    for url in pages:
        response = customer.get(url)
        html = response.content.decode()
        # The page is the same for everyone: a link to the account, and the menu the script
        # shows with the name the state endpoint gives.
        assert '<a class="account-link" href="/account/" data-account-link>Sign in</a>' in html
        assert "<summary data-account-name>Your account</summary>" in html, url
        assert 'action="/account/sign-out"' in html
        assert "Ann" not in html
        assert page_state(response)["name"] == "Ann"

    assert calls(centra_sandbox) == {}
    # A private page greets the customer itself.
    html = customer.get("/account/password").content.decode()
    assert "<summary data-account-name>Ann</summary>" in html


def test_a_signed_out_shopper_sees_sign_in_and_the_newsletter_form(client: Client) -> None:
    response = client.get("/")
    html = response.content.decode()

    assert '<a class="account-link" href="/account/" data-account-link>Sign in</a>' in html
    assert page_state(response)["name"] is None
    assert 'action="/account/newsletter"' in html
    assert 'name="email_field"' in html
    private = client.get("/account/sign-in").content.decode()
    assert '<a class="account-link" href="/account/sign-in">Sign in</a>' in private


def test_account_links_follow_the_language_prefix(client: Client) -> None:
    html = client.get("/sv/").content.decode()

    assert 'href="/sv/account/" data-account-link' in html
    assert 'action="/sv/account/newsletter"' in html
    assert 'data-shopper-state="/sv/shopper/state"' in html
    assert 'href="/sv/account/sign-in"' in client.get("/sv/account/sign-in").content.decode()


# -- not signed in, or no longer ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/account/",
        "/account/profile",
        "/account/address",
        "/account/email",
        "/account/password",
        "/account/orders/",
        "/account/orders/1001/",
        "/account/wishlist/",
    ],
)
def test_account_pages_send_a_signed_out_shopper_to_sign_in_and_back(
    client: Client, centra_sandbox: Sandbox, url: str
) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in?next=")
    assert calls(centra_sandbox) == {}
    register(client)
    sign_out(client)
    after = client.post(response["Location"], {"email": EMAIL, "password": PASSWORD})
    assert after["Location"] == url


def test_centra_403_forgets_the_login_and_sends_to_sign_in_with_next(
    customer: Client, centra_sandbox: Sandbox
) -> None:
    # The Centra session lost its login (expired): Centra answers 403 accessRight denied.
    centra_sandbox.store.db.execute("UPDATE sessions SET customer_id = NULL")

    response = customer.get("/account/orders/?page=2")

    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in?next=%2Faccount%2Forders%2F%3Fpage%3D2"
    assert calls(centra_sandbox) == {"POST orders": 1, "*": 1}
    assert greeting(customer) is None
    assert "customer" not in centra_state(customer)
    centra_sandbox.request_counts.clear()
    assert customer.get("/account/")["Location"].startswith("/account/sign-in")
    assert calls(centra_sandbox) == {}


def test_centra_unreachable_is_a_503_page(customer: Client, centra_sandbox: Sandbox) -> None:
    centra_sandbox.faults.down = "503"

    response = customer.get("/account/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Your account is temporarily unavailable" in response.content.decode()
    assert greeting(customer) == "Ann"


# -- profile, address, email, password ------------------------------------------------------------


def test_profile_edit_saves_in_centra_and_renames_the_greeting(
    customer: Client, centra_sandbox: Sandbox
) -> None:
    form = customer.get("/account/profile").context["form"]
    assert form.initial == {
        "firstName": "Ann",
        "lastName": "Lee",
        "phoneNumber": "",
        "newsletter": False,
    }
    centra_sandbox.request_counts.clear()

    response = customer.post(
        "/account/profile",
        {"firstName": "Annie", "lastName": "Lee", "phoneNumber": "+46 8 1", "newsletter": "on"},
        follow=True,
    )

    assert response.redirect_chain == [("/account/", 302)]
    assert messages_of(response) == ["Saved."]
    assert calls(centra_sandbox) == {"PUT customer/update": 1, "GET customer": 1, "*": 2}
    assert greeting(customer) == "Annie"
    assert response.context["customer"].phone == "+46 8 1"
    assert response.context["customer"].newsletter is True


def test_address_is_saved_and_refusals_land_next_to_their_field(
    customer: Client, centra_sandbox: Sandbox
) -> None:
    address = {
        "firstName": "Ann",
        "lastName": "Lee",
        "address1": "Storgatan 1",
        "zipCode": "111 22",
        "city": "Stockholm",
        "country": "US",
        "state": "XX",
    }

    refused = customer.post("/account/address", address)
    saved = customer.post("/account/address", {**address, "state": "NY"}, follow=True)

    assert refused.status_code == 400
    assert refused.context["form"].errors == {"state": ["Please check this."]}
    assert saved.redirect_chain == [("/account/", 302)]
    assert saved.context["customer"].address["state"] == "NY"
    assert saved.context["customer"].address["city"] == "Stockholm"


def test_email_change_refuses_an_email_another_account_uses(
    client: Client, centra_sandbox: Sandbox
) -> None:
    register(client, email="bob@example.com")
    sign_out(client)
    register(client)

    taken = client.post("/account/email", {"newEmail": "bob@example.com"})
    changed = client.post("/account/email", {"newEmail": "ann.lee@example.com"}, follow=True)

    assert taken.status_code == 400
    assert taken.context["form"].errors == {"newEmail": ["Another account uses this email."]}
    assert changed.context["customer"].email == "ann.lee@example.com"


def test_password_change_needs_the_current_password(
    customer: Client, centra_sandbox: Sandbox
) -> None:
    wrong = customer.post(
        "/account/password", {"password": "not it", "newPassword": "a new password"}
    )
    weak = customer.post("/account/password", {"password": PASSWORD, "newPassword": "abc"})
    changed = customer.post(
        "/account/password", {"password": PASSWORD, "newPassword": "a new password"}
    )

    assert wrong.status_code == 400
    assert wrong.context["form"].errors == {"password": ["That password is not right."]}
    assert 'value="not it"' not in wrong.content.decode()
    assert weak.context["form"].errors == {
        "newPassword": ["This password is not accepted: please use 4 to 128 characters."]
    }
    assert changed.status_code == 302
    sign_out(customer)
    assert sign_in(customer, password="a new password").status_code == 302


# -- orders ---------------------------------------------------------------------------------------


def test_order_history_pages_newest_first(customer: Client, centra_sandbox: Sandbox) -> None:
    add_known_products(centra_sandbox.store)
    numbers = [place_order(centra_sandbox, token_of(customer))["order"] for _ in range(12)]
    centra_sandbox.request_counts.clear()

    first = customer.get("/account/orders/").context["history"]
    second = customer.get("/account/orders/?page=2").context["history"]

    assert [o.number for o in first.orders] == numbers[::-1][:10]
    assert [o.number for o in second.orders] == numbers[::-1][10:]
    assert (first.page, first.pages, first.total) == (1, 2, 12)
    assert (
        first.orders[0].grand_total
        == centra_sandbox.store.one(
            "SELECT json_extract(data, '$.totals.grandTotalPrice') FROM orders WHERE number = ?",
            (numbers[-1],),
        )[0]
    )
    assert calls(centra_sandbox) == {"POST orders": 2, "*": 2}


def test_an_order_page_shows_lines_totals_addresses_and_tracking(
    customer: Client, centra_sandbox: Sandbox
) -> None:
    add_known_products(centra_sandbox.store)
    order = place_order(centra_sandbox, token_of(customer))
    centra_sandbox.store.db.execute(
        "INSERT INTO shipments (order_number, shipped_date, carrier, service, tracking_id, "
        "tracking_url, return_slip_tracking, additional_message) "
        "VALUES (?, '2026-12-01 10:00:00', 'PostNord', 'MyPack', 'PN1', "
        "'https://tracking.example/PN1', '', '')",
        (order["order"],),
    )
    centra_sandbox.request_counts.clear()

    response = customer.get(f"/account/orders/{order['order']}/")

    assert response.status_code == 200
    shown = response.context["order"]
    assert shown.number == order["order"]
    assert [(line.quantity, line.total) for line in shown.lines] == [
        (item["quantity"], item["totalPrice"]) for item in order["items"]
    ]
    assert shown.grand_total == order["totals"]["grandTotalPrice"]
    assert shown.billing[0] == "Ada Lovelace"
    html = response.content.decode()
    assert '<a href="https://tracking.example/PN1" rel="noopener noreferrer">' in html
    assert calls(centra_sandbox) == {"POST orders": 1, "*": 1}


def test_someone_elses_order_is_404(
    customer: Client, client_factory, centra_sandbox: Sandbox
) -> None:
    add_known_products(centra_sandbox.store)
    other = client_factory()
    register(other, email="bob@example.com")
    order = place_order(centra_sandbox, token_of(other))

    assert customer.get(f"/account/orders/{order['order']}/").status_code == 404


@pytest.fixture
def client_factory():
    return Client


# -- wishlist -------------------------------------------------------------------------------------


def test_wishlist_add_from_the_product_page_and_the_account_page_lists_it(
    customer: Client, centra_sandbox: Sandbox
) -> None:
    first, second = buyable_items(2)
    page = product_url(first)
    html = customer.get(page).content.decode()
    assert 'action="/account/wishlist/add"' in html
    centra_sandbox.request_counts.clear()

    def save(product_id: int) -> tuple[list[tuple[str, int]], list[str]]:
        landed = customer.post(
            "/account/wishlist/add", {"product": product_id, "next": page}, follow=True
        )
        return landed.redirect_chain, messages_of(landed)

    added = save(first.product_id)
    save(second.product_id)
    again = save(first.product_id)

    assert added == ([(page, 302)], ["Saved to your wishlist."])
    assert again[1] == ["Saved to your wishlist."]
    centra_sandbox.request_counts.clear()
    listed = customer.get("/account/wishlist/")
    assert [card.id for card in listed.context["cards"]] == [second.product_id, first.product_id]
    assert calls(centra_sandbox) == {"GET customer/wishlists/{wishlist}": 1, "*": 1}
    name = Product.objects.get(pk=first.product_id).texts.get(language_id="en").name
    assert name in listed.content.decode()

    customer.post("/account/wishlist/remove", {"product": second.product_id})
    assert [c.id for c in customer.get("/account/wishlist/").context["cards"]] == [first.product_id]


def test_wishlist_add_signed_out_goes_to_sign_in_and_back_to_the_product(
    client: Client, centra_sandbox: Sandbox
) -> None:
    [item] = buyable_items(1)
    page = product_url(item)

    response = client.post("/account/wishlist/add", {"product": item.product_id, "next": page})

    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in?next=" + page.replace("/", "%2F")
    assert calls(centra_sandbox) == {}


@pytest.mark.parametrize("product", ["", "abc", "0", "-1", "../1", "1" * 20, "424242"])
def test_wishlist_refuses_what_is_not_a_product(
    customer: Client, centra_sandbox: Sandbox, product: str
) -> None:
    response = customer.post("/account/wishlist/add", {"product": product}, follow=True)

    assert response.status_code == 200
    assert messages_of(response) == ["That product cannot be saved."]
    assert centra_sandbox.store.one("SELECT COUNT(*) FROM wishlist_items")[0] == 0
