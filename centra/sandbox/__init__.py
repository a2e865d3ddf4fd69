"""A faithful, stateful local implementation of Centra's Checkout API.

It imports nothing from Django: run it in-process (httpx ``WSGITransport``) or as its own server
with ``python -m centra.sandbox``.
"""

from centra.sandbox.app import DEFAULT_SHARED_SECRET, Sandbox, SandboxConfig, SandboxUnreachable
from centra.sandbox.store import Store

__all__ = ["DEFAULT_SHARED_SECRET", "Sandbox", "SandboxConfig", "SandboxUnreachable", "Store"]
