"""Where the real services for integration tests live, and what to do when one is absent.

On a laptop without Redis or PostgreSQL those tests skip and say how to start the service; under
CI (``CI`` set) they fail instead, because CI must prove the real thing.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

_HOW_TO_GET = {
    "Redis": 'start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ""',
    "PostgreSQL": (
        "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
    ),
    "Chromium": "install it with: apt-get install -y chromium",
    "Varnish": "install it with: apt-get install -y varnish varnish-modules (.ci/run does)",
}


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=1):
            return True
    except OSError:
        return False


def unavailable(service: str, detail: str) -> None:
    message = f"{service} is not available ({detail}); {_HOW_TO_GET[service]}"
    if os.environ.get("CI"):
        pytest.fail(f"CI requires {message}")
    pytest.skip(message)


def require_redis() -> str:
    if not _answers(REDIS_URL):
        unavailable("Redis", f"nothing answers at {REDIS_URL}")
    return REDIS_URL


def require_postgres() -> str:
    if not _answers(POSTGRES_URL):
        unavailable("PostgreSQL", f"nothing answers at {POSTGRES_URL}")
    return POSTGRES_URL


def require_chromium() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path is None:
        unavailable("Chromium", f"{CHROMIUM} not found, and no chromium on PATH")
    return path


def require_varnishd() -> str:
    """The path of Varnish's ``varnishd`` (with vmod xkey from varnish-modules beside it)."""
    path = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
    if path is None:
        unavailable("Varnish", "no varnishd on PATH or in /usr/sbin")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_queue(base_url: str) -> tuple[str, str]:
    """(broker URL, queue name): a queue of this run's own, so no other worker (and no
    leftover of an earlier run) takes or holds our tasks. Drop it with :func:`drop_keys`."""
    return base_url.rsplit("/", 1)[0] + "/14", f"storefront-test-{uuid.uuid4().hex[:12]}"


def drop_keys(url: str, part: str) -> None:
    """Delete every key of the Redis database at ``url`` whose name contains ``part``."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(f"*{part}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextmanager
def throwaway_postgres_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards (skips or fails as
    :func:`require_postgres` says when there is no PostgreSQL)."""
    import psycopg

    admin_url = require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
