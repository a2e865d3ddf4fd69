"""Fixtures for the catalog sync tests: the sandbox's control API, and the sandbox's n-th call
of a route (a failure, or a change in Centra between two pages)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from centra_sandbox import Sandbox
from centra_sandbox.transport import SandboxTransport


@pytest.fixture
def control(centra_sandbox: Sandbox) -> Iterator[httpx.Client]:
    """The sandbox's control API (``/_sandbox/``), in place of Centra's admin."""
    with httpx.Client(
        transport=SandboxTransport(centra_sandbox), base_url="http://sandbox.internal/_sandbox/"
    ) as client:
        yield client


@pytest.fixture
def fail_call(control: httpx.Client) -> Callable[..., None]:
    """``fail_call(n)``: the n-th ``POST products`` from now on answers 500 (once)."""

    def install(n: int, status: int = 500, route: str = "POST products") -> None:
        rule = {"route": route, "status": status, "after": n - 1, "count": 1}
        response = control.put("faults", json={"errors": [rule]})
        assert response.status_code == 200, response.text

    return install


@pytest.fixture
def before_call(centra_sandbox: Sandbox) -> Iterator[Callable[..., None]]:
    """``before_call(n, action)``: run ``action`` just before the sandbox answers the n-th
    ``POST products`` from now on. The sync reads pages ahead in a thread, so acting from its
    progress callback would hit a page that depends on timing."""
    installed: list[Callable[[str, int], None]] = []

    def install(n: int, action: Callable[[], None], route: str = "POST products") -> None:
        start = centra_sandbox.request_counts[route]

        def hook(called: str, calls: int) -> None:
            if called == route and calls == start + n:
                action()

        installed.append(hook)
        centra_sandbox.call_hooks.append(hook)

    yield install
    for hook in installed:
        centra_sandbox.call_hooks.remove(hook)
