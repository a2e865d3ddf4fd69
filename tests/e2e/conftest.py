"""Browser tests: Playwright for Python driving Debian's Chromium (the ``browser`` fixture of
tests/conftest.py) against a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from catalog.reference import invalidate
from catalog.sync import full_sync
from tests.e2e.shopper import OneAtATime

# Playwright's sync API keeps an event loop in this thread; the live server's ORM work runs in
# its own thread, so Django's async-safety guard would be a false alarm here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def synced_catalog(centra_sandbox) -> None:
    """The local catalog, synced from this test's sandbox (the 60-product demo)."""
    run = full_sync(trigger="command")
    assert run.status == "succeeded", run.error
    invalidate()


@pytest.fixture
def one_request_at_a_time(live_server) -> Iterator[OneAtATime]:
    """The live server, answering one request at a time (see :class:`OneAtATime`)."""
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    server = OneAtATime(app)
    httpd.set_app(server)
    yield server
    httpd.set_app(app)
