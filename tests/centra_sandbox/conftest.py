"""Fixtures for the sandbox's own tests: a fresh in-memory sandbox with the demo catalog."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from centra_sandbox import DEFAULT_SHARED_SECRET, Sandbox, SandboxConfig, Store
from centra_sandbox.demo import load_demo
from centra_sandbox.transport import SandboxTransport

BASE_URL = "http://sandbox.test/api/checkout/"


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The 60-product demo catalog, generated once per test session into a file."""
    path = str(tmp_path_factory.mktemp("sandbox") / "demo.sqlite3")
    store = Store(path)
    load_demo(store, products=60, seed=1)
    store.close()
    return path


@pytest.fixture(scope="session")
def ten_thousand_store() -> Iterator[Store]:
    """The demo at 10,000 products, loaded once per session; tests only read it."""
    store = Store(":memory:")
    load_demo(store, products=10_000, seed=1)
    yield store
    store.close()


@pytest.fixture
def sandbox(demo_db_template: str) -> Sandbox:
    """A sandbox with its own in-memory copy of the demo catalog, so tests can change state."""
    store = Store(":memory:")
    template = Store(demo_db_template)
    template.db.backup(store.db)
    template.close()
    return Sandbox(store, SandboxConfig(public_url="http://sandbox.test"))


@pytest.fixture
def server(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A server-side client: the shared secret, no session token unless a test sends one."""
    with httpx.Client(
        transport=SandboxTransport(sandbox),
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {DEFAULT_SHARED_SECRET}"},
    ) as client:
        yield client


@pytest.fixture
def shopper(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client-side (no secret) client that keeps its session token like a browser would."""
    with httpx.Client(transport=SandboxTransport(sandbox), base_url=BASE_URL) as client:

        def keep_token(response: httpx.Response) -> None:
            response.read()
            token = (
                response.json().get("token")
                if response.headers.get("content-type", "").startswith("application/json")
                else None
            )
            if token:
                client.headers["API-token"] = token

        client.event_hooks["response"] = [keep_token]
        yield client


@pytest.fixture
def control(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """The sandbox's control API (``/_sandbox/``)."""
    with httpx.Client(
        transport=SandboxTransport(sandbox), base_url="http://sandbox.test/_sandbox/"
    ) as client:
        yield client
