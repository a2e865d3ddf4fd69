"""The production services, for real: PostgreSQL for the database, Redis for cache and sessions,
and a Celery worker over Redis."""

from __future__ import annotations

import subprocess
import uuid

import psycopg
import pytest

from tests.processes import manage
from tests.services import require_postgres, require_redis

pytestmark = pytest.mark.integration


def _manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return manage(args, env, timeout=120)


@pytest.fixture
def postgres_database() -> str:
    """A throwaway PostgreSQL database; dropped afterwards."""
    admin_url = require_postgres()
    name = f"storefront_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_apply_and_readyz_answers_on_postgresql(
    postgres_database: str, tmp_path
) -> None:
    env = {"DATABASE_URL": postgres_database, "CENTRA_SANDBOX_DB": str(tmp_path / "sb.sqlite3")}
    migrate = _manage(["migrate", "--noinput"], env)
    assert migrate.returncode == 0, migrate.stderr
    probe = _manage(
        [
            "shell",
            "--no-imports",
            "-c",
            "from django.db import connection; from django.test import Client;"
            "r = Client().get('/readyz', HTTP_HOST='localhost');"
            "print(connection.vendor, r.json()['checks']['database'])",
        ],
        env,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "postgresql {'ok': True}"


def test_sessions_and_cache_live_in_redis(tmp_path) -> None:
    redis_url = require_redis()
    key = f"storefront-test-{uuid.uuid4().hex}"
    env = {
        "CACHE_URL": redis_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CENTRA_SANDBOX_DB": str(tmp_path / "sb.sqlite3"),
    }
    assert _manage(["migrate", "--noinput"], env).returncode == 0
    # One process writes, another reads: only a shared cache makes that work.
    write = _manage(
        [
            "shell",
            "--no-imports",
            "-c",
            f"from django.core.cache import cache; cache.set('{key}', 7, 60)",
        ],
        env,
    )
    read = _manage(
        [
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; from django.core.cache import cache;"
            f"print(cache.get('{key}'), settings.SESSION_ENGINE)",
        ],
        env,
    )
    assert write.returncode == 0, write.stderr
    assert read.stdout.strip() == "7 django.contrib.sessions.backends.cached_db"
    import redis

    client = redis.Redis.from_url(redis_url)
    assert any(key in k.decode() for k in client.keys(f"*{key}*"))
    client.delete(*client.keys(f"*{key}*"))
