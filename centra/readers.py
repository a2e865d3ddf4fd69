"""Reading fields of Centra's JSON answers.

Centra adds fields without notice and leaves some out, so callers read every field through
these: a field that is missing or of another type than expected reads as empty, never as an
error (``docs/centra.md#conventions``).
"""

from __future__ import annotations

from typing import Any


def text(value: Any) -> str:
    """A string field, or ``""``."""
    return value if isinstance(value, str) else ""


def obj(value: Any) -> dict[str, Any]:
    """An object field, or ``{}``."""
    return value if isinstance(value, dict) else {}


def objs(value: Any) -> list[dict[str, Any]]:
    """The objects of a list field (anything else in it skipped), or ``[]``."""
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []
