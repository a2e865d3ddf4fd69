"""What a payment provider sent the return page, as Centra wants it in ``paymentMethodFields``.

Every query parameter and every form field, merged, names and case unchanged; bracketed names
become nested objects, as PHP and Centra's own example read them:
``test[ok]=1&test[ok2]=1&test2=1`` -> ``{"test": {"ok": "1", "ok2": "1"}, "test2": "1"}``.
Form fields win over query parameters of the same name (the provider's POST is the newer word).
A name repeated keeps its last value; ``a[]`` appends to a list.

Bounded, because anyone can call a return URL: at most :data:`MAX_FIELDS` fields, names of at
most :data:`MAX_NAME_LENGTH` characters and :data:`MAX_DEPTH` levels. Anything beyond is dropped
(Centra then refuses the result; nothing here fails).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

MAX_FIELDS: Final = 200
MAX_NAME_LENGTH: Final = 200
MAX_DEPTH: Final = 5
_PART = re.compile(r"\[([^\[\]]*)\]")


def merge_parameters(*sources: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``sources`` in order (query first, then form): (name, value) pairs."""
    merged: dict[str, Any] = {}
    taken = 0
    for pairs in sources:
        for name, value in pairs:
            if taken >= MAX_FIELDS:
                return merged
            path = _path(name)
            if path is None:
                continue
            _put(merged, path, value)
            taken += 1
    return merged


def _path(name: str) -> list[str] | None:
    """``"details[paymentAction]"`` -> ``["details", "paymentAction"]``; None when the name is
    too long, too deep or malformed."""
    if not name or len(name) > MAX_NAME_LENGTH or "\x00" in name:
        return None
    head, bracket, rest = name.partition("[")
    if not bracket:
        return [name]
    keys = _PART.findall("[" + rest)
    if not head or "".join(f"[{k}]" for k in keys) != "[" + rest or len(keys) >= MAX_DEPTH:
        return [name]  # not a bracketed name after all: keep it whole
    return [head, *keys]


def _put(target: dict[str, Any], path: list[str], value: str) -> None:
    node: Any = target
    for depth, key in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, list):
            if last:
                node.append(value)
                return
            child: dict[str, Any] = {}
            node.append(child)
            node = child
            continue
        if last:
            node[key] = value
            return
        next_is_list = path[depth + 1] == ""
        existing = node.get(key)
        if next_is_list:
            if not isinstance(existing, list):
                existing = node[key] = []
        elif not isinstance(existing, dict):
            existing = node[key] = {}
        node = existing
