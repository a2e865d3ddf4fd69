"""The process-wide Centra client, built from Django settings.

With ``CENTRA_API_URL`` set it talks to that Centra plugin; without it, to the embedded sandbox
in this process (no socket), whose database is ``CENTRA_SANDBOX_DB``.
"""

from __future__ import annotations

import threading

from django.conf import settings

from centra.client import CentraClient
from centra_sandbox import DEFAULT_SHARED_SECRET, Sandbox, SandboxConfig, Store
from centra_sandbox.transport import SandboxTransport

# The host is never resolved: requests to it go through SandboxTransport.
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
            _sandbox = Sandbox(
                Store(settings.CENTRA_SANDBOX_DB),
                SandboxConfig(
                    shared_secret=DEFAULT_SHARED_SECRET,
                    public_url=settings.CENTRA_SANDBOX_MOUNT,
                ),
            )
        return _sandbox


def get_client() -> CentraClient:
    global _client
    with _lock:
        if _client is not None:
            return _client
    sandbox = get_sandbox()
    client = CentraClient(
        settings.CENTRA_API_URL or SANDBOX_API_URL,
        shared_secret=settings.CENTRA_SHARED_SECRET if sandbox is None else DEFAULT_SHARED_SECRET,
        transport=SandboxTransport(sandbox) if sandbox is not None else None,
        timeout=settings.CENTRA_TIMEOUT,
        max_retries=settings.CENTRA_MAX_RETRIES,
        backoff=settings.CENTRA_RETRY_BACKOFF,
    )
    with _lock:
        if _client is None:
            _client = client
        else:
            client.close()
        return _client


def use_sandbox(sandbox: Sandbox | None) -> None:
    """Replace the embedded sandbox (and drop the client built on it); tests give each test its
    own sandbox this way."""
    global _client, _sandbox
    with _lock:
        if _client is not None:
            _client.close()
        _client = None
        _sandbox = sandbox
