"""Customer handling in the sandbox: register, login (with cart merge), logout, profile, orders,
password reset and newsletter, through the Checkout API as a browser or backend would call it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from centra_sandbox import Sandbox
from centra_sandbox.transport import SandboxTransport

BASE_URL = "http://sandbox.test/api/checkout/"
PASSWORD = "correct horse"
DENIED = {"accessRight": "denied"}


def _blank_logged_in(customer: str, email: str, **values: object) -> dict[str, object]:
    logged_in: dict[str, object] = {
        "customer": customer,
        "email": email,
        "firstName": "",
        "lastName": "",
        "gender": "",
        "address1": "",
        "address2": "",
        "zipCode": "",
        "city": "",
        "state": "",
        "country": "",
        "phoneNumber": "",
        "language": "en",
        "newsletter": False,
    }
    logged_in.update(values)
    return logged_in


@pytest.fixture
def new_shopper(sandbox: Sandbox) -> Iterator[Callable[[], httpx.Client]]:
    """Makes more browser-like clients (each its own session), like the ``shopper`` fixture."""
    clients: list[httpx.Client] = []

    def make() -> httpx.Client:
        client = httpx.Client(transport=SandboxTransport(sandbox), base_url=BASE_URL)

        def keep_token(response: httpx.Response) -> None:
            response.read()
            token = response.json().get("token")
            if token:
                client.headers["API-token"] = token

        client.event_hooks["response"] = [keep_token]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def sellable_items(sandbox: Sandbox) -> list[str]:
    """Three items a fresh session can buy: active, in the default market, priced in the default
    pricelist, with stock to spare."""
    rows = sandbox.store.all(
        "SELECT i.id FROM items i JOIN products p ON p.id = i.product_id "
        "JOIN product_prices pp ON pp.product_id = p.id AND pp.pricelist_id = 1 "
        "JOIN product_markets pm ON pm.product_id = p.id AND pm.market_id = 1 "
        "WHERE p.active = 1 AND i.stock >= 20 ORDER BY p.id, i.position LIMIT 3"
    )
    assert len(rows) == 3
    return [row["id"] for row in rows]


def register(client: httpx.Client, email: str = "ann@example.com", **fields: object) -> dict:
    response = client.post("register", json={"email": email, "password": PASSWORD, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def cart(response_body: dict) -> dict[str, int]:
    return {i["item"]: i["quantity"] for i in response_body["selection"]["items"]}


def customer_count(sandbox: Sandbox) -> int:
    return sandbox.store.one("SELECT COUNT(*) FROM customers")[0]


# -- register -------------------------------------------------------------------------------------


def test_register_logs_in_and_answers_selection_with_logged_in(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    body = register(shopper, firstName="Ann", lastName="Lee", newsletter=True, country="se")

    expected = _blank_logged_in(
        "1", "ann@example.com", firstName="Ann", lastName="Lee", country="SE", newsletter=True
    )
    assert body["loggedIn"] == expected
    assert body["selection"]["items"] == []
    assert body["token"] == shopper.headers["API-token"]
    assert shopper.get("customer").json() == {"token": body["token"], "loggedIn": expected}
    # Every selection answer of the session now carries the same loggedIn.
    assert shopper.get("selection").json()["loggedIn"] == expected
    session = sandbox.store.one("SELECT * FROM sessions WHERE token = ?", (body["token"],))
    assert session["customer_id"] == 1


def test_register_stores_a_salted_hash_never_the_password(
    new_shopper: Callable[[], httpx.Client], sandbox: Sandbox
) -> None:
    register(new_shopper(), "one@example.com")
    register(new_shopper(), "two@example.com")

    hashes = [row["password_hash"] for row in sandbox.store.all("SELECT * FROM customers")]
    assert all(h.startswith("scrypt$") and PASSWORD not in h for h in hashes)
    # Same password, different salts.
    assert hashes[0] != hashes[1]


def test_register_with_a_taken_email_is_409_in_any_case(
    new_shopper: Callable[[], httpx.Client], sandbox: Sandbox
) -> None:
    register(new_shopper(), "ann@example.com")
    response = new_shopper().post(
        "register", json={"email": "ANN@example.com", "password": PASSWORD}
    )

    assert response.status_code == 409
    assert response.json()["errors"] == {"email": "already registered"}
    assert response.json()["token"]
    assert customer_count(sandbox) == 1


@pytest.mark.parametrize("password", ["abc", "x" * 129, 12345678, None])
def test_register_refuses_invalid_password_with_406(
    shopper: httpx.Client, sandbox: Sandbox, password: object
) -> None:
    response = shopper.post("register", json={"email": "ann@example.com", "password": password})

    assert response.status_code == 406
    assert response.json()["errors"] == {"password": "not valid"}
    assert customer_count(sandbox) == 0


@pytest.mark.parametrize("password", ["abcd", "x" * 128])
def test_register_accepts_passwords_of_4_to_128_characters(
    shopper: httpx.Client, password: str
) -> None:
    response = shopper.post("register", json={"email": "ann@example.com", "password": password})
    assert response.status_code == 200
    assert shopper.post("logout").status_code == 200
    login = shopper.post("login/ann%40example.com", json={"password": password})
    assert login.json()["loggedIn"]["email"] == "ann@example.com"


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.com", "", 42])
def test_register_refuses_invalid_email_with_406(
    shopper: httpx.Client, sandbox: Sandbox, email: object
) -> None:
    response = shopper.post("register", json={"email": email, "password": PASSWORD})

    assert response.status_code == 406
    assert response.json()["errors"] == {"email": "not valid"}
    assert customer_count(sandbox) == 0


def test_register_reports_every_invalid_field_and_stores_nothing(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    response = shopper.post(
        "register",
        json={
            "email": "ann@example.com",
            "password": PASSWORD,
            "country": "XX",
            "newsletter": "yes",
            "language": "klingon",
            "firstName": "x" * 256,
        },
    )

    assert response.status_code == 406
    assert response.json()["errors"] == {
        "country": "not valid",
        "newsletter": "not valid",
        "language": "not valid",
        "firstName": "not valid",
    }
    assert customer_count(sandbox) == 0
    assert shopper.get("customer").status_code == 403


# -- login and logout -----------------------------------------------------------------------------


def test_login_with_wrong_password_or_unknown_email_gives_the_same_406(
    new_shopper: Callable[[], httpx.Client],
) -> None:
    register(new_shopper(), "ann@example.com")
    client = new_shopper()

    wrong_password = client.post("login/ann%40example.com", json={"password": "nope nope"})
    unknown_email = client.post("login/bob%40example.com", json={"password": PASSWORD})
    no_password = client.post("login/ann%40example.com", json={})

    for response in (wrong_password, unknown_email, no_password):
        assert response.status_code == 406
        assert response.json()["errors"] == {"password": "incorrect"}
    assert client.get("customer").status_code == 403


def test_login_answers_selection_with_logged_in(new_shopper: Callable[[], httpx.Client]) -> None:
    register(new_shopper(), "ann@example.com", firstName="Ann")
    client = new_shopper()

    response = client.post("login/ANN%40example.com", json={"password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["loggedIn"] == _blank_logged_in("1", "ann@example.com", firstName="Ann")
    assert client.get("customer").json()["loggedIn"]["customer"] == "1"


def test_login_merges_the_pre_login_cart_into_the_saved_one(
    new_shopper: Callable[[], httpx.Client], sellable_items: list[str]
) -> None:
    first, second, third = sellable_items
    laptop = new_shopper()
    register(laptop)
    laptop.post(f"items/{first}")
    laptop.post(f"items/{second}/quantity/2")
    assert cart(laptop.post("logout").json()) == {}

    phone = new_shopper()
    phone.post(f"items/{first}/quantity/3")
    phone.post(f"items/{third}")
    merged = phone.post("login/ann%40example.com", json={"password": PASSWORD}).json()

    assert cart(merged) == {first: 4, second: 2, third: 1}
    assert [i["item"] for i in merged["selection"]["items"]] == [first, second, third]
    assert merged["selection"]["totals"]["totalQuantity"] == 7
    # The session now works on the merged selection.
    assert cart(phone.get("selection").json()) == {first: 4, second: 2, third: 1}


def test_login_takes_the_shoppers_current_country(
    new_shopper: Callable[[], httpx.Client], sellable_items: list[str]
) -> None:
    laptop = new_shopper()
    register(laptop)
    laptop.post(f"items/{sellable_items[0]}")
    laptop.post("logout")

    phone = new_shopper()
    phone.put("countries/DE")
    merged = phone.post("login/ann%40example.com", json={"password": PASSWORD}).json()

    assert merged["location"]["country"] == "DE"
    assert merged["selection"]["currency"] == "EUR"
    assert cart(merged) == {sellable_items[0]: 1}


def test_a_saved_cart_that_became_an_order_is_not_merged_into(
    new_shopper: Callable[[], httpx.Client], sandbox: Sandbox, sellable_items: list[str]
) -> None:
    laptop = new_shopper()
    register(laptop)
    laptop.post(f"items/{sellable_items[0]}")
    saved = sandbox.store.one("SELECT saved_selection_id FROM customers WHERE id = 1")[0]
    sandbox.store.db.execute(
        "INSERT INTO orders (number, selection_id, customer_id, created_at, data) "
        "VALUES ('5001', ?, 1, 0, '{}')",
        (saved,),
    )
    laptop.post("logout")

    phone = new_shopper()
    phone.post(f"items/{sellable_items[1]}")
    merged = phone.post("login/ann%40example.com", json={"password": PASSWORD}).json()

    assert cart(merged) == {sellable_items[1]: 1}
    new_saved = sandbox.store.one("SELECT saved_selection_id FROM customers WHERE id = 1")[0]
    assert new_saved != saved


def test_logout_empties_the_selection_and_the_saved_cart_comes_back_at_login(
    shopper: httpx.Client, sellable_items: list[str]
) -> None:
    register(shopper)
    shopper.post(f"items/{sellable_items[0]}/quantity/2")
    token = shopper.headers["API-token"]

    logged_out = shopper.post("logout")

    assert logged_out.status_code == 200
    body = logged_out.json()
    assert "loggedIn" not in body
    assert body["selection"]["items"] == []
    assert body["token"] == token
    assert shopper.get("customer").json()["errors"] == DENIED
    back = shopper.post("login/ann%40example.com", json={"password": PASSWORD}).json()
    assert cart(back) == {sellable_items[0]: 2}


def test_logging_in_as_someone_else_leaves_the_first_customers_cart_alone(
    shopper: httpx.Client, new_shopper: Callable[[], httpx.Client], sellable_items: list[str]
) -> None:
    register(new_shopper(), "bob@example.com")
    register(shopper, "ann@example.com")
    shopper.post(f"items/{sellable_items[0]}")

    as_bob = shopper.post("login/bob%40example.com", json={"password": PASSWORD}).json()
    assert as_bob["loggedIn"]["email"] == "bob@example.com"
    assert cart(as_bob) == {}
    as_ann = shopper.post("login/ann%40example.com", json={"password": PASSWORD}).json()
    assert cart(as_ann) == {sellable_items[0]: 1}


def test_session_free_calls_cannot_log_in(server: httpx.Client, sandbox: Sandbox) -> None:
    response = server.post(
        "register",
        json={"email": "ann@example.com", "password": PASSWORD},
        headers={"API-token": "none"},
    )

    assert response.status_code == 400
    assert "token" in response.json()["errors"]
    assert customer_count(sandbox) == 0


# -- the logged-in customer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "customer", None),
        ("PUT", "customer/update", {"firstName": "Eve"}),
        ("PUT", "address", {"city": "Lund"}),
        ("PUT", "email", {"newEmail": "eve@example.com"}),
        ("PUT", "password", {"password": PASSWORD, "newPassword": "new password"}),
        ("POST", "orders", {}),
    ],
)
def test_customer_routes_are_403_when_not_logged_in(
    shopper: httpx.Client, method: str, path: str, body: dict | None
) -> None:
    response = shopper.request(method, path, json=body)

    assert response.status_code == 403
    assert response.json() == {"token": response.json()["token"], "errors": DENIED}


def test_update_customer_changes_the_profile(shopper: httpx.Client) -> None:
    register(shopper, firstName="Ann")

    response = shopper.put(
        "customer/update",
        json={
            "firstName": " Anna ",
            "phoneNumber": "+46 70 123 45 67",
            "gender": "female",
            "newsletter": True,
            "language": "sv",
            "consents": [{"key": "sms", "consented": True}],
            "password": "ignored, not a profile field",
        },
    )

    assert response.status_code == 200
    expected = _blank_logged_in(
        "1",
        "ann@example.com",
        firstName="Anna",
        phoneNumber="+46 70 123 45 67",
        gender="female",
        newsletter=True,
        language="sv",
        consents=[{"key": "sms", "consented": True}],
    )
    assert response.json()["loggedIn"] == expected
    assert shopper.get("customer").json()["loggedIn"] == expected
    assert shopper.post("logout").status_code == 200
    assert shopper.post("login/ann%40example.com", json={"password": PASSWORD}).status_code == 200


def test_update_customer_with_invalid_fields_changes_nothing(shopper: httpx.Client) -> None:
    register(shopper, firstName="Ann")
    before = shopper.get("customer").json()["loggedIn"]

    response = shopper.put(
        "customer/update",
        json={"firstName": "Anna", "newsletter": "yes", "consents": [{"key": "sms"}]},
    )

    assert response.status_code == 406
    assert response.json()["errors"] == {"newsletter": "not valid", "consents": "not valid"}
    assert shopper.get("customer").json()["loggedIn"] == before


def test_put_address_sets_the_address(shopper: httpx.Client) -> None:
    register(shopper)

    response = shopper.put(
        "address",
        json={
            "firstName": "Ann",
            "lastName": "Lee",
            "address1": "1 Main St",
            "address2": "",
            "zipCode": "90210",
            "city": "Beverly Hills",
            "country": "US",
            "state": "CA",
            "phoneNumber": "555-0100",
        },
    )

    assert response.status_code == 200
    assert response.json()["loggedIn"] == _blank_logged_in(
        "1",
        "ann@example.com",
        firstName="Ann",
        lastName="Lee",
        address1="1 Main St",
        zipCode="90210",
        city="Beverly Hills",
        country="US",
        state="CA",
        phoneNumber="555-0100",
    )


@pytest.mark.parametrize(
    ("address", "errors"),
    [
        ({"country": "XX"}, {"country": "not valid"}),
        ({"country": "US", "state": "ZZ"}, {"state": "not valid"}),
        ({"city": ["Lund"]}, {"city": "not valid"}),
    ],
)
def test_put_address_refuses_invalid_fields(
    shopper: httpx.Client, address: dict, errors: dict
) -> None:
    register(shopper, country="SE", city="Malmö")

    response = shopper.put("address", json=address)

    assert response.status_code == 406
    assert response.json()["errors"] == errors
    after = shopper.get("customer").json()["loggedIn"]
    assert (after["country"], after["state"], after["city"]) == ("SE", "", "Malmö")


def test_put_email_changes_the_login_email(shopper: httpx.Client) -> None:
    register(shopper)

    response = shopper.put("email", json={"newEmail": "anna@example.com"})

    assert response.status_code == 200
    assert response.json()["loggedIn"]["email"] == "anna@example.com"
    shopper.post("logout")
    old = shopper.post("login/ann%40example.com", json={"password": PASSWORD})
    assert old.status_code == 406
    new = shopper.post("login/anna%40example.com", json={"password": PASSWORD})
    assert new.json()["loggedIn"]["email"] == "anna@example.com"


def test_put_email_refuses_a_taken_or_invalid_email(
    shopper: httpx.Client, new_shopper: Callable[[], httpx.Client]
) -> None:
    register(new_shopper(), "bob@example.com")
    register(shopper, "ann@example.com")

    taken = shopper.put("email", json={"newEmail": "BOB@example.com"})
    invalid = shopper.put("email", json={"newEmail": "bob"})

    assert taken.status_code == 409
    assert taken.json()["errors"] == {"newEmail": "already registered"}
    assert invalid.status_code == 406
    assert invalid.json()["errors"] == {"newEmail": "not valid"}
    assert shopper.get("customer").json()["loggedIn"]["email"] == "ann@example.com"


def test_put_password_changes_the_password(shopper: httpx.Client) -> None:
    register(shopper)

    response = shopper.put("password", json={"password": PASSWORD, "newPassword": "new secret"})

    assert response.status_code == 200
    assert response.json()["loggedIn"]["email"] == "ann@example.com"
    shopper.post("logout")
    assert shopper.post("login/ann%40example.com", json={"password": PASSWORD}).status_code == 406
    assert (
        shopper.post("login/ann%40example.com", json={"password": "new secret"}).status_code == 200
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"password": "wrong one", "newPassword": "new secret"}, {"password": "incorrect"}),
        ({"password": PASSWORD, "newPassword": "abc"}, {"newPassword": "not valid"}),
        ({"newPassword": "new secret"}, {"password": "incorrect"}),
    ],
)
def test_put_password_refuses_a_wrong_old_or_invalid_new_password(
    shopper: httpx.Client, body: dict, errors: dict
) -> None:
    register(shopper)

    response = shopper.put("password", json=body)

    assert response.status_code == 406
    assert response.json()["errors"] == errors
    shopper.post("logout")
    assert shopper.post("login/ann%40example.com", json={"password": PASSWORD}).status_code == 200


# -- orders ---------------------------------------------------------------------------------------


def _store_order(sandbox: Sandbox, number: str, customer_id: int, created_at: float) -> None:
    order = {"order": number, "status": "untouched", "statusDescription": "Pending"}
    sandbox.store.db.execute(
        "INSERT INTO orders (number, selection_id, customer_id, created_at, data) "
        "VALUES (?, ?, ?, ?, ?)",
        (number, f"selection-{number}", customer_id, created_at, json.dumps(order)),
    )


def test_orders_lists_the_customers_orders_newest_first(
    shopper: httpx.Client, new_shopper: Callable[[], httpx.Client], sandbox: Sandbox
) -> None:
    register(new_shopper(), "bob@example.com")
    body = register(shopper, "ann@example.com")
    _store_order(sandbox, "1001", 2, 100.0)
    _store_order(sandbox, "1002", 1, 200.0)
    _store_order(sandbox, "1003", 2, 300.0)
    _store_order(sandbox, "1004", 2, 400.0)

    response = shopper.post("orders")

    assert response.status_code == 200
    listed = response.json()
    assert [o["order"] for o in listed["orders"]] == ["1004", "1003", "1001"]
    assert listed["orders"][0] == {
        "order": "1004",
        "status": "untouched",
        "statusDescription": "Pending",
        "shipments": [],
    }
    assert listed["ordersPaging"] == {"from": 0, "size": 3, "totalSize": 3}
    assert listed["loggedIn"]["email"] == "ann@example.com"
    assert listed["location"] == body["location"]
    assert listed["languages"] == body["languages"]
    assert listed["countries"] == body["countries"]
    assert set(listed) == {
        "token",
        "orders",
        "ordersPaging",
        "languages",
        "countries",
        "loggedIn",
        "location",
    }


def test_orders_pages_with_from_and_size(shopper: httpx.Client, sandbox: Sandbox) -> None:
    register(shopper)
    for n in range(5):
        _store_order(sandbox, f"20{n}", 1, 1000.0 + n)

    page = shopper.post("orders", json={"from": 1, "size": 2}).json()
    rest = shopper.post("orders", json={"from": 3}).json()

    assert [o["order"] for o in page["orders"]] == ["203", "202"]
    assert page["ordersPaging"] == {"from": 1, "size": 2, "totalSize": 5}
    assert [o["order"] for o in rest["orders"]] == ["201", "200"]
    assert rest["ordersPaging"] == {"from": 3, "size": 2, "totalSize": 5}


@pytest.mark.parametrize(
    ("paging", "errors"),
    [
        ({"from": -1}, {"from": "not valid"}),
        ({"size": 0}, {"size": "not valid"}),
        ({"from": "1", "size": True}, {"from": "not valid", "size": "not valid"}),
    ],
)
def test_orders_refuses_invalid_paging(shopper: httpx.Client, paging: dict, errors: dict) -> None:
    register(shopper)

    response = shopper.post("orders", json=paging)

    assert response.status_code == 406
    assert response.json()["errors"] == errors


# -- password reset -------------------------------------------------------------------------------


def _emails(sandbox: Sandbox) -> list[dict]:
    return [dict(r) for r in sandbox.store.all("SELECT * FROM outbox_emails ORDER BY id")]


def _reset_params(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


@pytest.fixture
def ann(new_shopper: Callable[[], httpx.Client]) -> None:
    register(new_shopper(), "ann@example.com")


@pytest.mark.usefixtures("ann")
def test_password_reset_email_mails_a_link_to_the_frontend(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    response = shopper.post("password-reset-email/ANN%40example.com")

    assert response.status_code == 200
    emails = _emails(sandbox)
    assert len(emails) == 1
    email = emails[0]
    assert (email["recipient"], email["subject"]) == ("ann@example.com", "Reset your password")
    assert email["link"].startswith("http://127.0.0.1:8000/account/password-reset?id=")
    assert email["link"] in email["body"]
    params = _reset_params(email["link"])
    assert set(params) == {"id", "i"}
    stored = sandbox.store.one("SELECT * FROM password_resets WHERE id = ?", (params["id"],))
    # Only a digest of the secret is kept.
    assert stored["hash"] != params["i"]
    assert stored["customer_id"] == 1


@pytest.mark.usefixtures("ann")
def test_password_reset_email_uses_link_uri(shopper: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.config.frontend_url = "https://shop.example/"

    shopper.post("password-reset-email/ann%40example.com", json={"linkUri": "/reset"})

    assert _emails(sandbox)[0]["link"].startswith("https://shop.example/reset?id=")


@pytest.mark.usefixtures("ann")
def test_password_reset_email_answers_alike_for_unknown_emails(
    new_shopper: Callable[[], httpx.Client], sandbox: Sandbox
) -> None:
    known = new_shopper().post("password-reset-email/ann%40example.com")
    unknown = new_shopper().post("password-reset-email/nobody%40example.com")

    assert known.status_code == unknown.status_code == 200
    known_body, unknown_body = known.json(), unknown.json()
    del known_body["token"], unknown_body["token"]
    assert known_body == unknown_body
    assert [e["recipient"] for e in _emails(sandbox)] == ["ann@example.com"]


@pytest.mark.usefixtures("ann")
def test_password_reset_email_works_without_a_session(
    server: httpx.Client, sandbox: Sandbox
) -> None:
    response = server.post("password-reset-email/ann%40example.com", headers={"API-token": "none"})

    assert response.status_code == 200
    assert response.json() == {}
    assert [e["recipient"] for e in _emails(sandbox)] == ["ann@example.com"]


@pytest.mark.usefixtures("ann")
@pytest.mark.parametrize("link_uri", ["https://evil.example/reset", "//evil.example", 5])
def test_password_reset_email_refuses_links_away_from_the_frontend(
    shopper: httpx.Client, sandbox: Sandbox, link_uri: object
) -> None:
    response = shopper.post("password-reset-email/ann%40example.com", json={"linkUri": link_uri})

    assert response.status_code == 406
    assert response.json()["errors"] == {"linkUri": "not valid"}
    assert _emails(sandbox) == []


@pytest.mark.usefixtures("ann")
def test_password_reset_sets_the_password_and_logs_in(
    shopper: httpx.Client, new_shopper: Callable[[], httpx.Client], sandbox: Sandbox
) -> None:
    new_shopper().post("password-reset-email/ann%40example.com")
    params = _reset_params(_emails(sandbox)[0]["link"])

    response = shopper.post("password-reset", json={"newPassword": "brand new", **params})

    assert response.status_code == 200
    assert response.json()["loggedIn"]["email"] == "ann@example.com"
    assert response.json()["selection"]["items"] == []
    other = new_shopper()
    assert other.post("login/ann%40example.com", json={"password": PASSWORD}).status_code == 406
    assert other.post("login/ann%40example.com", json={"password": "brand new"}).status_code == 200
    again = new_shopper().post("password-reset", json={"newPassword": "third one", **params})
    assert again.status_code == 406
    assert again.json()["errors"] == {"i": "already used"}


@pytest.mark.usefixtures("ann")
def test_password_reset_refuses_wrong_expired_and_superseded_links(
    new_shopper: Callable[[], httpx.Client], sandbox: Sandbox
) -> None:
    new_shopper().post("password-reset-email/ann%40example.com")
    first = _reset_params(_emails(sandbox)[0]["link"])
    new_shopper().post("password-reset-email/ann%40example.com")
    second = _reset_params(_emails(sandbox)[1]["link"])

    def reset(**params: str) -> httpx.Response:
        return new_shopper().post("password-reset", json={"newPassword": "brand new", **params})

    wrong = reset(id=second["id"], i="guess")
    unknown = reset(id="nope", i=second["i"])
    superseded = reset(**first)
    sandbox.store.db.execute(
        "UPDATE password_resets SET expires_at = ? WHERE id = ?", (time.time() - 1, second["id"])
    )
    expired = reset(**second)

    assert [r.status_code for r in (wrong, unknown, superseded, expired)] == [406] * 4
    assert wrong.json()["errors"] == {"i": "not valid"}
    assert unknown.json()["errors"] == {"i": "not valid"}
    assert superseded.json()["errors"] == {"i": "already used"}
    assert expired.json()["errors"] == {"i": "expired"}
    login = new_shopper().post("login/ann%40example.com", json={"password": PASSWORD})
    assert login.status_code == 200


@pytest.mark.usefixtures("ann")
def test_password_reset_with_an_invalid_new_password_keeps_the_link_usable(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    shopper.post("password-reset-email/ann%40example.com")
    params = _reset_params(_emails(sandbox)[0]["link"])

    refused = shopper.post("password-reset", json={"newPassword": "abc", **params})
    accepted = shopper.post("password-reset", json={"newPassword": "abcd", **params})

    assert refused.status_code == 406
    assert refused.json()["errors"] == {"newPassword": "not valid"}
    assert accepted.status_code == 200


# -- newsletter -----------------------------------------------------------------------------------


def _subscriptions(sandbox: Sandbox) -> list[tuple]:
    rows = sandbox.store.all("SELECT email, country, language FROM newsletter_subscriptions")
    return [tuple(row) for row in rows]


def test_newsletter_subscription_by_path_stores_the_decoded_email(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    response = shopper.post(
        "newsletter-subscription/ann%2Bnews%40example.com", json={"country": "se", "language": "sv"}
    )

    assert response.status_code == 200
    assert response.json() == {"token": response.json()["token"], "subscribed": True}
    assert _subscriptions(sandbox) == [("ann+news@example.com", "SE", "sv")]


def test_newsletter_subscription_by_body_is_stored_once(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    first = shopper.post("newsletter-subscription", json={"email": "ann@example.com"})
    second = shopper.post(
        "newsletter-subscription", json={"email": "ANN@example.com", "country": "DE"}
    )

    assert first.json()["subscribed"] is True
    assert second.json()["subscribed"] is True
    assert _subscriptions(sandbox) == [("ann@example.com", "DE", None)]


def test_newsletter_honeypot_pretends_success_and_stores_nothing(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    response = shopper.post(
        "newsletter-subscription/bot%40example.com", json={"email_field": "spam@example.com"}
    )

    assert response.status_code == 200
    assert response.json()["subscribed"] is True
    assert _subscriptions(sandbox) == []


@pytest.mark.parametrize(
    ("path", "body", "errors"),
    [
        ("newsletter-subscription/not-an-email", {}, {"email": "not valid"}),
        ("newsletter-subscription", {}, {"email": "not valid"}),
        (
            "newsletter-subscription",
            {"email": "a@example.com", "country": "XX"},
            {"country": "not valid"},
        ),
        (
            "newsletter-subscription",
            {"email": "a@example.com", "language": 7},
            {"language": "not valid"},
        ),
    ],
)
def test_newsletter_subscription_refuses_invalid_input(
    shopper: httpx.Client, sandbox: Sandbox, path: str, body: dict, errors: dict
) -> None:
    response = shopper.post(path, json=body)

    assert response.status_code == 406
    assert response.json()["errors"] == errors
    assert _subscriptions(sandbox) == []
