"""Full catalog sync against the sandbox server with a large demo catalog.

Run: ``.venv/bin/python bench/sync.py [--products 10000] [--database sqlite|postgres|both]``.

Starts ``python -m centra_sandbox`` as its own server; for each database, runs ``manage.py
migrate`` and ``manage.py centra_sync`` into a fresh one as a subprocess, timing just before and
just after it the download of every page a full sync reads with plain httpx (the same requests,
bodies and order, nothing done with them: the floor). Prints: wall time, peak RSS and CPU time of
the sync process, upstream calls (from ``/_sandbox/requests``), products per second, and
``sync_time / fetch_time``, the cost of our own work on top of the download. Targets: ratio
< 1.5, peak RSS < 300 MB. The sandbox server and the sync each want a core: on a busy machine the
ratio grows with the load average, which is printed alongside; the CPU times do not depend on it.
PostgreSQL gets a throwaway database on ``BENCH_POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from centra.catalog_api import products_body  # noqa: E402
from tests.processes import stop  # noqa: E402
from tests.services import free_port  # noqa: E402

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")


def shared_cache(bench: str) -> tuple[str, str]:
    """(Redis database URL, tag): the shop's cache on Redis, as in production, under a key
    prefix of this run's own (``CACHE_URL`` is ``<url>?key_prefix=<tag>``; the tag also names a
    run's Celery queue). Drop its keys with ``tests.services.drop_keys(url, tag)``."""
    return f"{REDIS}/12", f"bench-{bench}-{secrets.token_hex(6)}"


PAGE_SIZE = 200  # CATALOG_SYNC_PAGE_SIZE's default


def start_sandbox(port: int, products: int, db: Path, secret: str, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "centra_sandbox", "--port", str(port)]
    command += ["--products", str(products), "--db", str(db), "--shared-secret", secret, *extra]
    server = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sandbox/requests", timeout=1)
            return server
        except httpx.TransportError:
            if server.poll() is not None:
                raise SystemExit("the sandbox server exited during start-up") from None
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the sandbox server did not answer within 300 s")


def fetch_everything(api: str, secret: str, page_size: int) -> float:
    """Download what a full sync reads, in its order, without doing anything with it."""
    headers = {"Authorization": f"Bearer {secret}", "API-token": "none"}
    started = time.perf_counter()
    with httpx.Client(base_url=api, headers=headers, timeout=60) as http:
        languages = http.get("languages").json()["languages"]
        markets = http.get("markets").json()["markets"]
        for path in ("pricelists", "countries/all", "brands", "collections"):
            http.get(path).read()
        codes = [
            lang["language"]
            for lang in sorted(languages, key=lambda x: (not x["default"], x["language"]))
        ]
        for code in codes:
            http.post("categories", json={"language": code}).read()
        for market in sorted(int(m["market"]) for m in markets):
            for code in codes:
                skip = 0
                while True:
                    body = products_body(
                        market=market,
                        language=code,
                        limit=page_size,
                        skip=skip,
                        related=code == codes[0],
                    )
                    reply = http.post("products", json=body)
                    # Reading the count is the least a pager must do.
                    total = int(re.search(rb'"productCount": ?(\d+)', reply.read()).group(1))
                    skip += page_size
                    if skip >= total:
                        break
    return time.perf_counter() - started


def sandbox_calls(control: str, reset: bool = False) -> dict[str, int]:
    if reset:
        return httpx.delete(f"{control}requests").json()
    return httpx.get(f"{control}requests").json()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, int, float, str]:
    """Wall time, peak RSS (bytes) and CPU seconds of that one child, and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix in every child so far).
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(command[1:])} failed:\n{out.read()}\n{err.read()}")
        return elapsed, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime, out.read()


def fresh_database(kind: str, workdir: Path) -> tuple[str, Any]:
    """A DATABASE_URL and a function that drops it afterwards."""
    if kind == "sqlite":
        path = workdir / f"bench-{secrets.token_hex(4)}.sqlite3"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    import psycopg

    name = f"bench_sync_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{POSTGRES.rsplit('/', 1)[0]}/{name}", drop


def count_products(url: str) -> int:
    sql = "SELECT COUNT(*) FROM catalog_product"
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(sql).fetchone()[0]
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute(sql).fetchone()[0]


def timed_fetch(api: str, control: str, secret: str, server: int) -> tuple[float, float, int]:
    """Seconds to download every page, the sandbox server's CPU seconds meanwhile, calls."""
    sandbox_calls(control, reset=True)
    server_cpu = cpu_seconds(server)
    elapsed = fetch_everything(api, secret, PAGE_SIZE)
    return elapsed, cpu_seconds(server) - server_cpu, sandbox_calls(control)["*"]


def bench_database(
    kind: str, workdir: Path, env: dict[str, str], api: str, control: str, secret: str, server: int
) -> None:
    url, drop = fresh_database(kind, workdir)
    try:
        env = {**env, "DATABASE_URL": url}
        manage = [sys.executable, "manage.py"]
        migrate = [*manage, "migrate", "--noinput"]
        subprocess.run(migrate, cwd=ROOT, env=env, check=True, capture_output=True)
        # The machine's load can change within minutes: time the download just before and
        # just after the sync, and compare with their mean.
        before, fetch_cpu, fetch_calls = timed_fetch(api, control, secret, server)
        sandbox_calls(control, reset=True)
        server_cpu = cpu_seconds(server)
        elapsed, peak, cpu, out = run_measured([*manage, "centra_sync"], env)
        server_cpu = cpu_seconds(server) - server_cpu
        calls = sandbox_calls(control)
        # A resync of an unchanged catalog: what the periodic safety resync mostly is.
        again, _, _, again_out = run_measured([*manage, "centra_sync"], env)
        after, _, _ = timed_fetch(api, control, secret, server)
        fetch_time = (before + after) / 2
        products = count_products(url)
        run_time = re.search(r"in (\d+\.\d) s", out)
        print(f"\n{kind}:")
        print(
            f"  fetch only    {before:.2f} s before, {after:.2f} s after ({fetch_calls} calls, "
            f"plain httpx; sandbox server CPU {fetch_cpu:.1f} s)"
        )
        print(f"  summary       {out.strip()[:160]}")
        print(f"  wall time     {elapsed:.2f} s (the run itself: {run_time.group(1)} s)")
        print(f"  peak RSS      {peak / 2**20:.0f} MB")
        print(f"  CPU           sync {cpu:.1f} s, sandbox server {server_cpu:.1f} s meanwhile")
        print(f"  upstream      {calls['*']} calls ({calls.get('POST products', 0)} POST products)")
        print(f"  throughput    {products / elapsed:.0f} products/s ({products} products)")
        print(f"  sync / fetch  {elapsed / fetch_time:.2f} (load average {os.getloadavg()[0]:.1f})")
        print(f"  second run    {again:.2f} s, sync / fetch {again / fetch_time:.2f}")
        print(f"                {again_out.strip()}")
    finally:
        drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]

    secret = secrets.token_hex(16)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        server = start_sandbox(port, args.products, workdir / "sandbox.sqlite3", secret)
        try:
            print(
                f"sandbox: {args.products} demo products on port {port} "
                f"(ready in {time.perf_counter() - started:.1f} s)"
            )
            base = f"http://127.0.0.1:{port}"
            api, control = f"{base}/api/checkout/", f"{base}/_sandbox/"
            fetch_everything(api, secret, PAGE_SIZE)  # warm the server's caches
            env = {
                **os.environ,
                "CENTRA_API_URL": api,
                "CENTRA_SHARED_SECRET": secret,
                "CELERY_BROKER_URL": "",
                # As in production: no DEBUG query log, the client's per-call lines off.
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_hex(32),
                "LOG_LEVEL": "WARNING",
            }
            for kind in kinds:
                bench_database(kind, workdir, env, api, control, secret, server.pid)
        finally:
            stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
