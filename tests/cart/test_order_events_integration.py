"""An order event end to end with real parts: recorded in PostgreSQL by one process, sent by a
real Celery worker over Redis (started with the README's command), retried by Celery after the
receiver's 503, and accepted by a real HTTP server in this test process."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest

from tests.cart.helpers import documented_verify
from tests.processes import manage, start, stop, wait_until
from tests.services import (
    drop_keys,
    private_queue,
    require_redis,
    throwaway_postgres_database,
)

pytestmark = pytest.mark.integration

# Distinctive, so the test can prove it never reaches a log line.
SECRET = "order-event-secret-integration-2c8d41"
SEND_TIMEOUT = 30.0

_RECORD = """
from django.db import transaction
from cart.order_events import record_completed_order
order = {
    "order": "5001", "status": "untouched", "date": "2026-12-06 15:00:00", "currency": "SEK",
    "totals": {"grandTotalPriceAsNumber": 1229.0},
    "items": [{"item": "9001-1", "sku": "T9001G1", "quantity": 2, "priceEachAsNumber": 300.0}],
    "address": {"email": "ada@example.com", "country": "SE"},
}
with transaction.atomic():
    event = record_completed_order(order, location={"market": 1, "pricelist": 1})
print(event.pk)
"""


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP endpoint: the first request gets 503, every later one 200."""

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            self.deliveries.append(Delivery(headers, body))
            return 503 if len(self.deliveries) == 1 else 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(receiver.answer(dict(self.headers.items()), body))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/hooks/orders"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wait_for_sent(database: str, log: Path) -> tuple[str, int, str]:
    deadline = time.monotonic() + SEND_TIMEOUT
    while True:
        with psycopg.connect(database, autocommit=True) as conn:
            row = conn.execute(
                "SELECT status, attempts, last_error FROM cart_orderevent "
                "WHERE order_number = '5001'"
            ).fetchone()
        if row is not None and row[0] in ("sent", "failed"):
            return row
        assert time.monotonic() < deadline, f"event not sent: {row}\n{log.read_text()}"
        time.sleep(0.1)


def test_a_real_worker_retries_after_a_503_and_the_event_ends_sent(
    receiver: Receiver, tmp_path: Path
) -> None:
    broker, queue = private_queue(require_redis())
    with throwaway_postgres_database("storefront_order_events") as database:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": database,
            "CELERY_BROKER_URL": broker,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "CENTRA_SANDBOX_DB": str(tmp_path / "unused-embedded.sqlite3"),
            "CATALOG_RESYNC_MINUTES": "0",
            "ORDER_EVENT_URL": receiver.url,
            "ORDER_EVENT_SECRET": SECRET,
            "ORDER_EVENT_TIMEOUT": "5",
            "ORDER_EVENT_RETRY_BACKOFF": "0.2",
        }
        migrated = manage(["migrate", "--noinput"], env, timeout=120)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        log = tmp_path / "worker.log"
        worker = start(
            [
                sys.executable, "-m", "celery", "-A", "storefront", "worker",
                "--loglevel", "INFO", "--concurrency", "1",
            ],
            {**env, "CELERY_SKIP_CHECKS": "1"},
            log,
        )  # fmt: skip
        try:
            wait_until(lambda: " ready." in log.read_text(), "celery worker", [worker])
            recorded = manage(["shell", "--no-imports", "-c", _RECORD], env, timeout=60)
            assert recorded.returncode == 0, recorded.stderr
            status, attempts, last_error = wait_for_sent(database, log)
        finally:
            stop(worker)
            drop_keys(broker, queue)

    assert (status, attempts, last_error) == ("sent", 2, "")
    verify = documented_verify()
    first, second = receiver.deliveries
    for delivery in (first, second):
        assert delivery.headers["Idempotency-Key"] == "5001"
        assert verify(SECRET, delivery.headers["X-Storefront-Signature"], delivery.body)
    assert first.body == second.body
    payload = json.loads(second.body)
    assert (payload["orderNumber"], payload["market"], payload["country"]) == ("5001", 1, "SE")
    worker_log = log.read_text()
    assert "order event 5001: attempt 1 failed (HTTP 503 Service Unavailable)" in worker_log
    assert "order event 5001 sent (attempt 2)" in worker_log
    assert SECRET not in worker_log + recorded.stdout + recorded.stderr
