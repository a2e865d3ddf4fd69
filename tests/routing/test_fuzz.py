"""No input gives a 500: generated paths, queries, forms, cookies and webhook deliveries
(:mod:`tests.fuzz_requests`) against the synced demo catalog, on SQLite here and on a real
PostgreSQL through ``manage.py shell``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests import fuzz_requests
from tests.processes import manage
from tests.services import throwaway_postgres_database

pytestmark = pytest.mark.django_db


@pytest.fixture
def fuzz_settings(settings) -> None:
    settings.CENTRA_WEBHOOK_SECRET = fuzz_requests.WEBHOOK_SECRET
    settings.CATALOG_WEBHOOK_RATE_LIMIT = 0


def test_no_generated_request_is_answered_500_on_sqlite(fuzz_settings) -> None:
    seen: list[int] = []

    def check(status: int, what: str) -> None:
        seen.append(status)
        # Each example runs in the same test transaction: forget what the last one cached.
        cache.clear()
        assert not fuzz_requests.is_failure(status), what

    fuzz_requests.run_all(check, examples=40)

    assert len(seen) >= 5 * 40
    assert any(status == 400 for status in seen)  # the edge did refuse something


@pytest.fixture(scope="module")
def postgres_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("fuzz-postgres")
    with throwaway_postgres_database("storefront_fuzz") as url:
        env = {
            "DATABASE_URL": url,
            "CENTRA_SANDBOX_DB": str(folder / "sandbox.sqlite3"),
            "CENTRA_SANDBOX_PRODUCTS": "60",
            "CATALOG_RESYNC_MINUTES": "0",
        }
        for command in (["migrate", "--noinput"], ["sandbox_load"], ["centra_sync"]):
            done = manage(command, env)
            assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
        yield env


@pytest.mark.integration
def test_no_generated_request_is_answered_500_on_postgresql(postgres_env: dict[str, str]) -> None:
    done = manage(["shell", "-c", fuzz_requests.SHELL_SCRIPT], postgres_env, timeout=900)
    assert done.returncode == 0, done.stderr[-5000:]
    [line] = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    assert result["vendor"] == "postgresql"
    assert result["count"] >= 5 * 40
    assert result["errors"] == []
