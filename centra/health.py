"""Readiness of the Centra side, for ``/readyz``."""

from __future__ import annotations

from centra.client import NO_SESSION
from centra.connection import get_client, get_sandbox
from centra.errors import CentraError


def centra_status() -> tuple[bool, str]:
    """``(ready, detail)``: the embedded sandbox has its catalog, or Centra answers a cheap read."""
    sandbox = get_sandbox()
    if sandbox is not None:
        if sandbox.store.is_loaded():
            return True, "sandbox loaded"
        return False, "sandbox has no catalog: run `python manage.py sandbox_load`"
    try:
        get_client().get("languages", token=NO_SESSION)
    except CentraError as exc:
        return False, f"centra unreachable ({type(exc).__name__})"
    return True, "centra reachable"
