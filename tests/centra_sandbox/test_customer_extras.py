"""The sandbox's wishlist, shipments in the order history, and registering at checkout, through
the Checkout API as a browser or backend would call them."""

from __future__ import annotations

import httpx
import pytest

from centra_sandbox import Sandbox
from tests.centra_sandbox.factories import (
    ADDRESS,
    FAILED_PAGE,
    RETURN_PAGE,
    add_known_products,
    order_count,
    start,
)

PASSWORD = "correct horse"
DENIED = {"accessRight": "denied"}


@pytest.fixture
def shop(sandbox: Sandbox) -> Sandbox:
    add_known_products(sandbox.store)
    return sandbox


def register(client: httpx.Client, email: str = "ann@example.com") -> dict:
    response = client.post("register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


def pay_directly(shopper: httpx.Client, address: dict) -> httpx.Response:
    start(shopper, country=None)
    assert shopper.post("items/9001-1").status_code == 200
    assert shopper.put("countries/SE").status_code == 200
    assert shopper.put("payment-methods/sandbox-direct").status_code == 200
    return shopper.post(
        "payment",
        json={
            "paymentReturnPage": RETURN_PAGE,
            "paymentFailedPage": FAILED_PAGE,
            "termsAndConditions": True,
            "address": address,
        },
    )


# -- wishlist -------------------------------------------------------------------------------------


def test_wishlist_routes_are_403_when_not_logged_in(shopper: httpx.Client, shop: Sandbox) -> None:
    start(shopper)
    for method, path in (
        ("GET", "customer/wishlists/0"),
        ("POST", "customer/wishlists/0/items/9001"),
        ("DELETE", "customer/wishlists/0/items/9001"),
    ):
        response = shopper.request(method, path)
        assert response.status_code == 403
        assert response.json()["errors"] == DENIED
    assert shop.store.one("SELECT COUNT(*) FROM wishlist_items")[0] == 0


def test_wishlist_adds_lists_newest_first_and_removes(shopper: httpx.Client, shop: Sandbox) -> None:
    register(shopper)
    assert shopper.get("customer/wishlists/0").json()["wishlist"] == {
        "wishlist": 0,
        "isDefault": True,
        "items": [],
    }

    shopper.post("customer/wishlists/0/items/9001")
    added = shopper.post("customer/wishlists/0/items/9002")

    assert added.status_code == 200
    body = added.json()
    assert body["token"] == shopper.headers["API-token"]
    items = body["wishlist"]["items"]
    assert [i["product"]["product"] for i in items] == ["9002", "9001"]
    assert set(items[0]) == {"wishlistItem", "product", "createdAt"}
    assert items[0]["product"]["name"]
    assert shopper.get("customer/wishlists/0").json()["wishlist"] == body["wishlist"]

    removed = shopper.delete("customer/wishlists/0/items/9002").json()
    assert [i["product"]["product"] for i in removed["wishlist"]["items"]] == ["9001"]


def test_wishlist_pages_with_page_and_limit(shopper: httpx.Client, shop: Sandbox) -> None:
    register(shopper)
    for product in ("9001", "9002", "9003"):
        shopper.post(f"customer/wishlists/0/items/{product}")

    page = shopper.get("customer/wishlists/0", params={"page": 2, "limit": 2}).json()

    assert [i["product"]["product"] for i in page["wishlist"]["items"]] == ["9001"]


def test_wishlist_refuses_duplicates_unknown_items_and_other_wishlists(
    shopper: httpx.Client, shop: Sandbox
) -> None:
    register(shopper)
    shopper.post("customer/wishlists/0/items/9001")

    duplicate = shopper.post("customer/wishlists/0/items/9001")
    unknown = shopper.post("customer/wishlists/0/items/424242")
    traversal = shopper.post("customer/wishlists/0/items/..%2F9001")
    other = shopper.get("customer/wishlists/1")

    assert duplicate.status_code == 409
    assert duplicate.json()["errors"] == {
        "wishlist": "Cannot add display 9001 to wishlist 0: duplicate item"
    }
    assert unknown.status_code == 404
    assert unknown.json()["errors"] == {"displayItem": "display item not found"}
    assert traversal.status_code == 404
    assert other.status_code == 404
    assert other.json()["errors"] == {"wishlist": "not found"}
    assert shop.store.one("SELECT COUNT(*) FROM wishlist_items")[0] == 1


def test_each_customer_has_their_own_wishlist(
    shopper: httpx.Client, shop: Sandbox, sandbox: Sandbox
) -> None:
    register(shopper)
    shopper.post("customer/wishlists/0/items/9001")
    shopper.post("logout")
    register(shopper, "bob@example.com")

    assert shopper.get("customer/wishlists/0").json()["wishlist"]["items"] == []


# -- shipments ------------------------------------------------------------------------------------


def test_a_shipped_order_lists_its_shipment_with_tracking(
    shopper: httpx.Client, control: httpx.Client, shop: Sandbox
) -> None:
    register(shopper, ADDRESS["email"])
    order = pay_directly(shopper, ADDRESS).json()["order"]
    assert shopper.post("orders").json()["orders"][0]["shipments"] == []

    shipped = control.post(
        f"orders/{order['order']}/shipments",
        json={
            "carrier": "PostNord",
            "service": "MyPack",
            "trackingId": "PN123",
            "trackingUrl": "https://tracking.example/PN123",
        },
    )

    assert shipped.status_code == 200
    listed = shopper.post("orders").json()["orders"][0]
    assert listed["order"] == order["order"]
    [shipment] = listed["shipments"]
    assert shipment["carrier"] == "PostNord"
    assert shipment["service"] == "MyPack"
    assert shipment["trackingId"] == "PN123"
    assert shipment["trackingUrl"] == "https://tracking.example/PN123"
    assert shipment["shipmentId"] == shipped.json()["shipment"]["shipmentId"]
    assert set(shipment) == {
        "shipmentId",
        "shippedDate",
        "carrier",
        "service",
        "trackingId",
        "trackingUrl",
        "returnSlipTracking",
        "additionalMessage",
    }


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"trackingUrl": "javascript:alert(1)"}, "trackingUrl"),
        ({"carrier": 5}, "carrier"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_shipping_refuses_bad_fields(
    shopper: httpx.Client, control: httpx.Client, shop: Sandbox, body: dict, error: str
) -> None:
    register(shopper, ADDRESS["email"])
    order = pay_directly(shopper, ADDRESS).json()["order"]

    response = control.post(f"orders/{order['order']}/shipments", json=body)

    assert response.status_code == 400
    assert error in response.json()["errors"]
    assert shop.store.one("SELECT COUNT(*) FROM shipments")[0] == 0


def test_shipping_an_unknown_order_is_404(control: httpx.Client) -> None:
    assert control.post("orders/999999/shipments", json={}).status_code == 404


# -- register at checkout -------------------------------------------------------------------------


def test_register_at_checkout_creates_the_customer_who_owns_the_order(
    shopper: httpx.Client, shop: Sandbox
) -> None:
    response = pay_directly(shopper, {**ADDRESS, "register": True, "password": PASSWORD})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["action"] == "success"
    assert body["loggedIn"]["email"] == ADDRESS["email"]
    assert body["loggedIn"]["firstName"] == "Ada"
    assert body["loggedIn"]["city"] == "Stockholm"
    orders = shopper.post("orders").json()["orders"]
    assert [o["order"] for o in orders] == [body["order"]["order"]]
    shopper.post("logout")
    login = shopper.post(f"login/{ADDRESS['email']}", json={"password": PASSWORD})
    assert login.status_code == 200


def test_register_at_checkout_refuses_a_weak_password_or_a_taken_email(
    shopper: httpx.Client, new_browser: httpx.Client, shop: Sandbox
) -> None:
    weak = pay_directly(shopper, {**ADDRESS, "register": True, "password": "abc"})
    assert weak.status_code == 406
    assert weak.json()["errors"] == {"address.password": "not valid"}

    register(new_browser, ADDRESS["email"])
    taken = shopper.post(
        "payment",
        json={
            "paymentReturnPage": RETURN_PAGE,
            "paymentFailedPage": FAILED_PAGE,
            "termsAndConditions": True,
            "address": {**ADDRESS, "register": True, "password": PASSWORD},
        },
    )
    assert taken.status_code == 409
    assert taken.json()["errors"] == {"address.email": "already registered"}
    assert order_count(shop) == 0
    assert shop.store.one("SELECT COUNT(*) FROM customers")[0] == 1


def test_checkout_without_register_creates_no_customer(
    shopper: httpx.Client, shop: Sandbox
) -> None:
    response = pay_directly(shopper, {**ADDRESS, "password": PASSWORD})

    assert response.json()["action"] == "success"
    assert "loggedIn" not in response.json()
    assert shop.store.one("SELECT COUNT(*) FROM customers")[0] == 0


@pytest.fixture
def new_browser(sandbox: Sandbox) -> httpx.Client:
    from centra_sandbox.transport import SandboxTransport

    client = httpx.Client(
        transport=SandboxTransport(sandbox), base_url="http://sandbox.test/api/checkout/"
    )

    def keep_token(response: httpx.Response) -> None:
        response.read()
        token = response.json().get("token")
        if token:
            client.headers["API-token"] = token

    client.event_hooks["response"] = [keep_token]
    return client
