"""Webhooks end to end with real parts: the sandbox as its own HTTP server sends a signed webhook
to the storefront served by gunicorn on PostgreSQL, which stores it and enqueues the work on
Redis, where a real Celery worker, started with the README's production command, applies it to
the local catalog; the pages gunicorn serves from the shared cache (Redis) follow at once."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import httpx
import psycopg
import pytest

from centra_sandbox.webhooks_out import encode_payload, signature_header
from tests.live_stack import SHARED_SECRET, WEBHOOK_SECRET, Stack, running_stack
from tests.processes import manage
from tests.services import throwaway_postgres_database

pytestmark = pytest.mark.integration

APPLY_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[str]:
    with throwaway_postgres_database("storefront_webhooks") as url:
        yield url


@pytest.fixture(scope="module")
def stack(postgres_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(postgres_database, tmp_path_factory.mktemp("webhooks-e2e")) as stack:
        yield stack


def a_price(stack: Stack, *, last: bool = False) -> tuple[int, int, Decimal]:
    """(product, pricelist, price) of the first or the last product's first price."""
    order = "DESC" if last else "ASC"
    [row] = stack.query(
        "SELECT product_id, pricelist_id, price FROM catalog_productprice "  # noqa: S608
        f"ORDER BY product_id {order}, pricelist_id LIMIT 1"
    )
    return row


def price_of(stack: Stack, product_id: int, pricelist_id: int) -> Decimal:
    [(price,)] = stack.query(
        "SELECT price FROM catalog_productprice WHERE product_id = %s AND pricelist_id = %s",
        (product_id, pricelist_id),
    )
    return price


def test_a_price_changed_in_centra_reaches_postgresql_through_a_real_worker(
    stack: Stack,
) -> None:
    product_id, pricelist_id, old_price = a_price(stack)
    new_price = old_price + Decimal("111")

    changed = httpx.put(
        f"{stack.sandbox_url}/_sandbox/products/{product_id}",
        json={"prices": {str(pricelist_id): {"price": float(new_price)}}},
        timeout=10,
    )
    assert changed.status_code == 200, changed.text

    deadline = time.monotonic() + APPLY_TIMEOUT
    while price_of(stack, product_id, pricelist_id) != new_price:
        assert time.monotonic() < deadline, f"price never changed\n{stack.log_text()}"
        time.sleep(0.25)
    # The sync commits the catalog before the worker marks the event done.
    while stack.query(
        "SELECT 1 FROM catalog_webhookevent WHERE status IN ('queued', 'processing')"
    ):
        assert time.monotonic() < deadline, f"event never finished\n{stack.log_text()}"
        time.sleep(0.1)

    named = {"products": [str(product_id)]}
    outbox = httpx.get(f"{stack.sandbox_url}/_sandbox/outbox/webhooks").json()["webhooks"]
    [delivery] = [d for d in outbox if d["payload"] == named]
    assert delivery["status_code"] == 200
    [(status, signature_valid, error)] = stack.query(
        "SELECT status, signature_valid, error FROM catalog_webhookevent "
        "WHERE object_ids = %s::jsonb",
        (json.dumps(named),),
    )
    assert (status, signature_valid, error) == ("processed", True, "")
    [(kind, trigger, run_status)] = stack.query(
        "SELECT kind, trigger, status FROM catalog_syncrun "
        "WHERE trigger = 'webhook' AND product_ids = %s::jsonb",
        (json.dumps([product_id]),),
    )
    assert (kind, trigger, run_status) == ("partial", "webhook", "succeeded")


def a_product_page(stack: Stack) -> tuple[int, str]:
    """(product, its page's path) of a product the anonymous visitor's market sells (not the
    last one, which the forged webhook names)."""
    [(product_id, category_uri, uri)] = stack.query(
        "SELECT p.id, c.uri, p.uri FROM catalog_product p "
        "JOIN catalog_category c ON c.id = p.category_id "
        "JOIN catalog_productmarket pm ON pm.product_id = p.id "
        "JOIN catalog_market m ON m.id = pm.market_id AND m.is_default "
        "ORDER BY p.id DESC LIMIT 1 OFFSET 1"
    )
    return product_id, f"/{category_uri}/{uri}"


def wait_for_webhook_work(stack: Stack, product_id: int) -> None:
    """Until a webhook naming ``product_id`` has been applied and its task has finished."""
    named = json.dumps({"products": [str(product_id)]})
    deadline = time.monotonic() + APPLY_TIMEOUT
    while stack.query(
        "SELECT 1 FROM catalog_webhookevent WHERE object_ids = %s::jsonb "
        "AND status NOT IN ('processed', 'failed')",
        (named,),
    ) or not stack.query(
        "SELECT 1 FROM catalog_webhookevent WHERE object_ids = %s::jsonb", (named,)
    ):
        assert time.monotonic() < deadline, f"webhook never applied\n{stack.log_text()}"
        time.sleep(0.1)


def test_a_renamed_product_shows_on_its_cached_page_once_the_worker_is_done(
    stack: Stack,
) -> None:
    product_id, path = a_product_page(stack)
    before = httpx.get(stack.web_url + path, timeout=10)
    assert before.status_code == 200, before.text
    [(old_name,)] = stack.query(
        "SELECT name FROM catalog_producttext WHERE product_id = %s AND language_id = 'en'",
        (product_id,),
    )
    assert f'<h1 id="product-name">{old_name}</h1>' in before.text
    new_name = f"Renamed {uuid.uuid4().hex[:8]}"

    changed = httpx.put(
        f"{stack.sandbox_url}/_sandbox/products/{product_id}",
        json={"names": {"en": new_name}},
        timeout=10,
    )
    assert changed.status_code == 200, changed.text
    wait_for_webhook_work(stack, product_id)

    after = httpx.get(stack.web_url + path, timeout=10)
    assert after.status_code == 200
    assert f'<h1 id="product-name">{new_name}</h1>' in after.text, stack.log_text("worker.log")


def test_a_forged_webhook_is_refused_by_the_live_server_and_changes_nothing(
    stack: Stack,
) -> None:
    product_id, pricelist_id, price = a_price(stack, last=True)
    runs_before = stack.query("SELECT COUNT(*) FROM catalog_syncrun")
    body = encode_payload({"products": [str(product_id)]})

    response = httpx.post(
        f"{stack.web_url}/webhooks/centra/",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Centra-Signature": signature_header("guessed-secret", int(time.time()), body),
        },
        timeout=10,
    )

    assert response.status_code == 401
    assert response.json() == {"errors": {"signature": "signature does not match"}}
    # Verified before storing: the forgery is only counted, under its sender's address.
    assert stack.query(
        "SELECT COUNT(*) FROM catalog_webhookevent WHERE raw_body = %s", (body,)
    ) == [(0,)]
    [(reason, count)] = stack.query(
        "SELECT reason, count FROM catalog_rejectedwebhook WHERE first_bytes = %s", (body[:120],)
    )
    assert (reason, count) == ("401 signature: signature does not match", 1)
    # Longer than the coalescing window: had anything been enqueued, it would have run.
    time.sleep(1.5)
    assert stack.query("SELECT COUNT(*) FROM catalog_syncrun") == runs_before
    assert price_of(stack, product_id, pricelist_id) == price


def test_no_secret_reaches_the_storefronts_log_lines(stack: Stack) -> None:
    logs = stack.log_text("web.log", "worker.log")
    assert "webhook" in logs
    assert SHARED_SECRET not in logs
    assert WEBHOOK_SECRET not in logs


def test_a_claim_on_postgresql_skips_the_rows_another_worker_holds(stack: Stack) -> None:
    ids = sorted(
        row[0]
        for row in stack.query(
            "INSERT INTO catalog_webhookevent "
            "(received_at, payload, raw_body, object_ids, status, error) "
            "SELECT now(), '{}', '', '{}', 'queued', '' FROM generate_series(1, 3) RETURNING id"
        )
    )
    try:
        with psycopg.connect(stack.database_url) as holder:
            # Another worker in the middle of claiming the first event.
            holder.execute(
                "SELECT id FROM catalog_webhookevent WHERE id = %s FOR UPDATE", (ids[0],)
            )
            claim = manage(
                [
                    "shell",
                    "--no-imports",
                    "-c",
                    "from catalog.webhook_batches import claim_queued_events;"
                    "print([e.pk for e in claim_queued_events()])",
                ],
                stack.env,
            )
            holder.rollback()

        assert claim.returncode == 0, claim.stderr
        assert claim.stdout.strip() == str(ids[1:])
        statuses = stack.query(
            "SELECT id, status FROM catalog_webhookevent WHERE id = ANY(%s) ORDER BY id", (ids,)
        )
        assert statuses == [(ids[0], "queued"), (ids[1], "processing"), (ids[2], "processing")]
    finally:
        stack.query("DELETE FROM catalog_webhookevent WHERE id = ANY(%s) RETURNING id", (ids,))
