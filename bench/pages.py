"""Shopper page throughput: gunicorn (several workers) on PostgreSQL with a 10,000-product catalog,
driven over loopback by a separate load-generator process.

Run: ``.venv/bin/python bench/pages.py [--products 10000] [--workers 4] [--seconds 10]
[--concurrency 8]``.

Steps: start the sandbox as its own server with the demo catalog; create a throwaway PostgreSQL
database (``BENCH_POSTGRES_URL``, default ``postgres://postgres@127.0.0.1:5432/postgres``),
migrate it and fill it with ``manage.py centra_sync``; ``collectstatic`` (the manifest storage
``DEBUG=false`` uses); serve with gunicorn, the shared cache on Redis (``BENCH_REDIS_URL``) as
in production; then, in a separate process, request each page for ``--seconds`` (in
``--rounds`` interleaved slices, so background load weighs on every page alike) with
``--concurrency`` connections and print requests/s, p50 and p99 latency and the ratio of each
page's throughput to ``/healthz`` (Django doing nothing) measured in the same run.
Targets: a product page at least 0.40 of ``/healthz``, a category page at least 0.25.

Pages: ``/healthz``; the category with the most products (48 on its page); a product page; a
search; and the same three for a shopper with an item in the cart (added through the product
page's form first: the header's cart count comes from the session, the page body from the page
cache). Every answer must be 200; anything else is counted and reported.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sync import POSTGRES, free_port, shared_cache, start_sandbox  # noqa: E402
from tests.processes import stop  # noqa: E402
from tests.services import drop_keys  # noqa: E402

TARGETS = {"category": 0.25, "product": 0.40}


# -- the load generator (runs as its own process) ----------------------------------------------


def load(
    port: int, path: str, seconds: float, concurrency: int, cookie: str = ""
) -> dict[str, Any]:
    """Request ``path`` from ``concurrency`` threads for ``seconds``: latencies in ms, the
    elapsed time and the status counts."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        mine: list[float] = []
        codes: dict[int, int] = {}
        while time.perf_counter() < deadline:
            # gunicorn's sync workers close every connection: one connection per request.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            started = time.perf_counter()
            headers = {"Host": "127.0.0.1", **({"Cookie": cookie} if cookie else {})}
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            codes[response.status] = codes.get(response.status, 0) + 1
            conn.close()
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "elapsed": time.perf_counter() - started, "statuses": statuses}


def load_main(args: argparse.Namespace) -> int:
    """Measure every page in ``--rounds`` interleaved slices, so a change in background load
    during the run weighs on every page alike instead of on whichever came last."""
    pages = json.loads(args.pages)
    for _, path, cookie in pages:
        load(args.port, path, 1.0, args.concurrency, cookie)  # warm every worker's caches
    totals: dict[str, dict[str, Any]] = {
        name: {"latencies": [], "elapsed": 0.0, "statuses": {}} for name, _, _ in pages
    }
    for _ in range(args.rounds):
        for name, path, cookie in pages:
            seconds = args.seconds / args.rounds
            result = load(args.port, path, seconds, args.concurrency, cookie)
            total = totals[name]
            total["latencies"] += result["latencies"]
            total["elapsed"] += result["elapsed"]
            for code, n in result["statuses"].items():
                total["statuses"][code] = total["statuses"].get(code, 0) + n
    results = {}
    for name, total in totals.items():
        latencies = sorted(total["latencies"])
        results[name] = {
            "requests": len(latencies),
            "rps": len(latencies) / total["elapsed"],
            "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "statuses": total["statuses"],
        }
    print(json.dumps(results))
    return 0


# -- the stack ---------------------------------------------------------------------------------


def fresh_postgres() -> tuple[str, Any]:
    import psycopg

    name = f"bench_pages_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{POSTGRES.rsplit('/', 1)[0]}/{name}", drop


Page = tuple[str, str, str]  # name, path, Cookie header ("" for an anonymous visitor)


def pick_pages(database_url: str) -> tuple[list[Page], str]:
    """A category with at least 48 products in the default market, one of its products, a
    search that finds products, and an in-stock size of that product (for the cart)."""
    import psycopg

    with psycopg.connect(database_url) as db:
        market = db.execute(
            "SELECT id FROM catalog_market ORDER BY is_default DESC, id LIMIT 1"
        ).fetchone()[0]
        category = db.execute(
            """SELECT c.uri FROM catalog_category c
               JOIN catalog_productcategory pc ON pc.category_id = c.id
               JOIN catalog_productmarket pm ON pm.product_id = pc.product_id AND pm.market_id = %s
               GROUP BY c.uri ORDER BY COUNT(*) DESC, c.uri LIMIT 1""",
            (market,),
        ).fetchone()[0]
        product_uri, category_uri, item = db.execute(
            """SELECT p.uri, c.uri, i.id FROM catalog_product p
               JOIN catalog_category c ON c.id = p.category_id
               JOIN catalog_productmarket pm ON pm.product_id = p.id AND pm.market_id = %s
               JOIN catalog_productprice pp ON pp.product_id = p.id AND pp.pricelist_id = (
                   SELECT id FROM catalog_pricelist ORDER BY is_default DESC, id LIMIT 1)
               JOIN catalog_item i ON i.product_id = p.id AND i.stock_state = 'in_stock'
               ORDER BY p.id, i.position LIMIT 1""",
            (market,),
        ).fetchone()
    pages = [
        ("healthz", "/healthz", ""),
        ("category", f"/{category}", ""),
        ("product", f"/{category_uri}/{product_uri}", ""),
        ("search", "/search?q=jeans", ""),
    ]
    return pages, item


def with_a_cart(port: int, product_path: str, item: str) -> str:
    """The Cookie header of a shopper with one item in the cart, added as a browser does:
    the product page's form, the CSRF token its script gets from ``/shopper/state``, the
    session cookie that comes back. Cookies are
    carried by hand: with DEBUG false they are marked Secure, which a client speaking plain
    HTTP to gunicorn would otherwise withhold."""
    base = f"http://127.0.0.1:{port}"
    jar: dict[str, str] = {}

    def keep(response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            parsed: SimpleCookie = SimpleCookie(header)
            jar.update({name: morsel.value for name, morsel in parsed.items()})

    def cookie() -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}

    with httpx.Client(base_url=base, headers={"Host": "127.0.0.1"}) as browser:
        page = browser.get(product_path)
        keep(page)
        if 'action="/cart/add"' not in page.text:
            raise SystemExit("the product page has no buying form")
        # The cached page holds no token: its script asks the shopper-state endpoint.
        state = browser.get("/shopper/state", headers=cookie())
        keep(state)
        added = browser.post(
            "/cart/add",
            data={"csrfmiddlewaretoken": state.json()["csrf_token"], "item": item, "quantity": "1"},
            headers=cookie(),
        )
        keep(added)
    if added.status_code != 302 or "sessionid" not in jar:
        raise SystemExit(f"adding to the cart failed ({added.status_code})")
    return cookie()["Cookie"]


def wait_for(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


def shop_env(sandbox_port: int, database_url: str, secret: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like shop process: PostgreSQL, the sandbox server as
    Centra, DEBUG off, quiet logs; ``extra`` adds or overrides settings."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CENTRA_API_URL": f"http://127.0.0.1:{sandbox_port}/api/checkout/",
        "CENTRA_SHARED_SECRET": secret,
        "CELERY_BROKER_URL": "",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def prepare_shop(env: dict[str, str]) -> float:
    """Migrate, collect static files and run a full sync; the sync's seconds."""
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([*manage, "centra_sync"], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> int:
    secret = secrets.token_hex(16)
    sandbox_port, web_port = free_port(), free_port()
    cache_url, tag = shared_cache("pages")
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        started = time.perf_counter()
        sandbox = start_sandbox(sandbox_port, args.products, Path(tmp) / "sandbox.sqlite3", secret)
        print(f"sandbox: {args.products} products (ready in {time.perf_counter() - started:.1f} s)")
        database_url, drop = fresh_postgres()
        web = None
        try:
            env = shop_env(
                sandbox_port, database_url, secret, CACHE_URL=f"{cache_url}?key_prefix={tag}"
            )
            synced = prepare_shop(env)
            print(f"catalog synced into PostgreSQL in {synced:.1f} s")
            pages, item = pick_pages(database_url)
            gunicorn = [sys.executable, "-m", "gunicorn", "storefront.wsgi"]
            gunicorn += ["--workers", str(args.workers), "--bind", f"127.0.0.1:{web_port}"]
            gunicorn += ["--log-level", "warning"]
            web = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
            wait_for(web_port, web)
            cookie = with_a_cart(web_port, pages[2][1], item)
            pages += [(f"{name}+cart", path, cookie) for name, path, _ in pages[1:]]
            print(
                f"gunicorn: {args.workers} sync workers; load: {args.concurrency} connections, "
                f"{args.seconds:.0f} s per page in {args.rounds} interleaved rounds, "
                "from a separate process"
            )
            loader = [sys.executable, __file__, "--load", "--port", str(web_port)]
            loader += ["--seconds", str(args.seconds), "--concurrency", str(args.concurrency)]
            loader += ["--rounds", str(args.rounds)]
            loader += ["--pages", json.dumps(pages)]
            out = subprocess.run(loader, cwd=ROOT, check=True, capture_output=True, text=True)
            report(pages, json.loads(out.stdout))
        finally:
            if web is not None:
                stop(web)
            drop()
            drop_keys(cache_url, tag)
            stop(sandbox)
    return 0


def report(pages: list[Page], results: dict[str, Any]) -> None:
    floor = results["healthz"]["rps"]
    print("+cart: the same page for a shopper with an item in the cart (a session cookie)")
    print(f"\n{'page':<10} {'path':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}")
    for name, path, _ in pages:
        r = results[name]
        ratio = r["rps"] / floor if floor else 0.0
        target = TARGETS.get(name.removesuffix("+cart"))
        verdict = "" if target is None else (" ok" if ratio >= target else f" < {target}")
        odd = {k: v for k, v in r["statuses"].items() if k != "200"}
        print(
            f"{name:<10} {path[:44]:<44} {r['rps']:8.1f} {r['p50']:8.1f} {r['p99']:8.1f}"
            f" {ratio:6.2f}{verdict}{f'  non-200: {odd}' if odd else ''}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices per page")
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pages", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return load_main(args) if args.load else run(args)


if __name__ == "__main__":
    sys.exit(main())
