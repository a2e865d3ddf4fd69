"""The process-wide Centra client, built from Django settings.

With ``CENTRA_API_URL`` set it talks to that Centra plugin; without it, to the embedded sandbox
in this process (no socket), whose database is ``CENTRA_SANDBOX_DB``.

This is the one module that imports :mod:`centra_sandbox`, and only when no ``CENTRA_API_URL``
is configured: a production process never loads the imitation of Centra.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from django.conf import settings

from centra.client import CentraClient

if TYPE_CHECKING:
    from centra_sandbox import Sandbox

# The host is never resolved: requests to it go through the sandbox's in-process transport.
SANDBOX_API_URL = "http://sandbox.internal/api/checkout/"

_lock = threading.Lock()
_client: CentraClient | None = None
_sandbox: Sandbox | None = None


def is_embedded() -> bool:
    return not settings.CENTRA_API_URL


def get_sandbox() -> Sandbox | None:
    """The embedded sandbox, or ``None`` when a real Centra is configured."""
    global _sandbox
    if not is_embedded():
        return None
    with _lock:
        if _sandbox is None:
            from centra_sandbox import Sandbox, SandboxConfig, Store

            _sandbox = Sandbox(
                Store(settings.CENTRA_SANDBOX_DB),
                SandboxConfig(public_url=settings.CENTRA_SANDBOX_MOUNT),
            )
        return _sandbox


def get_client() -> CentraClient:
    global _client
    with _lock:
        if _client is not None:
            return _client
    client = _build_client()
    with _lock:
        if _client is None:
            _client = client
        else:
            client.close()
        return _client


def _build_client() -> CentraClient:
    options = {
        "timeout": settings.CENTRA_TIMEOUT,
        "max_retries": settings.CENTRA_MAX_RETRIES,
        "backoff": settings.CENTRA_RETRY_BACKOFF,
    }
    sandbox = get_sandbox()
    if sandbox is None:
        return CentraClient(
            settings.CENTRA_API_URL, shared_secret=settings.CENTRA_SHARED_SECRET, **options
        )
    from centra_sandbox.transport import SandboxTransport

    return CentraClient(
        SANDBOX_API_URL,
        shared_secret=sandbox.config.shared_secret,
        transport=SandboxTransport(sandbox),
        **options,
    )


def use_client(client: CentraClient | None) -> None:
    """Replace the process-wide client (None: build it from settings again); a benchmark
    measures Centra's share of a request through its own transport this way."""
    global _client
    with _lock:
        if _client is not None and _client is not client:
            _client.close()
        _client = client


def use_sandbox(sandbox: Sandbox | None) -> None:
    """Replace the embedded sandbox (and drop the client built on it); tests give each test its
    own sandbox this way."""
    global _client, _sandbox
    with _lock:
        if _client is not None:
            _client.close()
        _client = None
        _sandbox = sandbox
