"""Customer accounts through the storefront against the sandbox as its own server, with Centra's
latency: Centra calls per step, p50/p99 per step, and the store's own time beyond Centra's.

Run: ``.venv/bin/python bench/accounts.py [--customers 20] [--latency-ms 100]``.

Per customer, with their own session: register, open the account page, save a product to the
wishlist and open the wishlist, open the order history, sign out, and sign in again with a
product in the anonymous cart (Centra merges it into the saved one). The set-up is
``bench/checkout.py``'s (its own sandbox server, SQLite file, ``DEBUG=false``); the rate limits
are lifted, since every customer comes from one address here.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.checkout import TimedTransport, setup, sizes_to_buy, step_table  # noqa: E402
from bench.sync import free_port, start_sandbox  # noqa: E402
from tests.processes import stop  # noqa: E402

STEPS = ("register", "account", "wishlist add", "wishlist", "orders", "sign out", "sign in")
PASSWORD = secrets.token_urlsafe(12)


def one_customer(
    n: int, path: str, item: str, product: str, timer: TimedTransport
) -> dict[str, tuple[float, float, int]]:
    """{step: (wall seconds, Centra seconds, Centra calls)} for one customer."""
    from django.test import Client

    client = Client()
    email = f"bench{n}-{secrets.token_hex(3)}@example.com"
    steps: dict[str, tuple[float, float, int]] = {}

    def step(name: str, call: Any, status: int = 200) -> Any:
        calls, upstream = timer.calls, timer.seconds
        started = time.perf_counter()
        response = call()
        steps[name] = (time.perf_counter() - started, timer.seconds - upstream, timer.calls - calls)
        assert response.status_code == status, (name, response.status_code)
        return response

    form = {
        "email": email,
        "password": PASSWORD,
        "firstName": "B",
        "lastName": "M",
        "privacy": "on",
    }
    step("register", lambda: client.post("/account/register", form), 302)
    step("account", lambda: client.get("/account/"))
    wish = {"product": product, "next": path}
    step("wishlist add", lambda: client.post("/account/wishlist/add", wish), 302)
    step("wishlist", lambda: client.get("/account/wishlist/"))
    step("orders", lambda: client.get("/account/orders/"))
    step("sign out", lambda: client.post("/account/sign-out"), 302)
    client.post("/cart/add", {"item": item, "quantity": 1, "next": path})
    credentials = {"email": email, "password": PASSWORD}
    step("sign in", lambda: client.post("/account/sign-in", credentials), 302)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()

    secret = secrets.token_urlsafe(24)
    port = free_port()
    os.environ["ACCOUNT_RATE_LIMIT_PER_IP"] = str(10 * args.customers + 10)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        extra = ("--latency-ms", str(args.latency_ms))
        server = start_sandbox(port, 60, folder / "sandbox.sqlite3", secret, *extra)
        try:
            api = f"http://127.0.0.1:{port}/api/checkout/"
            setup(api, secret, folder)
            from catalog.models import Item
            from centra import connection
            from centra.client import CentraClient

            timer = TimedTransport()
            connection.use_client(CentraClient(api, shared_secret=secret, transport=timer))
            choices = sizes_to_buy(args.customers)
            runs = []
            for n in range(args.customers):
                path, item = choices[n % len(choices)]
                product = str(Item.objects.get(pk=item).product_id)
                runs.append(one_customer(n, path, item, product, timer))
        finally:
            stop(server)
    report(runs, args.latency_ms)


def report(runs: list[dict[str, tuple[float, float, int]]], latency_ms: int) -> None:
    print(f"{len(runs)} customers, Centra latency {latency_ms} ms per call")
    step_table(runs, STEPS)


if __name__ == "__main__":
    main()
