"""Sandbox throughput with a 10,000-product catalog, in-process through SandboxTransport.

Run: ``.venv/bin/python bench/sandbox.py [--products N] [--seconds S]``. Prints the load time and
requests per second for a 40-product ``POST products`` page and for ``GET selection``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from centra.sandbox import Sandbox, SandboxConfig, Store
from centra.sandbox.demo import load_demo
from centra.sandbox.transport import SandboxTransport

MAX_REQUESTS = 5000


def measure(name: str, seconds: float, call: Callable[[int], httpx.Response]) -> None:
    """Call repeatedly for about ``seconds`` (bounded by MAX_REQUESTS) and print the rate."""
    call(0)  # warm-up, and a status worth reporting
    statuses: dict[int, int] = {}
    count = 0
    started = time.perf_counter()
    while count < MAX_REQUESTS and time.perf_counter() - started < seconds:
        response = call(count)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        count += 1
    elapsed = time.perf_counter() - started
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    print(f"{name:<34} {count / elapsed:8.1f} req/s  ({count} requests in {elapsed:.2f}s; {codes})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per figure")
    args = parser.parse_args()

    store = Store(":memory:")
    started = time.perf_counter()
    load_demo(store, products=args.products, seed=1)
    print(f"load_demo({args.products} products): {time.perf_counter() - started:.2f}s")

    sandbox = Sandbox(store, SandboxConfig(public_url="http://sandbox.test"))
    with httpx.Client(
        transport=SandboxTransport(sandbox), base_url="http://sandbox.test/api/checkout/"
    ) as client:
        token = client.post("products", json={"limit": 1}).json()["token"]
        client.headers["API-token"] = token
        product_count = client.post("products", json={"limit": 0}).json()["productCount"]
        pages = max(1, product_count // 40)

        def page(n: int) -> httpx.Response:
            return client.post("products", json={"limit": 40, "skipFirst": 40 * (n % pages)})

        measure("POST products (limit 40)", args.seconds, page)

        item = client.post("products", json={"onlyAvailable": True, "limit": 1}).json()
        in_stock = [i["item"] for i in item["products"][0]["items"] if i["stock"] != "no"]
        added = client.post(f"items/{in_stock[0]}")
        if added.status_code != 200:
            print(f"(POST items answered {added.status_code}; GET selection has an empty cart)")
        measure("GET selection", args.seconds, lambda _: client.get("selection"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
