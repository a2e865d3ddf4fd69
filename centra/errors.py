"""Typed errors raised by :mod:`centra.client`.

Every error is a :class:`CentraError`. Callers catch the narrowest type they can act on:

- :class:`CentraUnavailable`: Centra could not be reached or did not answer usefully (network
  error, timeout, 5xx, a body that is not a JSON object). Worth showing "try again later".
- :class:`CentraRateLimited`: 429; ``retry_after`` says when to come back, when Centra said so.
- :class:`CentraNotFound`: 404 (unknown item, product, voucher, URI, payment method...).
- :class:`CentraForbidden`: 401/403 (bad shared secret, disallowed origin, not logged in).
- :class:`CentraValidationError`: any other 4xx; ``errors`` maps Centra's field keys (dotted for
  nested fields, e.g. ``address.email``) to messages.
- :class:`CentraStockError`: 410; ``unavailable`` lists the lines Centra took out of the cart.

Every error keeps the session ``token`` Centra answered with (if any), so a caller can store a
new token even when the call failed. Messages name the HTTP method and the path *template*
(never the filled-in path, which may hold an e-mail address) and never carry a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MAX_SUMMARY = 300


class CentraError(Exception):
    """A call to Centra failed. ``status_code`` is None when no HTTP answer arrived."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        errors: Mapping[str, Any] | None = None,
        messages: list[str] | None = None,
        body: Mapping[str, Any] | None = None,
        token: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.errors: dict[str, Any] = dict(errors or {})
        self.messages: list[str] = list(messages or [])
        self.body: dict[str, Any] = dict(body or {})
        self.token = token
        self.code = code
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, message={self.message!r})"


class CentraUnavailable(CentraError):
    """Network error, timeout, 5xx, or an answer that is not a JSON object."""


class CentraRateLimited(CentraError):
    """429 Too Many Requests; ``retry_after`` is in seconds (None when Centra did not say)."""


class CentraNotFound(CentraError):
    """404."""


class CentraForbidden(CentraError):
    """401 or 403."""


class CentraValidationError(CentraError):
    """A 4xx that refuses the request's content; see ``errors`` and ``messages``."""


class CentraStockError(CentraValidationError):
    """410 Gone: items are out of stock; Centra already removed them from the selection."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        unavailable = self.body.get("unavailable")
        self.unavailable: list[dict[str, Any]] = (
            [u for u in unavailable if isinstance(u, dict)] if isinstance(unavailable, list) else []
        )


def error_for_response(
    status_code: int,
    body: Mapping[str, Any],
    *,
    method: str,
    path_template: str,
    retry_after: float | None = None,
) -> CentraError:
    """The typed error for a Centra answer with ``status_code`` >= 400 and a JSON-object body."""
    errors = body.get("errors")
    errors = dict(errors) if isinstance(errors, Mapping) else {}
    messages = [m for m in body.get("messages") or [] if isinstance(m, str)]
    if isinstance(body.get("message"), str) and body["message"] not in messages:
        messages.append(body["message"])
    token = body.get("token")
    code = body.get("code")
    kwargs: dict[str, Any] = {
        "status_code": status_code,
        "errors": errors,
        "messages": messages,
        "body": body,
        "token": token if isinstance(token, str) else None,
        "code": code if isinstance(code, str) else None,
        "retry_after": retry_after,
    }
    message = f"Centra answered {status_code} to {method} {path_template}"
    summary = "; ".join([f"{key}: {value}" for key, value in errors.items()] + messages)
    if summary:
        message = f"{message}: {summary[:_MAX_SUMMARY]}"

    cls: type[CentraError]
    if status_code == 429:
        cls = CentraRateLimited
    elif status_code >= 500:
        cls = CentraUnavailable
    elif status_code == 404:
        cls = CentraNotFound
    elif status_code in (401, 403):
        cls = CentraForbidden
    elif status_code == 410:
        cls = CentraStockError
    else:
        cls = CentraValidationError
    return cls(message, **kwargs)
