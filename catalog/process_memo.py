"""Values built once per process and kept while a version token is unchanged.

The reference data, the search vocabulary and the suggestion names are too big to fetch from the
shared cache on every request that consults them, so each process keeps its own copy; a token
in the shared cache says when every process must rebuild. Building happens outside the lock (it
may query the database), and a value built under a version that changed meanwhile is returned
but not kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class ProcessMemo:
    def __init__(self, version: Callable[[], str]) -> None:
        self._version = version
        self._lock = threading.Lock()
        self._values: dict[Hashable, Any] = {}
        self._kept_version: str | None = None

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``, kept until the version changes."""
        current = self._version()
        with self._lock:
            if self._kept_version != current:
                self._values.clear()
                self._kept_version = current
            if key in self._values:
                return self._values[key]
        value = build()
        with self._lock:
            if self._kept_version == current:
                self._values[key] = value
        return value

    def clear(self) -> None:
        """Forget every value now (the next ``get`` rebuilds, whatever the version says)."""
        with self._lock:
            self._values.clear()
            self._kept_version = None
