"""Fixtures for the catalog sync tests: the sandbox's control API, and hooks on the sandbox's
n-th call of a route (a failure, or a change in Centra between two pages)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from centra.sandbox import Sandbox
from centra.sandbox.transport import SandboxTransport


@pytest.fixture
def control(centra_sandbox: Sandbox) -> Iterator[httpx.Client]:
    """The sandbox's control API (``/_sandbox/``), in place of Centra's admin."""
    with httpx.Client(
        transport=SandboxTransport(centra_sandbox), base_url="http://sandbox.internal/_sandbox/"
    ) as client:
        yield client


class _NthCallRule(dict):
    """A sandbox fault rule that stays off until the n-th call of its route.

    The sandbox's own rules (``app.Faults``) fail the next calls at once and have no "after k
    calls" option, and the sync reads pages ahead in a thread, so a rule put in place from a
    progress callback would hit a page that depends on timing. This rule reads the sandbox's own
    request counter whenever the sandbox asks it for ``remaining``, so it fires on exactly the
    n-th call: with ``status`` it fails that call; with ``action`` it runs the action just
    before the sandbox answers it (a change in Centra between two pages) and fails nothing.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        route: str,
        n: int,
        status: int = 500,
        action: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(route=route, status=status, retry_after=None, remaining=1)
        self._sandbox = sandbox
        self._n = n
        self._action = action

    def get(self, key: str, default: Any = None) -> Any:
        if key == "remaining":
            if self._sandbox.request_counts[self["route"]] < self._n:
                return 0
            if self._action is not None:
                action, self._action = self._action, None
                action()
                self["remaining"] = 0
        return super().get(key, default)


@pytest.fixture
def fail_call(centra_sandbox: Sandbox) -> Callable[..., None]:
    """``fail_call(n)``: the n-th ``POST products`` from now on answers 500 (once)."""

    def install(n: int, status: int = 500, route: str = "POST products") -> None:
        centra_sandbox.reset_counts()
        centra_sandbox.faults.errors.append(_NthCallRule(centra_sandbox, route, n, status))

    return install


@pytest.fixture
def before_call(centra_sandbox: Sandbox) -> Callable[..., None]:
    """``before_call(n, action)``: run ``action`` just before the sandbox answers the n-th
    ``POST products`` from now on."""

    def install(n: int, action: Callable[[], None], route: str = "POST products") -> None:
        centra_sandbox.reset_counts()
        centra_sandbox.faults.errors.append(_NthCallRule(centra_sandbox, route, n, action=action))

    return install
