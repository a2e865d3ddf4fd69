"""A webhook burst end to end: how many Centra requests it costs and how soon the catalog is
fresh after it.

Run: ``.venv/bin/python bench/webhooks.py [--deliveries 1000] [--products 50] [--seconds 50]``.

Steps: start the sandbox as its own server; create a throwaway PostgreSQL database
(``BENCH_POSTGRES_URL``), migrate it and fill it with ``manage.py centra_sync``; start a real
Celery worker on Redis (``BENCH_REDIS_URL``, a queue and cache prefix of this run's own) and
gunicorn, with the shared cache on Redis. Then a separate process sends ``--deliveries`` signed
deliveries over ``--seconds``, each naming one or two of ``--products`` products, and changes
the named products' price in the sandbox just before (a change, then Centra's webhook). The
figures: Checkout API requests during the burst and after it until the catalog was fresh (and
the queue empty), partial sync runs, and the time from the last delivery until every local
price equals the sandbox's. Targets: at most 100 requests; fresh within
``CATALOG_WEBHOOK_COALESCE_SECONDS`` + 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import fresh_postgres, wait_for  # noqa: E402
from bench.sync import REDIS, free_port, shared_cache, start_sandbox  # noqa: E402
from centra_sandbox.webhooks_out import encode_payload, signature_header  # noqa: E402
from tests.processes import stop  # noqa: E402
from tests.services import drop_keys  # noqa: E402

WINDOW = 0.5  # the default CATALOG_WEBHOOK_COALESCE_SECONDS
TARGET_REQUESTS = 100


# -- the sender (runs as its own process) -------------------------------------------------------


def send_main(args: argparse.Namespace) -> int:
    """Deliveries at an even pace; prints when the last one was answered and the prices set."""
    prices: dict[str, Any] = json.loads(args.prices)  # product -> [pricelist, price]
    products = list(prices)
    rng = random.Random(15)
    interval = args.seconds / args.deliveries
    sandbox = httpx.Client(base_url=args.sandbox, timeout=30)
    web = httpx.Client(base_url=args.web, timeout=30)
    final: dict[str, float] = {}
    statuses: dict[int, int] = {}
    started = time.monotonic()
    for n in range(args.deliveries):
        # Every product named at least once, then at random.
        named = [products[n]] if n < len(products) else rng.sample(products, rng.randint(1, 2))
        for product in named:
            pricelist, base = prices[product]
            price = round(base + (n + 1) / 100, 2)
            changed = sandbox.put(
                f"/_sandbox/products/{product}", json={"prices": {pricelist: {"price": price}}}
            )
            changed.raise_for_status()
            final[product] = price
        body = encode_payload({"products": named})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Centra-Signature": signature_header(args.secret, int(time.time()), body),
        }
        status = web.post("/webhooks/centra/", content=body, headers=headers).status_code
        statuses[status] = statuses.get(status, 0) + 1
        time.sleep(max(0.0, started + (n + 1) * interval - time.monotonic()))
    print(json.dumps({"last": time.time(), "final": final, "statuses": statuses}))
    return 0


# -- the run ----------------------------------------------------------------------------------


def query(database_url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def run(args: argparse.Namespace) -> int:
    secret, webhook_secret = secrets.token_hex(16), secrets.token_hex(16)
    sandbox_port, web_port = free_port(), free_port()
    cache_url, tag = shared_cache("webhooks")
    broker = f"{REDIS}/11"
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp:
        sandbox = start_sandbox(sandbox_port, args.catalog, Path(tmp) / "sandbox.sqlite3", secret)
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        database_url, drop = fresh_postgres()
        processes: list[subprocess.Popen] = []
        try:
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "CENTRA_API_URL": f"{sandbox_url}/api/checkout/",
                "CENTRA_SHARED_SECRET": secret,
                "CENTRA_WEBHOOK_SECRET": webhook_secret,
                "CELERY_BROKER_URL": broker,
                "CELERY_TASK_DEFAULT_QUEUE": tag,
                "CACHE_URL": f"{cache_url}?key_prefix={tag}",
                "CATALOG_WEBHOOK_COALESCE_SECONDS": str(WINDOW),
                "CATALOG_RESYNC_MINUTES": "0",
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_hex(32),
                "ALLOWED_HOSTS": "127.0.0.1",
                "LOG_LEVEL": "WARNING",
            }
            manage = [sys.executable, "manage.py"]
            for command in (["migrate", "--noinput"], ["centra_sync"]):
                done = subprocess.run(
                    [*manage, *command], cwd=ROOT, env=env, capture_output=True, text=True
                )
                if done.returncode:
                    raise SystemExit(f"{command} failed:\n{done.stderr[-3000:]}")
            rows = query(
                database_url,
                "SELECT DISTINCT ON (product_id) product_id, pricelist_id, price "
                "FROM catalog_productprice WHERE price IS NOT NULL "
                "ORDER BY product_id, pricelist_id LIMIT %s",
                (args.products,),
            )
            prices = {str(p): [str(pl), float(price)] for p, pl, price in rows}
            log = open(Path(tmp) / "worker.log", "w")  # noqa: SIM115
            worker = [sys.executable, "-m", "celery", "-A", "storefront", "worker"]
            worker += ["--loglevel", "WARNING", "--concurrency", "2"]
            processes.append(subprocess.Popen(worker, cwd=ROOT, env=env, stdout=log, stderr=log))
            gunicorn = [sys.executable, "-m", "gunicorn", "storefront.wsgi"]
            gunicorn += ["--workers", "2", "--bind", f"127.0.0.1:{web_port}"]
            gunicorn += ["--log-level", "warning"]
            web = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
            processes.append(web)
            wait_for(web_port, web)
            time.sleep(3)  # the worker's start-up
            httpx.delete(f"{sandbox_url}/_sandbox/requests").raise_for_status()
            runs_before = query(database_url, "SELECT COUNT(*) FROM catalog_syncrun")[0][0]
            print(
                f"catalog: {args.catalog} products; burst: {args.deliveries} signed deliveries "
                f"naming {len(prices)} products over {args.seconds:.0f} s, from a separate "
                f"process; gunicorn 2 workers, a Celery worker on Redis, PostgreSQL; "
                f"coalescing window {WINDOW:g} s"
            )
            sender = [sys.executable, __file__, "--send", "--web", f"http://127.0.0.1:{web_port}"]
            sender += ["--sandbox", sandbox_url, "--secret", webhook_secret]
            sender += ["--deliveries", str(args.deliveries), "--seconds", str(args.seconds)]
            sender += ["--prices", json.dumps(prices)]
            out = subprocess.run(sender, cwd=ROOT, check=True, capture_output=True, text=True)
            sent = json.loads(out.stdout)
            fresh_at = wait_until_fresh(database_url, sent["final"], sent["last"] + 120)
            time.sleep(WINDOW + 3)  # anything still scheduled would run now: count it too
            counts = httpx.get(f"{sandbox_url}/_sandbox/requests").json()
            durations = [
                (finished - started).total_seconds()
                for started, finished in query(
                    database_url,
                    "SELECT started_at, finished_at FROM catalog_syncrun "
                    "WHERE trigger = 'webhook' AND id > %s ORDER BY id",
                    (runs_before,),
                )
            ]
            statuses = query(
                database_url, "SELECT status, COUNT(*) FROM catalog_webhookevent GROUP BY status"
            )
            report(counts, durations, statuses, sent, fresh_at)
        finally:
            for process in reversed(processes):
                stop(process)
            drop()
            stop(sandbox)
            drop_keys(broker, tag)
            drop_keys(cache_url, tag)
    return 0


def wait_until_fresh(database_url: str, final: dict[str, float], deadline: float) -> float | None:
    """When every named product's local price equals its last price in the sandbox (unix
    time), or None if that never happened before ``deadline``."""
    while time.time() < deadline:
        rows = query(
            database_url,
            "SELECT pp.product_id, pp.price FROM catalog_productprice pp "
            "WHERE pp.product_id = ANY(%s)",
            ([int(p) for p in final],),
        )
        local: dict[str, set[float]] = {}
        for product, price in rows:
            local.setdefault(str(product), set()).add(round(float(price), 2))
        if all(price in local.get(product, set()) for product, price in final.items()):
            pending = query(
                database_url,
                "SELECT COUNT(*) FROM catalog_webhookevent "
                "WHERE status IN ('queued', 'processing')",
            )[0][0]
            if pending == 0:
                return time.time()
        time.sleep(0.05)
    return None


def report(
    counts: dict[str, int],
    durations: list[float],
    statuses: list[tuple[str, int]],
    sent: dict[str, Any],
    fresh_at: float | None,
) -> None:
    total = counts.get("*", 0)
    print(f"answers to the deliveries: {sent['statuses']}")
    print(f"webhook events: {dict(statuses)}")
    shown = ", ".join(f"{d:.2f}" for d in durations)
    print(f"partial sync runs: {len(durations)} (seconds each: {shown})")
    per_route = {k: v for k, v in counts.items() if k != "*"}
    verdict = "ok" if total <= TARGET_REQUESTS else "OVER"
    print(f"Centra requests: {total} {per_route} (target <= {TARGET_REQUESTS}: {verdict})")
    if fresh_at is None:
        print("fresh: NEVER within 120 s of the last delivery")
        return
    after = fresh_at - sent["last"]
    verdict = "ok" if after <= WINDOW + 1 else "OVER"
    print(f"fresh {after:.2f} s after the last delivery (target <= {WINDOW + 1:g} s: {verdict})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--products", type=int, default=50, help="distinct products named")
    parser.add_argument("--catalog", type=int, default=200, help="products in the sandbox")
    parser.add_argument("--seconds", type=float, default=50.0)
    parser.add_argument("--send", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--web", help=argparse.SUPPRESS)
    parser.add_argument("--sandbox", help=argparse.SUPPRESS)
    parser.add_argument("--secret", help=argparse.SUPPRESS)
    parser.add_argument("--prices", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return send_main(args) if args.send else run(args)


if __name__ == "__main__":
    raise SystemExit(main())
