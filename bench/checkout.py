"""Complete orders through the storefront against the sandbox as its own server, with Centra's
latency: upstream calls per order, p50/p99 per step, and the store's own time beyond Centra's.

Run: ``.venv/bin/python bench/checkout.py [--orders 30] [--latency-ms 100]``.

Steps: start ``python -m centra_sandbox --latency-ms N`` with the demo catalog; point a Django
process (this one) at it with ``CENTRA_API_URL`` (SQLite file, ``DEBUG=false``, collected static
files), migrate and sync the catalog; then, per order, as a shopper with their own session:
open a product page, add a size to the cart, open the cart, open the checkout, pay with the
redirect method, approve on the sandbox's hosted page (the payment provider's part: not timed
as the store's), land on the return page, and see the receipt.

Every Centra call goes through a transport that times it, so each step's wall time splits into
Centra's time and the store's own. Target: the store's own time per order under 15 % of
Centra's time per order.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sync import free_port, start_sandbox  # noqa: E402
from tests.processes import stop  # noqa: E402

STEPS = ("product", "add", "cart", "checkout", "pay", "return", "receipt")
TARGET = 0.15


class TimedTransport(httpx.BaseTransport):
    """Forwards to the network and adds up the calls and the time they took."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.calls = 0
        self.seconds = 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = self._inner.handle_request(request)
        response.read()
        self.seconds += time.perf_counter() - started
        self.calls += 1
        return response

    def close(self) -> None:
        self._inner.close()


def setup(api: str, secret: str, folder: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "storefront.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"sqlite:///{folder / 'shop.sqlite3'}",
            "CENTRA_API_URL": api,
            "CENTRA_SHARED_SECRET": secret,
            "CATALOG_RESYNC_MINUTES": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("centra_sync", verbosity=0)


def sizes_to_buy(count: int) -> list[tuple[str, str]]:
    """(product page path, item) of in-stock sizes the anonymous shopper can buy."""
    from catalog.models import Item, ProductMarket, ProductPrice

    sold = ProductMarket.objects.filter(market_id=1).values("product_id")
    priced = ProductPrice.objects.filter(pricelist_id=1).values("product_id")
    items = (
        Item.objects.filter(product_id__in=sold, stock_state="in_stock")
        .filter(product_id__in=priced)
        .select_related("product", "product__category")
        .order_by("product_id", "position")
    )
    chosen = [(f"/{i.product.category.uri}/{i.product.uri}", i.id) for i in items[:count]]
    if not chosen:
        raise SystemExit("no buyable size in the demo catalog")
    return chosen


def one_order(path: str, item: str, timer: TimedTransport) -> dict[str, tuple[float, float, int]]:
    """{step: (wall seconds, Centra seconds, Centra calls)} for one shopper's order."""
    from django.test import Client

    client = Client()
    steps: dict[str, tuple[float, float, int]] = {}
    answer: Any = None

    def step(name: str, call: Any) -> Any:
        calls, upstream = timer.calls, timer.seconds
        started = time.perf_counter()
        result = call()
        steps[name] = (time.perf_counter() - started, timer.seconds - upstream, timer.calls - calls)
        return result

    step("product", lambda: _ok(client.get(path)))
    step("add", lambda: client.post("/cart/add", {"item": item, "quantity": 1, "next": path}))
    step("cart", lambda: _ok(client.get("/cart/")))
    page = step("checkout", lambda: _ok(client.get("/checkout/")))
    assert "address.email" in page.content.decode()
    answer = step("pay", lambda: client.post("/checkout/", _checkout_form()))
    hosted = answer["Location"]
    approved = _approve(hosted)  # the payment provider's time, not the store's
    back = urlsplit(approved)
    receipt = step("return", lambda: client.get(f"{back.path}?{back.query}"))
    assert "/checkout/receipt/" in receipt["Location"], receipt["Location"]
    done = step("receipt", lambda: _ok(client.get(receipt["Location"])))
    assert "Thank you for your order" in done.content.decode()
    return steps


def _checkout_form() -> dict[str, str]:
    return {
        "address.email": "bench@example.com",
        "address.firstName": "Bench",
        "address.lastName": "Mark",
        "address.address1": "Storgatan 1",
        "address.zipCode": "111 22",
        "address.city": "Stockholm",
        "address.country": "SE",
        "shippingMethod": "standard",
        "paymentMethod": "sandbox-redirect",
        "termsAndConditions": "on",
        "action": "pay",
    }


def _approve(hosted: str) -> str:
    page = httpx.get(hosted, timeout=30).text
    action = re.search(r'action="([^"]+/approve)"', page)
    assert action, "the hosted payment page has no approve form"
    response = httpx.post(action[1], data={"decision": "approve"}, timeout=30)
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.status_code
    return response


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()

    secret = secrets.token_urlsafe(24)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        extra = ("--latency-ms", str(args.latency_ms))
        server = start_sandbox(port, 60, folder / "sandbox.sqlite3", secret, *extra)
        try:
            api = f"http://127.0.0.1:{port}/api/checkout/"
            setup(api, secret, folder)
            from centra import connection
            from centra.client import CentraClient

            timer = TimedTransport()
            connection.use_client(CentraClient(api, shared_secret=secret, transport=timer))
            choices = sizes_to_buy(args.orders)
            orders = [one_order(*choices[n % len(choices)], timer) for n in range(args.orders)]
        finally:
            stop(server)
    report(orders, args.latency_ms)


def step_table(runs: list[dict[str, tuple[float, float, int]]], steps: tuple[str, ...]) -> None:
    """Per step: p50/p99 wall time, Centra calls, and the store's own p50 (wall minus
    Centra), from runs of {step: (wall s, Centra s, calls)}."""
    width = max(len(step) for step in steps) + 3
    print(f"{'step':<{width}}{'p50 ms':>9}{'p99 ms':>9}{'calls':>7}{'own p50 ms':>12}")
    per_step: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for run in runs:
        for name, figures in run.items():
            per_step[name].append(figures)
    for name in steps:
        walls = [wall * 1000 for wall, _, _ in per_step[name]]
        own = [(wall - upstream) * 1000 for wall, upstream, _ in per_step[name]]
        calls = statistics.mean(count for _, _, count in per_step[name])
        print(
            f"{name:<{width}}{percentile(walls, 0.5):>9.1f}{percentile(walls, 0.99):>9.1f}"
            f"{calls:>7.1f}{percentile(own, 0.5):>12.1f}"
        )


def report(orders: list[dict[str, tuple[float, float, int]]], latency_ms: int) -> None:
    print(f"{len(orders)} orders, Centra latency {latency_ms} ms per call")
    step_table(orders, STEPS)
    calls = [sum(c for _, _, c in order.values()) for order in orders]
    upstream = [sum(u for _, u, _ in order.values()) for order in orders]
    wall = [sum(w for w, _, _ in order.values()) for order in orders]
    own = [w - u for w, u in zip(wall, upstream, strict=True)]
    ratio = statistics.median(o / u for o, u in zip(own, upstream, strict=True))
    print(
        f"Centra calls per order: {statistics.mean(calls):.1f} (min {min(calls)}, max {max(calls)})"
    )
    print(
        f"per order: Centra {statistics.median(upstream) * 1000:.0f} ms, "
        f"store's own {statistics.median(own) * 1000:.0f} ms (p50)"
    )
    verdict = "met" if ratio < TARGET else "NOT met"
    print(f"store's own time / Centra's time: {ratio:.1%} (target under {TARGET:.0%}: {verdict})")


if __name__ == "__main__":
    main()
