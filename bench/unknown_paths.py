"""A crawler of random URLs: what 1,000 never-seen paths cost in Centra calls, and how fast
they are answered.

Run: ``.venv/bin/python bench/unknown_paths.py [--paths 1000] [--products 200]``.

Steps: start the sandbox as its own server; create a throwaway PostgreSQL database
(``BENCH_POSTGRES_URL``), migrate it and fill it with ``manage.py centra_sync``; serve with
gunicorn (``DEBUG=false``, the shared cache on Redis, ``BENCH_REDIS_URL``, so the shop-wide
live-lookup bucket is shared by the workers). Then this process requests ``--paths`` random
paths, half of them under a category the catalog has, some with a language prefix, one at a
time, and prints the Checkout API calls they caused, the answers' statuses, and p50/p95/max
latency. Targets: at most 50 Centra calls, p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import fresh_postgres, prepare_shop, shop_env, wait_for  # noqa: E402
from bench.sync import free_port, shared_cache, start_sandbox  # noqa: E402
from bench.webhooks import query  # noqa: E402
from tests.processes import stop  # noqa: E402
from tests.services import drop_keys  # noqa: E402

TARGET_CALLS = 50
TARGET_P95_MS = 50.0


def random_paths(count: int, categories: list[str], seed: int = 4) -> list[str]:
    rng = random.Random(seed)
    letters = string.ascii_lowercase + string.digits + "-"
    paths = []
    for n in range(count):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(3, 24)))
        prefix = rng.choice(["", "", "/sv", "/de"])
        under = rng.choice(categories) + "/" if n % 2 else ""
        paths.append(f"{prefix}/{under}{word}")
    return paths


def run(args: argparse.Namespace) -> int:
    secret = secrets.token_hex(16)
    sandbox_port, web_port = free_port(), free_port()
    cache_url, tag = shared_cache("paths")
    with tempfile.TemporaryDirectory(prefix="bench-paths-") as tmp:
        sandbox = start_sandbox(sandbox_port, args.products, Path(tmp) / "sandbox.sqlite3", secret)
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        database_url, drop = fresh_postgres()
        web = None
        try:
            env = shop_env(
                sandbox_port,
                database_url,
                secret,
                CACHE_URL=f"{cache_url}?key_prefix={tag}",
                LOG_LEVEL="ERROR",
            )
            prepare_shop(env)
            categories = [row[0] for row in query(database_url, "SELECT uri FROM catalog_category")]
            gunicorn = [sys.executable, "-m", "gunicorn", "storefront.wsgi"]
            gunicorn += ["--workers", "2", "--bind", f"127.0.0.1:{web_port}"]
            gunicorn += ["--log-level", "error"]
            web = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
            wait_for(web_port, web)
            paths = random_paths(args.paths, categories)
            with httpx.Client(base_url=f"http://127.0.0.1:{web_port}", timeout=30) as client:
                for _ in range(20):  # warm each worker's imports and caches (uncounted)
                    client.get("/healthz")
                httpx.delete(f"{sandbox_url}/_sandbox/requests").raise_for_status()
                latencies: list[float] = []
                statuses: dict[int, int] = {}
                for path in paths:
                    started = time.perf_counter()
                    status = client.get(path).status_code
                    latencies.append((time.perf_counter() - started) * 1000)
                    statuses[status] = statuses.get(status, 0) + 1
            counts = httpx.get(f"{sandbox_url}/_sandbox/requests").json()
            report(args.paths, counts, statuses, latencies)
        finally:
            if web is not None:
                stop(web)
            drop()
            stop(sandbox)
            drop_keys(cache_url, tag)
    return 0


def report(
    count: int, calls: dict[str, int], statuses: dict[int, int], latencies: list[float]
) -> None:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    total = calls.get("*", 0)
    print(f"{count} random unknown paths (half under known categories), gunicorn 2 workers")
    print(f"answers: {dict(sorted(statuses.items()))}")
    verdict = "ok" if total <= TARGET_CALLS else "OVER"
    print(f"Centra calls: {total} {calls} (target <= {TARGET_CALLS}: {verdict})")
    verdict = "ok" if p95 < TARGET_P95_MS else "OVER"
    print(
        f"latency ms: p50 {statistics.median(ordered):.1f}, p95 {p95:.1f}, max {ordered[-1]:.1f}"
        f" (target p95 < {TARGET_P95_MS:.0f}: {verdict})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--products", type=int, default=200)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
