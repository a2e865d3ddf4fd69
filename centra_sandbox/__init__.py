"""A faithful, stateful local implementation of Centra's Checkout API.

It imports nothing from Django: run it in-process (httpx ``WSGITransport``) or as its own server
with ``python -m centra_sandbox``.
"""

from centra_sandbox.app import DEFAULT_SHARED_SECRET, Sandbox, SandboxConfig, SandboxUnreachable
from centra_sandbox.store import Store

__all__ = ["DEFAULT_SHARED_SECRET", "Sandbox", "SandboxConfig", "SandboxUnreachable", "Store"]
