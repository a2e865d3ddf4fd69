"""Reading fields of Centra's JSON answers.

Centra adds fields without notice and leaves some out, so callers read every field through
these: a field that is missing or of another type than expected reads as empty, never as an
error (``docs/centra.md#conventions``).
"""

from __future__ import annotations

from collections.abc import Mapping
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


# The lines of a postal address as a receipt or an order page prints them.
_ADDRESS_LINES = (
    ("firstName", "lastName"),
    ("company",),
    ("address1",),
    ("address2",),
    ("zipCode", "city"),
    ("state",),
    ("countryName",),
)


def address_lines(address: Mapping[str, Any]) -> tuple[str, ...]:
    """An address object's non-empty lines; the country's code when Centra gives no name."""
    lines = []
    for keys in _ADDRESS_LINES:
        line = " ".join(part for key in keys if (part := text(address.get(key)).strip()))
        if line:
            lines.append(line)
    if not text(address.get("countryName")).strip() and text(address.get("country")).strip():
        lines.append(text(address.get("country")).strip())
    return tuple(lines)
