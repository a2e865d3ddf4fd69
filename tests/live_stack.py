"""The shop run as an operator runs it, for integration tests: the sandbox as its own HTTP server
(Centra, sending signed webhooks), gunicorn on a throwaway PostgreSQL database with the shared
cache on Redis, and a real Celery worker started with the README's production command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.processes import manage, start, stop, wait_until
from tests.services import drop_keys, free_port, private_queue, require_redis

# Distinctive, so a test can prove they never reach a log line.
SHARED_SECRET = "sandbox-shared-secret-4d1f7c"
WEBHOOK_SECRET = "webhook-secret-9e2a51"
# How long an access log count must stay the same to be read as final.
ACCESS_LOG_SETTLE_SECONDS = 0.3


@dataclass
class Stack:
    sandbox_url: str
    web_url: str
    database_url: str
    logs: Path
    env: dict[str, str]

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def log_text(self, *names: str) -> str:
        paths = [self.logs / n for n in names] if names else sorted(self.logs.glob("*.log"))
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')}" for p in paths)

    def requests_served(self, path: str) -> int:
        """How many ``GET``/``HEAD`` requests for exactly ``path`` gunicorn has answered (its
        access log), once the count has settled: a worker writes the log line only after the
        client has its answer, so a count read at once can miss the last request."""
        count = self._logged(path)
        while True:
            time.sleep(ACCESS_LOG_SETTLE_SECONDS)
            again = self._logged(path)
            if again == count:
                return count
            count = again

    def _logged(self, path: str) -> int:
        log = self.logs / "access.log"
        if not log.exists():
            return 0
        return sum(
            1
            for line in log.read_text(errors="replace").splitlines()
            if f'"GET {path} HTTP/' in line or f'"HEAD {path} HTTP/' in line
        )


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.TransportError:
        return False


@contextmanager
def running_stack(
    database_url: str,
    folder: Path,
    *,
    products: int = 30,
    settings: Mapping[str, str] | None = None,
    running_settings: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """Sandbox, migrated and synced PostgreSQL database, Celery worker and gunicorn (2 workers,
    access log in ``access.log``), on a queue and cache prefix of this run's own; ``settings``
    adds to or overrides the shop's environment, ``running_settings`` only the worker's and
    gunicorn's (not migrate's and the first sync's: e.g. a proxy to purge that starts after
    them, whose purges would otherwise wait in the queue). Everything is stopped and the Redis
    keys dropped afterwards."""
    broker, queue = private_queue(require_redis())
    cache_prefix = f"storefront-test-{uuid.uuid4().hex[:12]}"
    sandbox_port, web_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    web_url = f"http://127.0.0.1:{web_port}"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONUNBUFFERED": "1",
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CACHE_URL": f"{broker.rsplit('/', 1)[0]}/12?key_prefix={cache_prefix}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CENTRA_API_URL": f"{sandbox_url}/api/checkout/",
        "CENTRA_SHARED_SECRET": SHARED_SECRET,
        "CENTRA_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "CENTRA_SANDBOX_DB": str(folder / "unused-embedded.sqlite3"),
        "CATALOG_WEBHOOK_COALESCE_SECONDS": "0.5",
        "CATALOG_RESYNC_MINUTES": "0",
        **(settings or {}),
    }
    processes: list[subprocess.Popen] = []
    try:
        sandbox = start(
            [
                sys.executable, "-m", "centra_sandbox",
                "--port", str(sandbox_port),
                "--products", str(products),
                "--db", str(folder / "sandbox.sqlite3"),
                "--shared-secret", SHARED_SECRET,
                "--webhook-url", f"{web_url}/webhooks/centra/",
                "--webhook-secret", WEBHOOK_SECRET,
            ],
            env,
            folder / "sandbox.log",
        )  # fmt: skip
        processes.append(sandbox)
        wait_until(lambda: answers(f"{sandbox_url}/_sandbox/requests"), "sandbox", processes)

        for command in (["migrate", "--noinput"], ["centra_sync"]):
            done = manage(command, env)
            assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
        env = {**env, **(running_settings or {})}

        worker_log = folder / "worker.log"
        # The README's command. CELERY_SKIP_CHECKS (which operators set to start workers
        # faster) keeps Django's checks from importing the URLconf, and with it every view
        # module: whatever must happen in a worker cannot rest on such imports.
        worker = start(
            [sys.executable, "-m", "celery", "-A", "storefront", "worker", "--loglevel", "INFO"],
            {**env, "CELERY_SKIP_CHECKS": "1"},
            worker_log,
        )
        processes.append(worker)
        wait_until(lambda: " ready." in worker_log.read_text(), "celery worker", processes)

        web = start(
            [
                sys.executable, "-m", "gunicorn", "storefront.wsgi:application",
                "--bind", f"127.0.0.1:{web_port}", "--workers", "2", "--timeout", "30",
                "--access-logfile", str(folder / "access.log"),
            ],
            env,
            folder / "web.log",
        )  # fmt: skip
        processes.append(web)
        wait_until(lambda: answers(f"{web_url}/healthz"), "storefront", processes)

        yield Stack(sandbox_url, web_url, database_url, folder, env)
    finally:
        for process in reversed(processes):
            stop(process)
        drop_keys(broker, queue)
        drop_keys(broker.rsplit("/", 1)[0] + "/12", cache_prefix)
