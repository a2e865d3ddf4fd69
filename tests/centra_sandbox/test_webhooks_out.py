"""Webhooks the sandbox sends when the control API changes the catalog: Centra's form body,
signature, batching, delivery records, and a receiver that fails or calls back."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from urllib.parse import parse_qs, quote

import httpx
import pytest

from centra_sandbox import Sandbox
from centra_sandbox.transport import SandboxTransport
from centra_sandbox.webhooks_out import (
    batch_payloads,
    encode_payload,
    sign_webhook,
    signature_header,
    wait_for_webhooks,
)

HOOK_URL = "http://shop.test/centra/webhook"
SECRET = "whsec-sandbox"


class Receiver:
    """A webhook endpoint in-process: records what it got, answers what it is told."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (lambda request: httpx.Response(200, json={}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.answer(request)

    def payloads(self) -> list[dict]:
        return [json.loads(parse_qs(r.content.decode())["payload"][0]) for r in self.requests]


def attach(sandbox: Sandbox, receiver: Receiver, secret: str | None = SECRET) -> None:
    sandbox.config.webhook_url = HOOK_URL
    sandbox.config.webhook_secret = secret
    sandbox.config.webhook_transport = httpx.MockTransport(receiver)


def category_products(sandbox: Sandbox, *category_ids: int) -> list[str]:
    marks = ",".join("?" * len(category_ids))
    rows = sandbox.store.all(
        f"SELECT id FROM products WHERE category_id IN ({marks}) "  # noqa: S608
        f"UNION SELECT product_id FROM product_categories WHERE category_id IN ({marks})",
        category_ids * 2,
    )
    return [str(i) for i in sorted(row[0] for row in rows)]


@pytest.fixture
def product(sandbox: Sandbox) -> tuple[str, list[str]]:
    """A demo product with at least two items: its id and item ids."""
    row = sandbox.store.one(
        "SELECT product_id FROM items GROUP BY product_id HAVING COUNT(*) >= 2 "
        "ORDER BY product_id LIMIT 1"
    )
    items = sandbox.store.all(
        "SELECT id FROM items WHERE product_id = ? ORDER BY position", (row[0],)
    )
    return str(row[0]), [item["id"] for item in items]


@pytest.fixture
def leaf_category(sandbox: Sandbox) -> int:
    """A category without subcategories that holds at least two products."""
    for row in sandbox.store.all(
        "SELECT id FROM categories WHERE id NOT IN "
        "(SELECT parent_id FROM categories WHERE parent_id IS NOT NULL) ORDER BY id"
    ):
        if len(category_products(sandbox, row["id"])) >= 2:
            return row["id"]
    raise AssertionError("the demo catalog has no category with two products")


def deliveries(sandbox: Sandbox) -> list[dict]:
    return [dict(r) for r in sandbox.store.all("SELECT * FROM webhook_deliveries ORDER BY id")]


# -- signing and encoding -------------------------------------------------------------------------


def test_sign_webhook_matches_centras_worked_example() -> None:
    body = "payload=%7B%22x%22%3A%22test%22%7D"
    expected = "0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75bdac356c549"

    assert sign_webhook("test123", 12345678, body) == expected
    assert signature_header("test123", 12345678, body) == f"t=12345678,v1={expected}"


def test_encode_payload_matches_centras_documented_body() -> None:
    assert encode_payload({"products": ["1"]}) == "payload=%7B%22products%22%3A%5B%221%22%5D%7D"
    assert encode_payload({"x": "test"}) == "payload=%7B%22x%22%3A%22test%22%7D"


def test_batch_payloads_counts_ids_across_keys() -> None:
    changes = {"categories": ["3"], "products": ["1", "2", "3", "4"]}

    assert batch_payloads(changes, 2) == [
        {"categories": ["3"], "products": ["1"]},
        {"products": ["2", "3"]},
        {"products": ["4"]},
    ]
    assert batch_payloads(changes, 100) == [changes]


# -- delivery -------------------------------------------------------------------------------------


def form_body(payload: dict) -> str:
    return "payload=" + quote(json.dumps(payload, separators=(",", ":")), safe="")


def test_product_change_sends_a_signed_form_webhook(
    sandbox: Sandbox, control: httpx.Client, product: tuple[str, list[str]]
) -> None:
    product_id, items = product
    receiver = Receiver()
    attach(sandbox, receiver)
    before = int(time.time())

    response = control.put(f"products/{product_id}", json={"stock": {items[1]: 7}})
    assert wait_for_webhooks(sandbox)
    after = int(time.time())

    assert response.status_code == 200
    [request] = receiver.requests
    assert request.method == "POST"
    assert str(request.url) == HOOK_URL
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    body = request.content.decode()
    assert body == f"payload=%7B%22products%22%3A%5B%22{product_id}%22%5D%7D"
    parts = dict(part.split("=", 1) for part in request.headers["X-Centra-Signature"].split(","))
    assert before <= int(parts["t"]) <= after
    expected = hmac.new(SECRET.encode(), f"{parts['t']}.{body}".encode(), hashlib.sha256)
    assert parts["v1"] == expected.hexdigest()
    [delivery] = deliveries(sandbox)
    assert delivery["url"] == HOOK_URL
    assert delivery["body"] == body
    assert delivery["signature"] == request.headers["X-Centra-Signature"]
    assert (delivery["status_code"], delivery["error"]) == (200, None)


def test_no_signature_header_without_a_secret(
    sandbox: Sandbox, control: httpx.Client, product: tuple[str, list[str]]
) -> None:
    receiver = Receiver()
    attach(sandbox, receiver, secret=None)

    control.put(f"products/{product[0]}", json={"active": False})
    assert wait_for_webhooks(sandbox)

    [request] = receiver.requests
    assert "X-Centra-Signature" not in request.headers
    assert receiver.payloads() == [{"products": [product[0]]}]
    assert deliveries(sandbox)[0]["signature"] is None


def test_category_change_sends_the_category_and_its_products(
    sandbox: Sandbox, control: httpx.Client, leaf_category: int
) -> None:
    receiver = Receiver()
    attach(sandbox, receiver)
    expected = {
        "categories": [str(leaf_category)],
        "products": category_products(sandbox, leaf_category),
    }

    control.put(f"categories/{leaf_category}", json={"names": {"en": "Gowns"}})
    assert wait_for_webhooks(sandbox)

    assert receiver.payloads() == [expected]
    assert receiver.requests[0].content.decode() == form_body(expected)


def test_parent_category_change_includes_products_of_subcategories(
    sandbox: Sandbox, control: httpx.Client, leaf_category: int
) -> None:
    receiver = Receiver()
    attach(sandbox, receiver)
    parent = sandbox.store.one("SELECT parent_id FROM categories WHERE id = ?", (leaf_category,))[0]
    assert parent is not None
    children = sandbox.store.all("SELECT id FROM categories WHERE parent_id = ?", (parent,))
    expected = category_products(sandbox, parent, *(row["id"] for row in children))
    assert set(category_products(sandbox, leaf_category)) < set(expected)

    control.put(f"categories/{parent}", json={"sortOrder": 9})
    assert wait_for_webhooks(sandbox)

    assert receiver.payloads() == [{"categories": [str(parent)], "products": expected}]


def test_batch_size_caps_the_ids_per_call(
    sandbox: Sandbox, control: httpx.Client, leaf_category: int
) -> None:
    receiver = Receiver()
    attach(sandbox, receiver)
    sandbox.config.webhook_batch_size = 2
    products = category_products(sandbox, leaf_category)
    events = [f"categories:{leaf_category}", *(f"products:{p}" for p in products)]

    control.put(f"categories/{leaf_category}", json={"active": False})
    assert wait_for_webhooks(sandbox)

    payloads = receiver.payloads()
    assert len(payloads) == -(-len(events) // 2)
    sent = [f"{key}:{i}" for payload in payloads for key, ids in payload.items() for i in ids]
    assert sent == events
    assert [sum(len(ids) for ids in p.values()) for p in payloads[:-1]] == [2] * (len(payloads) - 1)
    assert len(deliveries(sandbox)) == len(payloads)


def test_a_receiver_error_is_recorded_and_the_change_still_holds(
    sandbox: Sandbox, control: httpx.Client, product: tuple[str, list[str]]
) -> None:
    product_id, items = product
    attach(sandbox, Receiver(lambda request: httpx.Response(500, text="boom")))

    response = control.put(f"products/{product_id}", json={"stock": {items[0]: 3}})
    assert wait_for_webhooks(sandbox)

    assert response.status_code == 200
    assert control.get(f"products/{product_id}").json()["stock"][items[0]] == 3
    [delivery] = deliveries(sandbox)
    assert (delivery["status_code"], delivery["error"]) == (500, None)


def test_an_unreachable_receiver_is_recorded_as_an_error(
    sandbox: Sandbox, control: httpx.Client, product: tuple[str, list[str]]
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    attach(sandbox, Receiver(refuse))

    response = control.put(f"products/{product[0]}", json={"names": {"en": "Renamed"}})
    assert wait_for_webhooks(sandbox)

    assert response.status_code == 200
    assert control.get(f"products/{product[0]}").json()["names"]["en"] == "Renamed"
    [delivery] = deliveries(sandbox)
    assert delivery["status_code"] is None
    assert delivery["error"] == "ConnectError: connection refused"


def test_the_receiver_sees_the_committed_change_when_it_calls_back(
    sandbox: Sandbox, control: httpx.Client, product: tuple[str, list[str]]
) -> None:
    product_id, items = product
    seen: list[int] = []

    def fetch_back(request: httpx.Request) -> httpx.Response:
        with httpx.Client(
            transport=SandboxTransport(sandbox), base_url="http://sandbox.test/_sandbox/"
        ) as client:
            seen.append(client.get(f"products/{product_id}").json()["stock"][items[1]])
        return httpx.Response(204)

    attach(sandbox, Receiver(fetch_back))

    control.put(f"products/{product_id}", json={"stock": {items[1]: 42}})
    assert wait_for_webhooks(sandbox)

    assert seen == [42]
    assert deliveries(sandbox)[0]["status_code"] == 204


def test_no_webhook_without_a_url(
    sandbox: Sandbox, control: httpx.Client, product: tuple[str, list[str]]
) -> None:
    receiver = Receiver()
    attach(sandbox, receiver)
    sandbox.config.webhook_url = None

    assert control.put(f"products/{product[0]}", json={"active": False}).status_code == 200
    assert wait_for_webhooks(sandbox)

    assert receiver.requests == []
    assert deliveries(sandbox) == []


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("products", {"stock": {"not-an-item": 1}}),
        ("products", {"prices": {"99": {"price": 1}}}),
        ("categories", {"active": "no"}),
    ],
)
def test_a_refused_change_sends_nothing(
    sandbox: Sandbox,
    control: httpx.Client,
    product: tuple[str, list[str]],
    leaf_category: int,
    kind: str,
    body: dict,
) -> None:
    receiver = Receiver()
    attach(sandbox, receiver)
    target = product[0] if kind == "products" else leaf_category

    response = control.put(f"{kind}/{target}", json=body)
    assert wait_for_webhooks(sandbox)

    assert response.status_code == 400
    assert receiver.requests == []
    assert deliveries(sandbox) == []


def test_outbox_lists_deliveries_and_clears(
    sandbox: Sandbox, control: httpx.Client, product: tuple[str, list[str]]
) -> None:
    attach(sandbox, Receiver())
    control.put(f"products/{product[0]}", json={"active": False})
    assert wait_for_webhooks(sandbox)

    [listed] = control.get("outbox/webhooks").json()["webhooks"]
    row = deliveries(sandbox)[0]

    assert listed == {
        "id": row["id"],
        "url": HOOK_URL,
        "body": form_body({"products": [product[0]]}),
        "payload": {"products": [product[0]]},
        "signature": row["signature"],
        "status_code": 200,
        "error": None,
        "pending": False,
        "created_at": row["created_at"],
    }
    assert control.delete("outbox/webhooks").json() == {"deleted": 1}
    assert control.get("outbox/webhooks").json() == {"webhooks": []}
