"""Search and search-box suggestion throughput: gunicorn on PostgreSQL with a 10,000-product
catalog, every request a query not asked before (so no answer comes from the page cache).

Run: ``.venv/bin/python bench/search.py [--products 10000] [--workers 4] [--seconds 10]
[--concurrency 8]``.

The stack is :mod:`bench.pages`'s (the sandbox server with the demo catalog, a throwaway
PostgreSQL database filled by ``manage.py centra_sync``, gunicorn with ``DEBUG=false``, the
shared cache on Redis). The
queries are made from the synced catalog's own words: a name word, a type and a colour in every
order, some with a one-letter typo or an accent dropped; suggestions get word beginnings. A
separate process requests ``/healthz``, ``/search?q=...`` and ``/search/suggestions?q=...`` in
interleaved rounds, each thread taking the next unused query, and prints requests/s, p50 and
p99 latency, and each one's throughput as a ratio to ``/healthz`` in the same run.
Targets: search at least 0.30 of ``/healthz``, suggestions at least 0.50.

``cached`` is one search asked again and again, answered from the page cache: no matching, no
facets, no cards, only the page around them. It is the ceiling any search can reach on this
stack, measured in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import fresh_postgres, prepare_shop, shop_env, wait_for  # noqa: E402
from bench.sync import free_port, shared_cache, start_sandbox  # noqa: E402
from tests.processes import stop  # noqa: E402
from tests.services import drop_keys  # noqa: E402

TARGETS = {"search": 0.30, "suggestions": 0.50}
# Kinds whose one path is requested again and again; every other path is requested once.
REPEATED = {"healthz", "cached"}


# -- the queries -------------------------------------------------------------------------------


def catalog_words(database_url: str) -> tuple[list[str], list[str], list[str]]:
    """Name words, category (type) words and colours of the synced English catalog."""
    import psycopg

    with psycopg.connect(database_url) as db:
        names = [row[0] for row in db.execute("SELECT name FROM catalog_producttext")]
        colours = [
            row[0]
            for row in db.execute(
                "SELECT DISTINCT variant_name FROM catalog_product WHERE variant_name <> ''"
            )
        ]
    first = sorted({name.split()[0] for name in names if name.split()})
    kinds = sorted({name.split()[-1] for name in names if len(name.split()) > 1})
    return first, kinds, sorted(colours)


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    at = rng.randrange(1, len(word) - 1)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def search_queries(first: list[str], kinds: list[str], colours: list[str]) -> list[str]:
    """Distinct queries, shuffled: every (name word, type, colour) in each order, and variants
    with a typo or accents dropped."""
    rng = random.Random(14)
    found: set[str] = set()
    for a, k, c in itertools.product(first, kinds, colours):
        for order in itertools.permutations((a, k, c)):
            found.add(" ".join(order).lower())
        found.add(f"{_plain(a)} {_typo(k, rng)}".lower())
        found.add(f"{c} {k}s".lower())
        found.add(f"{a} {k}".lower())
    queries = sorted(found)
    rng.shuffle(queries)
    return queries


def suggestion_queries(first: list[str], kinds: list[str], colours: list[str]) -> list[str]:
    """Distinct beginnings, as typed: "cla", "classic pa", "navy jea"..."""
    rng = random.Random(15)
    found: set[str] = set()
    words = first + kinds + colours
    for word in words:
        for end in range(2, len(word) + 1):
            found.add(word[:end].lower())
    for a, b in itertools.product(words, kinds):
        for end in range(1, len(b) + 1):
            found.add(f"{a} {b[:end]}".lower())
    queries = sorted(found)
    rng.shuffle(queries)
    return queries


# -- the load generator (runs as its own process) ----------------------------------------------


def load(port: int, paths: list[str], seconds: float, concurrency: int) -> dict[str, Any]:
    """Request paths from ``concurrency`` threads for ``seconds``, each path once, in order."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    queue = iter(paths)
    deadline = time.perf_counter() + seconds
    exhausted = False

    def worker() -> None:
        nonlocal exhausted
        mine: list[float] = []
        codes: dict[int, int] = {}
        while time.perf_counter() < deadline:
            with lock:
                path = next(queue, None)
            if path is None:
                exhausted = True
                break
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            started = time.perf_counter()
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
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
    return {
        "latencies": latencies,
        "elapsed": time.perf_counter() - started,
        "statuses": statuses,
        "exhausted": exhausted,
    }


def load_main(args: argparse.Namespace) -> int:
    kinds: dict[str, list[str]] = json.loads(Path(args.paths).read_text())
    used = {name: 0 for name in kinds}
    totals: dict[str, dict[str, Any]] = {
        name: {"latencies": [], "elapsed": 0.0, "statuses": {}, "exhausted": False}
        for name in kinds
    }

    def measure(name: str, seconds: float, keep: bool) -> None:
        paths = kinds[name]
        window = paths * 100_000 if name in REPEATED else paths[used[name] :]
        result = load(args.port, window, seconds, args.concurrency)
        if name not in REPEATED:
            used[name] += len(result["latencies"])
        if keep:
            total = totals[name]
            total["latencies"] += result["latencies"]
            total["elapsed"] += result["elapsed"]
            total["exhausted"] = total["exhausted"] or result["exhausted"]
            for code, n in result["statuses"].items():
                total["statuses"][code] = total["statuses"].get(code, 0) + n

    for name in kinds:
        measure(name, 2.0, keep=False)  # warm every worker (vocabulary, category tree)
    for _ in range(args.rounds):
        for name in kinds:
            measure(name, args.seconds / args.rounds, keep=True)
    results = {}
    for name, total in totals.items():
        latencies = sorted(total["latencies"])
        results[name] = {
            "requests": len(latencies),
            "distinct": 1 if name in REPEATED else len(set(kinds[name])),
            "rps": len(latencies) / total["elapsed"],
            "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "statuses": total["statuses"],
            "exhausted": total["exhausted"],
        }
    print(json.dumps(results))
    return 0


# -- the stack ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    secret = secrets.token_hex(16)
    sandbox_port, web_port = free_port(), free_port()
    cache_url, tag = shared_cache("search")
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
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
            print(f"catalog synced (search index included) into PostgreSQL in {synced:.1f} s")
            words = catalog_words(database_url)
            searches = search_queries(*words)
            suggests = suggestion_queries(*words)
            paths = {
                "healthz": ["/healthz"],
                "search": [f"/search?q={quote(q)}" for q in searches[1:]],
                "cached": [f"/search?q={quote(searches[0])}"],
                "suggestions": [f"/search/suggestions?q={quote(q)}" for q in suggests],
            }
            paths_file = Path(tmp) / "paths.json"
            paths_file.write_text(json.dumps(paths))
            gunicorn = [sys.executable, "-m", "gunicorn", "storefront.wsgi"]
            gunicorn += ["--workers", str(args.workers), "--bind", f"127.0.0.1:{web_port}"]
            gunicorn += ["--log-level", "warning"]
            web = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
            wait_for(web_port, web)
            print(
                f"gunicorn: {args.workers} sync workers; load: {args.concurrency} connections, "
                f"{args.seconds:.0f} s per kind in {args.rounds} interleaved rounds, from a "
                f"separate process; {len(searches)} distinct searches, {len(suggests)} distinct "
                "beginnings, none asked twice"
            )
            loader = [sys.executable, __file__, "--load", "--port", str(web_port)]
            loader += ["--seconds", str(args.seconds), "--concurrency", str(args.concurrency)]
            loader += ["--rounds", str(args.rounds), "--paths", str(paths_file)]
            out = subprocess.run(loader, cwd=ROOT, check=True, capture_output=True, text=True)
            report(json.loads(out.stdout))
        finally:
            if web is not None:
                stop(web)
            drop()
            drop_keys(cache_url, tag)
            stop(sandbox)
    return 0


def report(results: dict[str, Any]) -> None:
    floor = results["healthz"]["rps"]
    print(f"\n{'kind':<12} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}")
    for name, r in results.items():
        ratio = r["rps"] / floor if floor else 0.0
        target = TARGETS.get(name)
        verdict = "" if target is None else (" ok" if ratio >= target else f" < {target}")
        odd = {k: v for k, v in r["statuses"].items() if k != "200"}
        note = "  (ran out of distinct queries)" if r["exhausted"] else ""
        print(
            f"{name:<12} {r['requests']:>8} {r['rps']:8.1f} {r['p50']:8.1f} {r['p99']:8.1f}"
            f" {ratio:6.2f}{verdict}{f'  non-200: {odd}' if odd else ''}{note}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices per kind")
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return load_main(args) if args.load else run(args)


if __name__ == "__main__":
    sys.exit(main())
