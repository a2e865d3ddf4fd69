"""Project-wide fixtures. Every test gets its own in-memory Centra sandbox, so no test touches
the developer's ``sandbox.sqlite3`` or sees another test's carts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings

from centra import connection
from centra_sandbox import Sandbox, SandboxConfig, Store
from centra_sandbox.demo import load_demo
from tests.services import require_chromium

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def pytest_configure(config: pytest.Config) -> None:
    from django.test import override_settings

    from storefront.celery import app as celery_app

    # The suite runs in-process on the embedded services whatever the shell or `.env` says: a
    # developer's production-like configuration must neither flush a real cache, send tasks to
    # a real broker nor reach a real Centra, and parallel workers must not share a cache. Tests
    # that prove the real services start their own processes with an explicit environment.
    # override_settings rather than assignment: it also drops caches already opened.
    override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        SESSION_ENGINE="django.contrib.sessions.backends.db",
        CELERY_BROKER_URL="",
        CELERY_TASK_ALWAYS_EAGER=True,
        CENTRA_API_URL="",
        CENTRA_SHARED_SECRET="",
        # Many tests sign in staff; Django's PBKDF2 would cost ~0.25 s per user made. The
        # tests prove permissions and flows, not the strength of the hash.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Retries still happen (tests count them); only the sleeping between them goes.
        # tests/test_client.py proves the backoff itself with a recorded sleep.
        CENTRA_RETRY_BACKOFF=0.0,
    ).enable()
    celery_app.conf.update(broker_url="", task_always_eager=True)


@pytest.fixture(scope="session")
def storefront_sandbox_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("storefront-sandbox") / "demo.sqlite3")
    store = Store(path)
    load_demo(store, products=60, seed=1)
    store.close()
    return path


@pytest.fixture(autouse=True)
def centra_sandbox(storefront_sandbox_template: str) -> Iterator[Sandbox]:
    """The embedded sandbox the storefront talks to during this test, with the demo catalog."""
    store = Store(":memory:")
    template = Store(storefront_sandbox_template)
    template.db.backup(store.db)
    template.close()
    sandbox = Sandbox(store, SandboxConfig(public_url=settings.CENTRA_SANDBOX_MOUNT))
    connection.use_sandbox(sandbox)
    yield sandbox
    connection.use_sandbox(None)
    store.close()


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with an empty cache: rate-limit counters, cached pages and lookups of
    earlier tests in the same worker must not decide this one's answers."""
    from django.core.cache import cache

    cache.clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Slow tests first: with several workers, the short ones then fill in around them instead
    # of one long test finishing alone at the end.
    items.sort(key=lambda item: item.get_closest_marker("integration") is None)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright, one per test process: Playwright's sync API keeps
    an event loop running while it is open, so a second one in the same process (a browser
    test of another package) would refuse to start."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
