"""The HTTP cache in front of the shop: Varnish with the shipped VCL (deploy/varnish/default.vcl)
before gunicorn on PostgreSQL with a 10,000-product catalog.

Run: ``.venv/bin/python bench/edge.py [--products 10000] [--workers 4] [--seconds 10]
[--connections 32] [--urls 2000] [--changes 20] [--coalesce 0.5] [--keep-logs]``. Needs
``varnishd`` (with varnish-modules' vmod xkey), ``wrk`` (Debian packages ``varnish
varnish-modules wrk``), PostgreSQL (``BENCH_POSTGRES_URL``) and Redis (``BENCH_REDIS_URL``).

Set-up: the sandbox as its own server (sending signed webhooks to the shop), a throwaway
PostgreSQL database migrated and filled by ``centra_sync``, gunicorn (``--workers``), a Celery
worker on Redis (a queue and cache prefix of this run's own) that purges the proxy after each
sync (``HTTP_CACHE_PURGE_URLS``), and ``varnishd`` on a free port in front of gunicorn.

What it measures, each printed in the table at the end:

1. **Throughput** with ``wrk`` (a C load generator; Python cannot drive thousands of requests
   a second here), ``--connections`` connections for ``--seconds`` each: ``/healthz`` served by
   Django directly (gunicorn doing nothing: the floor), then product pages and category pages
   through the proxy, each a Lua script rotating over ``--urls`` product URLs (every category),
   after a warm-up pass that requested each URL once. Prints requests/s, wrk's p50/p99 latency,
   and each page's ratio to ``/healthz``. Target: at least 5x.
2. **Hit ratio** of a mixed browse workload on a new (empty) proxy: the home page, categories
   (pages 1-3, sorts and filters), products and searches, chosen with a Zipf-like popularity,
   by shoppers of three locations in two markets (no cookie: the default, ``DE-1-2``,
   ``US-2-3``); twice ``--seconds`` from cold, then twice ``--seconds`` more further along the
   same browse (no request replayed), each from varnishstat's ``MAIN.cache_hit`` /
   ``cache_miss`` / ``cache_hitmiss`` / ``cache_hitpass`` (hit ratio = hits over all four).
3. **Change to fresh**: ``--changes`` price changes, one at a time, each on a product page the
   proxy holds: change the price in the sandbox (which sends Centra's webhook), then poll the
   page through the proxy every 20 ms until it shows another price. The seconds from the change
   to the first fresh answer, p50 and p99 (target: under 2 s), with the webhook coalescing
   window (``--coalesce``, ``CATALOG_WEBHOOK_COALESCE_SECONDS``) they include; and beside them
   the seconds until the shop's database held the new price (the webhook and the sync), so the
   purge's and the refetch's share shows. A change slower than 4 s is printed with what the
   proxy answered meanwhile (``--keep-logs`` keeps the worker's log of when each task ran).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import fresh_postgres, prepare_shop, shop_env, wait_for  # noqa: E402
from bench.sync import REDIS, free_port, shared_cache, start_sandbox  # noqa: E402
from bench.webhooks import query  # noqa: E402
from tests.processes import stop  # noqa: E402
from tests.services import drop_keys  # noqa: E402
from tests.varnish import Varnish, running_varnish  # noqa: E402

T = TypeVar("T")

RATIO_TARGET = 5.0
FRESH_TARGET = 2.0
MARKETS = ["", "DE-1-2", "US-2-3"]  # no cookie: the store's default location
MARKET_WEIGHTS = [0.7, 0.2, 0.1]
SEARCHES = ["jeans", "shirt", "dress", "jacket", "shoes", "wool", "black", "blue", "linen", "bag"]


# -- wrk ---------------------------------------------------------------------------------------

# Each wrk thread walks the list from its own place (the two threads half the list apart, both
# moved on by the script's argument); `done` prints the figures as one JSON line.
LUA = """
local requests = {}
for line in io.lines(%(data)s) do
  local path, cookie = line:match("^([^\t]*)\t(.*)$")
  local headers = {["Accept-Encoding"] = "gzip"}  -- as browsers: the proxy stores gzip
  if cookie ~= "" then headers["Cookie"] = cookie end
  requests[#requests + 1] = {path, headers}
end
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  local offset = tonumber(args[1]) or 0
  position = (offset + ((id or 1) - 1) * math.floor(#requests / 2)) %% #requests
end
function request()
  position = position %% #requests + 1
  local entry = requests[position]
  return wrk.format("GET", entry[1], entry[2])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "seconds": %%.3f, "p50_ms": %%.3f, "p99_ms": %%.3f, '
    .. '"non_2xx_3xx": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def lua_script(folder: Path, name: str, requests: list[tuple[str, str]]) -> Path:
    """A wrk script requesting ``requests`` ((path, shop_market or "") pairs) in turn, as a
    browser accepting gzip. The list is a file the script reads (a Lua table literal of tens
    of thousands of entries is more constants than LuaJIT allows)."""
    data = folder / f"{name}.tsv"
    data.write_text(
        "".join(
            f"{path}\t{f'shop_market={market}' if market else ''}\n" for path, market in requests
        )
    )
    script = folder / f"{name}.lua"
    script.write_text(LUA % {"data": json.dumps(str(data))})
    return script


def wrk(
    base_url: str, script: Path, seconds: float, connections: int, offset: int = 0
) -> dict[str, Any]:
    """``wrk`` with ``script`` for ``seconds``, its threads starting ``offset`` requests into
    the script's list."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:.0f}s", "--latency"]
    command += ["--timeout", "30s"]  # a slow miss is slow, not an error
    out = subprocess.run(
        [*command, "-s", str(script), base_url, "--", str(offset)],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    [line] = [x for x in out.splitlines() if x.startswith("{")]
    result = json.loads(line)
    result["rps"] = result["requests"] / result["seconds"]
    return result


# -- the workloads -------------------------------------------------------------------------------


def catalog_urls(database_url: str, limit: int) -> tuple[list[str], list[str], list[int]]:
    """Product paths (``limit`` of them, spread over the catalog) and their ids, and every
    category path, of the default market."""
    products = query(
        database_url,
        "SELECT p.id, c.uri, p.uri FROM catalog_product p "
        "JOIN catalog_category c ON c.id = p.category_id "
        "JOIN catalog_productmarket pm ON pm.product_id = p.id "
        "JOIN catalog_market m ON m.id = pm.market_id AND m.is_default "
        "JOIN catalog_productprice pp ON pp.product_id = p.id AND pp.pricelist_id = ("
        "  SELECT id FROM catalog_pricelist WHERE is_default ORDER BY id LIMIT 1) "
        "ORDER BY p.id",
    )
    step = max(1, len(products) // limit)
    chosen = products[::step][:limit]
    categories = [row[0] for row in query(database_url, "SELECT uri FROM catalog_category")]
    return (
        [f"/{category}/{uri}" for _, category, uri in chosen],
        [f"/{uri}" for uri in categories],
        [pid for pid, _, _ in chosen],
    )


def warm(base_url: str, paths: list[str]) -> dict[int, int]:
    """Request every path once (8 at a time); the status counts."""
    statuses: dict[int, int] = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:

        def one(path: str) -> int:
            return client.get(path).status_code

        with ThreadPoolExecutor(8) as pool:
            for status in pool.map(one, paths):
                statuses[status] = statuses.get(status, 0) + 1
    return statuses


def zipf_pick(rng: random.Random, items: list[T], s: float = 1.1) -> T:
    """One of ``items``, the n-th with a weight of 1/n**s (a few popular, a long tail)."""
    return rng.choices(items, cum_weights=_zipf_cumulative(len(items), s))[0]


@functools.cache
def _zipf_cumulative(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1 / rank**s for rank in range(1, n + 1)))


def market_pages(database_url: str, market: str) -> tuple[list[str], list[tuple[str, int]]]:
    """The product paths and (category path, listed products) sold in ``market``'s market (the
    default one for no cookie), so the browse mix asks for no page a shopper there cannot
    reach."""
    if market:
        market_id = int(market.split("-")[1])
    else:
        [(market_id,)] = query(database_url, "SELECT id FROM catalog_market WHERE is_default")
    products = query(
        database_url,
        "SELECT c.uri, p.uri FROM catalog_product p "
        "JOIN catalog_category c ON c.id = p.category_id "
        "JOIN catalog_productmarket pm ON pm.product_id = p.id AND pm.market_id = %s "
        "ORDER BY p.id",
        (market_id,),
    )
    categories = query(
        database_url,
        "SELECT c.uri, COUNT(*) FROM catalog_category c "
        "JOIN catalog_productcategory pc ON pc.category_id = c.id "
        "JOIN catalog_productmarket pm ON pm.product_id = pc.product_id AND pm.market_id = %s "
        "GROUP BY c.uri ORDER BY c.uri",
        (market_id,),
    )
    return [f"/{c}/{p}" for c, p in products], [(f"/{c}", n) for c, n in categories]


def browse_mix(database_url: str, count: int, page_size: int = 48) -> list[tuple[str, str]]:
    """``count`` requests of shoppers browsing: 10 % home, 25 % categories (pages 1-3 where
    they exist, a sort or a filter now and then), 50 % products, 15 % searches; popularity
    Zipf-like; each request a shopper of one of :data:`MARKETS`."""
    rng = random.Random(16)
    pages = {}
    for market in MARKETS:
        products, categories = market_pages(database_url, market)
        pages[market] = (
            rng.sample(products, len(products)),
            rng.sample(categories, len(categories)),
        )
    variants = ["", "?page=2", "?page=3", "?sort=price_asc", "?sort=name", "?in_stock=1"]
    requests = []
    for _ in range(count):
        market = rng.choices(MARKETS, MARKET_WEIGHTS)[0]
        products, categories = pages[market]
        kind = rng.choices(["home", "category", "product", "search"], [10, 25, 50, 15])[0]
        if kind == "home":
            path = "/"
        elif kind == "category":
            category, listed = zipf_pick(rng, categories)
            variant = zipf_pick(rng, variants, 1.5)
            if variant.startswith("?page=") and (int(variant[-1]) - 1) * page_size >= listed:
                variant = ""
            path = category + variant
        elif kind == "product":
            path = zipf_pick(rng, products)
        else:
            path = "/search?q=" + quote(zipf_pick(rng, SEARCHES))
        requests.append((path, market))
    return requests


HIT_COUNTERS = ["MAIN.cache_hit", "MAIN.cache_miss", "MAIN.cache_hitmiss", "MAIN.cache_hitpass"]


def hit_ratio(before: dict[str, int], after: dict[str, int]) -> dict[str, Any]:
    delta = {name.split(".")[1]: after[name] - before[name] for name in HIT_COUNTERS}
    looked_up = sum(delta.values())
    return {**delta, "ratio": delta["cache_hit"] / looked_up if looked_up else 0.0}


SHOWN_PRICE = re.compile(r'id="product-name".*?<span class="price-now[^"]*">([^<]+)</span>', re.S)


def shown_price(client: httpx.Client, path: str) -> str | None:
    page = client.get(path)
    found = SHOWN_PRICE.search(page.text) if page.status_code == 200 else None
    return found[1] if found else None


def change_to_fresh(
    proxy: Varnish, sandbox_url: str, database_url: str, products: list[tuple[int, str]]
) -> list[tuple[float | None, float | None]]:
    """For each product in turn: seconds from a price change in the sandbox until the shop's
    database holds it (the webhook and the sync) and until the proxy serves it (None: not
    within 60 s). A slow one is printed with what the proxy answered meanwhile."""
    timings: list[tuple[float | None, float | None]] = []
    with httpx.Client(base_url=proxy.url, timeout=30) as client:
        for product_id, path in products:
            before = shown_price(client, path)
            [(pricelist, price)] = query(database_url, PRICE_SQL, (product_id,))
            new_price = float(price) + 7
            started = time.perf_counter()
            httpx.put(
                f"{sandbox_url}/_sandbox/products/{product_id}",
                json={"prices": {str(pricelist): {"price": new_price}}},
                timeout=30,
            ).raise_for_status()
            applied = fresh = None
            seen: list[str] = []  # X-Cache/Age of the proxy's answers while stale
            while fresh is None and time.perf_counter() < started + 60:
                if applied is None and query(database_url, PRICE_SQL, (product_id,))[0][1] != price:
                    applied = time.perf_counter() - started
                page = client.get(path)
                found = SHOWN_PRICE.search(page.text)
                if found and found[1] != before:
                    fresh = time.perf_counter() - started
                elif applied is not None:
                    seen.append(f"{page.headers.get('X-Cache')}/{page.headers.get('Age')}")
                time.sleep(0.02)
            timings.append((applied, fresh))
            if fresh is None or fresh > 2 * FRESH_TARGET:
                answers = ", ".join(f"{k} x{len(list(g))}" for k, g in itertools.groupby(seen))
                print(
                    f"slow: {path} (product {product_id}): in the database after {applied} s, "
                    f"through the proxy after {fresh} s; the proxy's answers (X-Cache/Age) "
                    f"once in the database: {answers}"
                )
            time.sleep(1.0)  # the next change is its own webhook, not coalesced with this one
    return timings


PRICE_SQL = (
    "SELECT pricelist_id, price FROM catalog_productprice WHERE product_id = %s "
    "AND pricelist_id = (SELECT id FROM catalog_pricelist WHERE is_default ORDER BY id LIMIT 1)"
)


# -- the run -------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    for tool in ("wrk", "varnishstat"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install varnish varnish-modules wrk")
    secret, webhook_secret = secrets.token_hex(16), secrets.token_hex(16)
    sandbox_port, web_port, proxy_port = free_port(), free_port(), free_port()
    cache_url, tag = shared_cache("edge")
    broker = f"{REDIS}/11"
    rows: list[tuple[str, str, str]] = []
    kept = tempfile.mkdtemp(prefix="bench-edge-") if args.keep_logs else None
    with contextlib.nullcontext(kept) if kept else tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        sandbox = start_sandbox(
            sandbox_port, args.products, folder / "sandbox.sqlite3", secret,
            "--webhook-url", f"http://127.0.0.1:{web_port}/webhooks/centra/",
            "--webhook-secret", webhook_secret,
        )  # fmt: skip
        print(f"sandbox: {args.products} products ({time.perf_counter() - started:.1f} s)")
        database_url, drop = fresh_postgres()
        processes: list[subprocess.Popen] = []
        try:
            env = shop_env(
                sandbox_port,
                database_url,
                secret,
                CENTRA_WEBHOOK_SECRET=webhook_secret,
                CELERY_BROKER_URL=broker,
                CELERY_TASK_DEFAULT_QUEUE=tag,
                CACHE_URL=f"{cache_url}?key_prefix={tag}",
                CATALOG_WEBHOOK_COALESCE_SECONDS=str(args.coalesce),
                CATALOG_RESYNC_MINUTES="0",
                HTTP_CACHE_PURGE_URLS=f"http://127.0.0.1:{proxy_port}",
            )
            # Without the proxy's URL: it is not running yet, and the full sync's purges would
            # wait in the worker's queue (retrying) ahead of the webhooks measured below.
            setup = {k: v for k, v in env.items() if k != "HTTP_CACHE_PURGE_URLS"}
            print(f"catalog synced into PostgreSQL in {prepare_shop(setup):.1f} s")
            worker = [sys.executable, "-m", "celery", "-A", "storefront", "worker"]
            # The README's command (one process per core); INFO: when each sync and purge ran.
            worker += ["--loglevel", "INFO"]
            log = (folder / "worker.log").open("w")
            processes.append(
                subprocess.Popen(
                    worker, cwd=ROOT, env={**env, "LOG_LEVEL": "INFO"}, stdout=log, stderr=log
                )
            )
            gunicorn = [sys.executable, "-m", "gunicorn", "storefront.wsgi"]
            gunicorn += ["--workers", str(args.workers), "--bind", f"127.0.0.1:{web_port}"]
            gunicorn += ["--log-level", "warning"]
            web_log = (folder / "web.log").open("w")
            web = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=web_log, stderr=web_log)
            processes.append(web)
            wait_for(web_port, web)
            products, categories, product_ids = catalog_urls(database_url, args.urls)
            print(
                f"gunicorn: {args.workers} sync workers; a Celery worker (one process per core) on "
                f"Redis; wrk: 2 threads, "
                f"{args.connections} connections, {args.seconds:.0f} s per run"
            )

            healthz = lua_script(folder, "healthz", [("/healthz", "")])
            floor = wrk(f"http://127.0.0.1:{web_port}", healthz, args.seconds, args.connections)
            rows.append(throughput_row("/healthz, Django direct", floor, floor))
            with running_varnish(web_port, folder / "proxy", port=proxy_port) as proxy:
                warmed = warm(proxy.url, products + categories)
                print(f"warm-up: {len(products)} products, {len(categories)} categories {warmed}")
                for name, paths in (("product pages", products), ("category pages", categories)):
                    script = lua_script(folder, name.split()[0], [(p, "") for p in paths])
                    result = wrk(proxy.url, script, args.seconds, args.connections)
                    rows.append(throughput_row(f"{name}, proxy ({len(paths)} URLs)", result, floor))

                fresh = change_to_fresh(
                    proxy,
                    f"http://127.0.0.1:{sandbox_port}",
                    database_url,
                    list(zip(product_ids, products, strict=True))[: args.changes],
                )
            rows.append(fresh_row(fresh, args.coalesce))

            with running_varnish(web_port, folder / "cold-proxy") as cold:
                script = lua_script(folder, "mix", browse_mix(database_url, 50_000))
                offset = 0
                for phase in ("from a cold proxy", "then warmed"):
                    before = cold.counters()
                    result = wrk(cold.url, script, 2 * args.seconds, args.connections, offset)
                    rows.append(mix_row(phase, result, hit_ratio(before, cold.counters())))
                    offset += result["requests"] // 2  # on through the list: no replay
        finally:
            for process in reversed(processes):
                stop(process)
            drop()
            stop(sandbox)
            drop_keys(broker, tag)
            drop_keys(cache_url, tag)
    report(rows)
    if kept:
        print(f"\nlogs (sandbox, worker, gunicorn, varnishd): {kept}")
    return 0


def throughput_row(name: str, result: dict[str, Any], floor: dict[str, Any]) -> tuple[str, ...]:
    ratio = result["rps"] / floor["rps"]
    verdict = "" if result is floor else ("ok" if ratio >= RATIO_TARGET else "UNDER")
    figures = f"{result['rps']:9.0f} req/s  p50 {result['p50_ms']:.1f} ms"
    figures += f"  p99 {result['p99_ms']:.1f} ms"
    extra = errors(result)
    target = "" if result is floor else f"{ratio:.1f}x /healthz (>= {RATIO_TARGET:.0f}x) {verdict}"
    return name, figures + extra, target


def mix_row(phase: str, result: dict[str, Any], ratio: dict[str, Any]) -> tuple[str, ...]:
    figures = (
        f"hit ratio {ratio['ratio']:.1%} (hit {ratio['cache_hit']}, miss {ratio['cache_miss']}, "
        f"hit-for-miss {ratio['cache_hitmiss']}, hit-for-pass {ratio['cache_hitpass']})"
    )
    return f"mixed browse, {phase}", figures, f"{result['rps']:.0f} req/s{errors(result)}"


def errors(result: dict[str, Any]) -> str:
    """wrk's count of answers not 2xx/3xx and of socket errors, when there were any."""
    found = [
        f"{result[key]} {name}"
        for key, name in (("non_2xx_3xx", "not 2xx/3xx"), ("socket_errors", "socket errors"))
        if result[key]
    ]
    return f"  ({', '.join(found)})" if found else ""


def fresh_row(timings: list[tuple[float | None, float | None]], coalesce: float) -> tuple[str, ...]:
    def spread(values: list[float | None]) -> tuple[str, float | None]:
        """ "p50 … p99 …" and the p99 (None when a change never got there)."""
        done = sorted(v for v in values if v is not None)
        if not done:
            return "never", None
        p99 = done[min(len(done) - 1, round(0.99 * (len(done) - 1)))]
        text = f"p50 {statistics.median(done):.2f} s p99 {p99:.2f} s"
        missed = len(values) - len(done)
        return (text + f" ({missed} never within 60 s)", None) if missed else (text, p99)

    proxy, p99 = spread([fresh for _, fresh in timings])
    database, _ = spread([applied for applied, _ in timings])
    verdict = "ok" if p99 is not None and p99 < FRESH_TARGET else "OVER"
    return (
        f"change to fresh ({len(timings)} changes)",
        f"through the proxy {proxy}; in the database {database}",
        f"< {FRESH_TARGET:.0f} s {verdict}; incl. {coalesce:g} s webhook coalescing",
    )


def report(rows: list[tuple[str, ...]]) -> None:
    print()
    width = max(len(row[0]) for row in rows)
    for name, figures, target in rows:
        print(f"{name:<{width}}  {figures}  {target}".rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--urls", type=int, default=2000, help="product URLs in the rotation")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--coalesce", type=float, default=0.5, help="webhook window, seconds")
    parser.add_argument("--keep-logs", action="store_true", help="keep the run's folder")
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
