"""The sandbox's control API (/_sandbox/): catalog changes seen through the Checkout API,
outboxes, request counts, faults, webhook settings and reset."""

from __future__ import annotations

import time

import httpx
import pytest

from centra_sandbox import Sandbox

NONE = {"API-token": "none"}


@pytest.fixture
def product(sandbox: Sandbox) -> tuple[str, list[str]]:
    """A product the Checkout API shows by default (active, default market, priced in the default
    pricelist) with at least two items: its id and item ids."""
    row = sandbox.store.one(
        "SELECT p.id FROM products p "
        "JOIN product_markets pm ON pm.product_id = p.id AND pm.market_id = 1 "
        "JOIN product_prices pp ON pp.product_id = p.id AND pp.pricelist_id = 1 "
        "WHERE p.active = 1 AND (SELECT COUNT(*) FROM items i WHERE i.product_id = p.id) >= 2 "
        "ORDER BY p.id LIMIT 1"
    )
    items = sandbox.store.all(
        "SELECT id FROM items WHERE product_id = ? ORDER BY position", (row[0],)
    )
    return str(row[0]), [item["id"] for item in items]


@pytest.fixture
def category(sandbox: Sandbox) -> int:
    """An active category the Checkout API lists, holding at least one product."""
    row = sandbox.store.one(
        "SELECT c.id FROM categories c WHERE c.active = 1 AND c.parent_id IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM products p WHERE p.category_id = c.id) ORDER BY c.id LIMIT 1"
    )
    return row[0]


def api_product(server: httpx.Client, product_id: str) -> httpx.Response:
    return server.get(f"products/{product_id}", headers=NONE)


def api_categories(server: httpx.Client) -> dict[str, dict]:
    listed = server.get("categories", headers=NONE).json()["categories"]
    return {c["category"]: c for c in listed}


# -- products -------------------------------------------------------------------------------------


def test_get_product_shows_prices_stock_names_and_state(
    control: httpx.Client, sandbox: Sandbox, product: tuple[str, list[str]]
) -> None:
    product_id, items = product
    row = sandbox.store.one("SELECT * FROM products WHERE id = ?", (int(product_id),))
    price = sandbox.store.one(
        "SELECT * FROM product_prices WHERE product_id = ? AND pricelist_id = 1", (row["id"],)
    )
    name = sandbox.store.one(
        "SELECT name FROM product_texts WHERE product_id = ? AND language = 'en'", (row["id"],)
    )
    stock = sandbox.store.all("SELECT id, stock FROM items WHERE product_id = ?", (row["id"],))

    view = control.get(f"products/{product_id}").json()

    assert view["product"] == product_id
    assert view["active"] is True
    assert view["modifiedAt"] == row["modified_at"]
    assert view["prices"]["1"] == {
        "price": price["price"],
        "priceBeforeDiscount": price["price_before_discount"],
        "showAsOnSale": bool(price["show_as_on_sale"]),
        "showAsNew": bool(price["show_as_new"]),
    }
    assert view["stock"] == {r["id"]: r["stock"] for r in stock}
    assert list(view["stock"]) == items
    assert view["names"]["en"] == name["name"]


def test_new_list_price_shows_in_the_checkout_api(
    control: httpx.Client, server: httpx.Client, product: tuple[str, list[str]]
) -> None:
    product_id, _ = product
    flags = control.get(f"products/{product_id}").json()["prices"]["1"]

    response = control.put(f"products/{product_id}", json={"prices": {"1": {"price": 100}}})

    assert response.status_code == 200
    assert response.json()["prices"]["1"] == {
        "price": 100.0,
        "priceBeforeDiscount": 100.0,
        "showAsOnSale": flags["showAsOnSale"],
        "showAsNew": flags["showAsNew"],
    }
    shown = api_product(server, product_id).json()["product"]
    assert (shown["priceAsNumber"], shown["priceBeforeDiscountAsNumber"]) == (100.0, 100.0)
    assert shown["price"] == "100.00 SEK"


def test_discounted_price_with_flags_shows_in_the_checkout_api(
    control: httpx.Client, server: httpx.Client, product: tuple[str, list[str]]
) -> None:
    product_id, _ = product
    price = {"price": 80, "priceBeforeDiscount": 120.5, "showAsOnSale": True, "showAsNew": True}

    response = control.put(f"products/{product_id}", json={"prices": {"1": price}})

    assert response.json()["prices"]["1"] == {**price, "price": 80.0}
    shown = api_product(server, product_id).json()["product"]
    assert shown["priceAsNumber"] == 80.0
    assert shown["priceBeforeDiscountAsNumber"] == 120.5
    assert (shown["showAsOnSale"], shown["showAsNew"]) == (True, True)


def test_null_price_removes_the_price_from_that_pricelist(
    control: httpx.Client, sandbox: Sandbox, product: tuple[str, list[str]]
) -> None:
    product_id, _ = product

    response = control.put(f"products/{product_id}", json={"prices": {"2": None}})

    assert response.status_code == 200
    assert "2" not in response.json()["prices"]
    assert "1" in response.json()["prices"]
    rows = sandbox.store.all(
        "SELECT pricelist_id FROM product_prices WHERE product_id = ?", (int(product_id),)
    )
    assert 2 not in {r[0] for r in rows}


def test_stock_change_shows_in_the_checkout_api(
    control: httpx.Client, server: httpx.Client, product: tuple[str, list[str]]
) -> None:
    product_id, items = product

    response = control.put(f"products/{product_id}", json={"stock": {items[0]: 0, items[1]: 500}})

    assert response.json()["stock"][items[0]] == 0
    assert response.json()["stock"][items[1]] == 500
    shown = {
        i["item"]: i["stock"] for i in api_product(server, product_id).json()["product"]["items"]
    }
    assert (shown[items[0]], shown[items[1]]) == ("no", "yes")


def test_name_change_shows_in_the_checkout_api(
    control: httpx.Client, server: httpx.Client, product: tuple[str, list[str]]
) -> None:
    product_id, _ = product

    response = control.put(
        f"products/{product_id}", json={"names": {"en": " Storm Coat ", "sv": "Stormrock"}}
    )

    assert response.json()["names"]["en"] == "Storm Coat"
    assert response.json()["names"]["sv"] == "Stormrock"
    assert api_product(server, product_id).json()["product"]["name"] == "Storm Coat"


def test_deactivated_product_disappears_from_the_checkout_api(
    control: httpx.Client, server: httpx.Client, product: tuple[str, list[str]]
) -> None:
    product_id, _ = product
    assert api_product(server, product_id).status_code == 200

    response = control.put(f"products/{product_id}", json={"active": False})

    assert response.json()["active"] is False
    assert api_product(server, product_id).status_code == 404
    control.put(f"products/{product_id}", json={"active": True})
    assert api_product(server, product_id).status_code == 200


def test_product_change_bumps_modified_at(
    control: httpx.Client, server: httpx.Client, product: tuple[str, list[str]]
) -> None:
    product_id, items = product
    old = control.get(f"products/{product_id}").json()["modifiedAt"]
    before = time.strftime("%Y-%m-%d %H:%M:%S")

    modified = control.put(f"products/{product_id}", json={"stock": {items[0]: 9}}).json()
    after = time.strftime("%Y-%m-%d %H:%M:%S")

    assert old < before <= modified["modifiedAt"] <= after
    assert api_product(server, product_id).json()["product"]["modifiedAt"] == modified["modifiedAt"]


@pytest.mark.parametrize("product_id", ["999999", "abc", "1e3", "%C2%B2"])
def test_unknown_product_is_404(control: httpx.Client, product_id: str) -> None:
    for response in (
        control.get(f"products/{product_id}"),
        control.put(f"products/{product_id}", json={"active": False}),
    ):
        assert response.status_code == 404
        assert response.json() == {"errors": {"product": "not found"}}


def test_invalid_product_change_is_400_and_changes_nothing(
    control: httpx.Client, product: tuple[str, list[str]]
) -> None:
    product_id, items = product
    before = control.get(f"products/{product_id}").json()

    response = control.put(
        f"products/{product_id}",
        json={
            "prices": {
                "1": {"price": -1},
                "2": {"price": 10, "priceBeforeDiscount": 5},
                "3": {"price": 10, "showAsNew": "yes"},
                "99": {"price": 10},
                "\u00b2": {"price": 10},
                "4": {"price": 10, "colour": "red"},
            },
            "stock": {items[0]: 1.5, "nope-1": 3, items[1]: 5},
            "names": {"en": "", "xx": "Name"},
            "active": "false",
            "colour": "red",
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "colour": "unknown field",
            "prices.1.price": "must be a number >= 0",
            "prices.2.priceBeforeDiscount": "must be a number >= price",
            "prices.3.showAsNew": "must be a boolean",
            "prices.99": "unknown pricelist",
            "prices.\u00b2": "unknown pricelist",
            "prices.4.colour": "unknown field",
            f"stock.{items[0]}": "must be an integer >= 0",
            "stock.nope-1": "not an item of this product",
            "names.en": "must be a non-empty string of at most 255",
            "names.xx": "unknown language",
            "active": "must be a boolean",
        }
    }
    assert control.get(f"products/{product_id}").json() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"body": "nothing to change"}),
        ({"prices": [100]}, {"prices": "must be an object keyed by pricelist id"}),
        ({"stock": 5}, {"stock": "must be an object keyed by item id"}),
        ({"names": "x"}, {"names": "must be an object keyed by language code"}),
    ],
)
def test_malformed_product_change_is_400(
    control: httpx.Client, product: tuple[str, list[str]], body: dict, errors: dict
) -> None:
    response = control.put(f"products/{product[0]}", json=body)

    assert response.status_code == 400
    assert response.json() == {"errors": errors}


def test_non_object_body_is_400(control: httpx.Client, product: tuple[str, list[str]]) -> None:
    response = control.put(f"products/{product[0]}", content=b"[1, 2]")

    assert response.status_code == 400
    assert response.json() == {"errors": {"body": "must be a JSON object"}}


# -- categories -----------------------------------------------------------------------------------


def test_category_change_shows_in_the_checkout_api(
    control: httpx.Client, server: httpx.Client, sandbox: Sandbox, category: int
) -> None:
    response = control.put(
        f"categories/{category}", json={"names": {"en": "Outerwear"}, "sortOrder": 7}
    )

    assert response.status_code == 200
    view = response.json()
    assert (view["category"], view["active"], view["sortOrder"]) == (str(category), True, 7)
    assert view["names"]["en"] == "Outerwear"
    assert api_categories(server)[str(category)]["name"][-1] == "Outerwear"
    sort_order = sandbox.store.one("SELECT sort_order FROM categories WHERE id = ?", (category,))
    assert sort_order[0] == 7


def test_deactivated_category_leaves_the_checkout_api(
    control: httpx.Client, server: httpx.Client, category: int
) -> None:
    assert str(category) in api_categories(server)

    response = control.put(f"categories/{category}", json={"active": False})

    assert response.json()["active"] is False
    assert str(category) not in api_categories(server)


def test_category_change_bumps_its_products_modified_at(
    control: httpx.Client, sandbox: Sandbox, category: int
) -> None:
    products = control.get(f"categories/{category}").json()["products"]
    before = time.strftime("%Y-%m-%d %H:%M:%S")

    control.put(f"categories/{category}", json={"names": {"en": "Renamed"}})

    marks = ",".join("?" * len(products))
    stamps = sandbox.store.all(
        f"SELECT modified_at FROM products WHERE id IN ({marks})",  # noqa: S608
        tuple(int(p) for p in products),
    )
    assert len(stamps) == len(products) >= 1
    assert all(row[0] >= before for row in stamps)


def test_unknown_category_is_404(control: httpx.Client) -> None:
    response = control.put("categories/999999", json={"active": False})

    assert response.status_code == 404
    assert response.json() == {"errors": {"category": "not found"}}
    assert control.get("categories/x").status_code == 404


def test_invalid_category_change_is_400_and_changes_nothing(
    control: httpx.Client, category: int
) -> None:
    before = control.get(f"categories/{category}").json()

    response = control.put(
        f"categories/{category}",
        json={"names": {"en": "Fine", "xx": "Bad"}, "active": 1, "sortOrder": "2", "uri": "x"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "uri": "unknown field",
            "names.xx": "unknown language",
            "active": "must be a boolean",
            "sortOrder": "must be an integer",
        }
    }
    assert control.get(f"categories/{category}").json() == before


# -- outbox emails and webhook settings -----------------------------------------------------------


def test_outbox_emails_lists_filters_and_clears(
    control: httpx.Client, shopper: httpx.Client, sandbox: Sandbox
) -> None:
    for email in ("ann@example.com", "bob@example.com"):
        shopper.post("register", json={"email": email, "password": "secret1"})
        shopper.post(f"password-reset-email/{email.replace('@', '%40')}")

    everything = control.get("outbox/emails").json()["emails"]
    for_bob = control.get("outbox/emails", params={"to": "BOB@example.com"}).json()["emails"]

    assert [e["recipient"] for e in everything] == ["ann@example.com", "bob@example.com"]
    assert set(everything[0]) == {"id", "recipient", "subject", "body", "link", "created_at"}
    assert everything[0]["subject"] == "Reset your password"
    assert for_bob == [everything[1]]
    assert control.delete("outbox/emails").json() == {"deleted": 2}
    assert control.get("outbox/emails").json() == {"emails": []}


def test_webhook_config_can_be_read_and_changed(control: httpx.Client, sandbox: Sandbox) -> None:
    assert control.get("webhook-config").json() == {
        "url": None,
        "secret_set": False,
        "batch_size": 100,
    }

    response = control.put(
        "webhook-config",
        json={"url": "http://shop.test/hook", "secret": "s3cret", "batch_size": 10},
    )

    assert response.json() == {"url": "http://shop.test/hook", "secret_set": True, "batch_size": 10}
    assert (sandbox.config.webhook_url, sandbox.config.webhook_secret) == (
        "http://shop.test/hook",
        "s3cret",
    )
    assert control.put("webhook-config", json={"url": None}).json()["url"] is None


def test_invalid_webhook_config_is_400_and_changes_nothing(control: httpx.Client) -> None:
    response = control.put(
        "webhook-config", json={"url": "ftp://x", "secret": 5, "batch_size": 0, "retries": 3}
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "retries": "unknown field",
            "url": "must be an http(s) URL or null",
            "secret": "must be a string or null",
            "batch_size": "must be an integer from 1 to 1000",
        }
    }
    assert control.get("webhook-config").json()["batch_size"] == 100


# -- request counts -------------------------------------------------------------------------------


def test_requests_counts_checkout_api_calls_per_route(
    control: httpx.Client, shopper: httpx.Client, server: httpx.Client
) -> None:
    shopper.get("selection")
    shopper.get("selection")
    server.post("products", json={}, headers=NONE)
    shopper.get("no/such/route")
    control.get("faults")

    assert control.get("requests").json() == {
        "GET selection": 2,
        "POST products": 1,
        "GET ?": 1,
        "*": 4,
    }
    assert control.delete("requests").json() == {"*": 0}
    assert control.get("requests").json() == {"*": 0}


# -- faults ---------------------------------------------------------------------------------------


def test_error_rule_answers_its_route_with_retry_after_for_count_calls(
    control: httpx.Client, shopper: httpx.Client
) -> None:
    response = control.put(
        "faults",
        json={"errors": [{"route": "GET selection", "status": 429, "retry_after": 3, "count": 2}]},
    )
    assert response.json() == {
        "latency_ms": 0,
        "down": None,
        "errors": [
            {
                "route": "GET selection",
                "status": 429,
                "retry_after": 3,
                "remaining": 2,
                "after": 0,
            }
        ],
    }

    limited = [shopper.get("selection") for _ in range(2)]
    other_route = shopper.get("countries")
    recovered = shopper.get("selection")

    assert [r.status_code for r in limited] == [429, 429]
    assert [r.headers["Retry-After"] for r in limited] == ["3", "3"]
    assert limited[0].json() == {"errors": {"fault": "injected"}}
    assert other_route.status_code == 200
    assert recovered.status_code == 200
    assert control.get("faults").json()["errors"][0]["remaining"] == 0


def test_error_rule_with_after_fails_exactly_the_nth_call(
    control: httpx.Client, shopper: httpx.Client
) -> None:
    control.put(
        "faults",
        json={"errors": [{"route": "GET countries", "status": 500, "after": 2, "count": 1}]},
    )

    # Other routes neither fail nor use up the calls the rule lets through.
    assert shopper.get("selection").status_code == 200
    statuses = [shopper.get("countries").status_code for _ in range(4)]

    assert statuses == [200, 200, 500, 200]
    assert control.get("faults").json()["errors"] == [
        {
            "route": "GET countries",
            "status": 500,
            "retry_after": None,
            "remaining": 0,
            "after": 0,
        }
    ]


def test_call_hooks_run_before_the_nth_call_is_answered(
    sandbox: Sandbox, shopper: httpx.Client
) -> None:
    seen: list[tuple[str, int]] = []
    sandbox.call_hooks.append(lambda route, n: seen.append((route, n)))

    shopper.get("countries")
    shopper.get("selection")
    shopper.get("countries")

    assert seen == [("GET countries", 1), ("GET selection", 1), ("GET countries", 2)]


def test_error_rule_on_every_route_without_count_lasts_until_cleared(
    control: httpx.Client, shopper: httpx.Client
) -> None:
    control.put("faults", json={"errors": [{"route": "*", "status": 500}]})

    first = [shopper.get("selection").status_code, shopper.get("countries").status_code]
    assert "Retry-After" not in shopper.get("selection").headers
    assert control.delete("faults").json() == {"latency_ms": 0, "down": None, "errors": []}

    assert first == [500, 500]
    assert shopper.get("selection").status_code == 200


def test_down_refuse_makes_calls_fail_to_connect_while_control_works(
    control: httpx.Client, shopper: httpx.Client
) -> None:
    assert control.put("faults", json={"down": "refuse"}).json()["down"] == "refuse"

    with pytest.raises(httpx.ConnectError):
        shopper.get("selection")
    assert control.get("requests").status_code == 200
    control.delete("faults")
    assert shopper.get("selection").status_code == 200


def test_down_503_answers_every_call_with_503(control: httpx.Client, shopper: httpx.Client) -> None:
    control.put("faults", json={"down": "503"})

    assert shopper.get("selection").status_code == 503
    assert shopper.post("register", json={}).status_code == 503
    assert control.get("faults").json()["down"] == "503"


def test_latency_delays_every_call(control: httpx.Client, shopper: httpx.Client) -> None:
    control.put("faults", json={"latency_ms": 120})

    started = time.perf_counter()
    response = shopper.get("selection")
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert elapsed >= 0.12
    assert control.get("faults").json()["latency_ms"] == 120


def test_invalid_faults_are_400_and_keep_the_current_faults(control: httpx.Client) -> None:
    control.put("faults", json={"latency_ms": 5})

    response = control.put(
        "faults",
        json={
            "latency_ms": -1,
            "down": "sometimes",
            "errors": [
                {
                    "route": "GET nowhere",
                    "status": 200,
                    "retry_after": "soon",
                    "count": 0,
                    "after": -1,
                },
                "oops",
                {"route": "*", "status": 503, "why": "x"},
            ],
            "jitter": 3,
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "jitter": "unknown field",
            "latency_ms": "must be an integer from 0 to 60000",
            "down": 'must be null, "refuse" or "503"',
            "errors.0.route": 'must be "*" or a Checkout API route such as "GET selection"',
            "errors.0.status": "must be an integer from 400 to 599",
            "errors.0.retry_after": "must be an integer >= 0 or null",
            "errors.0.count": "must be an integer >= 1 or null",
            "errors.0.after": "must be an integer >= 0",
            "errors.1": "must be an object",
            "errors.2.why": "unknown field",
        }
    }
    assert control.get("faults").json() == {"latency_ms": 5, "down": None, "errors": []}


def test_reset_clears_faults_counts_and_outboxes(
    control: httpx.Client, shopper: httpx.Client, sandbox: Sandbox
) -> None:
    shopper.post("register", json={"email": "ann@example.com", "password": "secret1"})
    shopper.post("password-reset-email/ann%40example.com")
    sandbox.store.db.execute(
        "INSERT INTO webhook_deliveries (url, body, status_code, created_at) "
        "VALUES ('http://x', 'payload=%7B%7D', 200, 0)"
    )
    control.put("faults", json={"down": "503"})

    response = control.post("reset")

    assert response.json() == {
        "faults": {"latency_ms": 0, "down": None, "errors": []},
        "requests": {"*": 0},
    }
    assert control.get("outbox/emails").json() == {"emails": []}
    assert control.get("outbox/webhooks").json() == {"webhooks": []}
    assert shopper.get("customer").json()["loggedIn"]["email"] == "ann@example.com"
