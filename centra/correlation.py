"""The correlation id of the work in progress (an incoming request, a task), shared by log lines
and by every call to Centra (``X-Correlation-ID``).

Middleware sets it per request with :func:`set_correlation_id` and resets it afterwards;
:class:`CorrelationIdFilter` copies it onto log records so formatters can print
``%(correlation_id)s``.
"""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar, Token

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

#: What log records carry when no correlation id is set.
NO_CORRELATION_ID = "-"


def get_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> Token[str | None]:
    """Set the id for the current context; hand the result to :func:`reset_correlation_id`."""
    return _correlation_id.set(value)


def reset_correlation_id(token: Token[str | None]) -> None:
    _correlation_id.reset(token)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


class CorrelationIdFilter(logging.Filter):
    """Sets ``record.correlation_id`` on every record (never drops one).

    A record that already carries an id (``extra={"correlation_id": ...}``, as the Centra client
    does for ids it generated itself) keeps it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = get_correlation_id() or NO_CORRELATION_ID
        return True
