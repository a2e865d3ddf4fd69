"""A full sync into a real PostgreSQL database, through ``manage.py`` as an operator runs it."""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from centra_sandbox import Store
from tests.catalog import upstream
from tests.processes import manage
from tests.services import require_postgres

pytestmark = pytest.mark.integration


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway database, dropped afterwards."""
    server = require_postgres()
    name = f"storefront_sync_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = manage(args, env)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_full_sync_into_postgresql(postgres_url: str, tmp_path: Path) -> None:
    sandbox_db = tmp_path / "sandbox.sqlite3"
    env = {"DATABASE_URL": postgres_url, "CENTRA_SANDBOX_DB": str(sandbox_db)}
    _manage(env, "migrate", "--noinput")
    _manage(env, "sandbox_load", "--products", "60")
    store = Store(str(sandbox_db))
    expected = upstream.counts(store)
    calls = upstream.reference_calls(store) + upstream.product_pages(store, 200)
    store.close()

    first = _manage(env, "centra_sync").stdout
    second = _manage(env, "centra_sync").stdout
    # Changes in Centra between runs: a new price, a deactivated product.
    store = Store(str(sandbox_db))
    store.db.execute(
        "UPDATE product_prices SET price = 77 WHERE product_id = 101 AND pricelist_id = 1"
    )
    store.db.execute("UPDATE products SET active = 0 WHERE id = 102")
    after_changes = upstream.counts(store)
    store.close()
    third = _manage(env, "centra_sync").stdout
    status = _manage(env, "centra_sync", "--status").stdout

    assert re.fullmatch(
        r"Full sync #1 succeeded in \d+\.\d s, "
        + re.escape(f"{calls} calls: {sum(expected.values())} created, 0 updated, 0 deleted (")
        + r".*\)\n",
        first,
    ), first
    assert re.fullmatch(
        rf"Full sync #2 succeeded in \d+\.\d s, {calls} calls: 0 created, 0 updated, 0 deleted\n",
        second,
    ), second
    assert "0 created, 1 updated, " in third, third
    assert "(products -1, " in third, third
    assert " prices ~1 -" in third, third
    assert [line.split()[:4] for line in status.splitlines()[1:]] == [
        ["3", "full", "command", "succeeded"],
        ["2", "full", "command", "succeeded"],
        ["1", "full", "command", "succeeded"],
    ]
    with psycopg.connect(postgres_url) as db:
        local = {
            name: db.execute(f"SELECT COUNT(*) FROM {model._meta.db_table}").fetchone()[0]  # noqa: S608
            for name, model in upstream.CATALOG_MODELS.items()
        }
        price = db.execute(
            "SELECT price, price_text FROM catalog_productprice "
            "WHERE product_id = 101 AND pricelist_id = 1"
        ).fetchone()
        # The sync refreshed the planner's statistics of every catalog table itself (this
        # machine's autovacuum is off, so nothing else did).
        unanalyzed = db.execute(
            "SELECT relname FROM pg_stat_user_tables "
            "WHERE relname LIKE 'catalog\\_%' AND last_analyze IS NULL"
        ).fetchall()
    assert unanalyzed == []
    assert local == after_changes
    assert local["product"] == expected["product"] - 1
    assert price == (Decimal("77.0000"), "77.00 SEK")


def test_an_unreachable_centra_fails_the_command_without_showing_the_secret(
    postgres_url: str,
) -> None:
    secret = "pg-test-" + uuid.uuid4().hex
    env = {
        "DATABASE_URL": postgres_url,
        # Nothing listens on port 9 (discard) on a test machine.
        "CENTRA_API_URL": "http://127.0.0.1:9/api/checkout/",
        "CENTRA_SHARED_SECRET": secret,
        "CENTRA_MAX_RETRIES": "0",
    }
    _manage(env, "migrate", "--noinput")

    result = _manage(env, "centra_sync", check=False)

    assert result.returncode == 1
    assert result.stdout.startswith("Full sync #1 failed in ")
    assert (
        "CommandError: full sync #1 failed: languages: CentraUnavailable: "
        "Centra unreachable on GET languages: ConnectError"
    ) in result.stderr
    assert secret not in result.stdout + result.stderr
