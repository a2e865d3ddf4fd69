"""The one HTTP client for Centra's Checkout API.

Usage::

    client = CentraClient("https://example.centra.com/api/checkout/", shared_secret=secret)
    reply = client.post("products", json={"market": 1, "pricelist": "all"},
                        token=NO_SESSION, idempotent=True)
    reply = client.delete("vouchers/{voucher}", params={"voucher": code}, token=shopper_token)
    if reply.token_changed:
        store(reply.token)

What it takes care of, so that nothing else in the project has to:

- **Auth**: ``Authorization: Bearer <shared secret>`` (server-side mode) when a secret is
  configured and ``use_secret`` is true; ``API-token: <token>`` for a shopper session;
  ``API-token: none`` (``token=NO_SESSION``) for cacheable reads that must not create a session;
  no token at all (``token=None``) makes Centra start a new session.
- **Path parameters**: every ``{name}`` in a path template is percent-encoded as one segment
  (``TEST+CODE`` -> ``TEST%2BCODE``, ``../x`` -> ``..%2Fx``), so a value can never change the route.
- **Correlation**: ``X-Correlation-ID`` from :mod:`centra.correlation`, or a fresh id per call.
- **Failure**: a timeout on every call; bounded retries with exponential backoff and full jitter
  for idempotent calls only (connection errors, timeouts, 502/503/504; 429 and 503 honour
  ``Retry-After`` within ``max_retry_wait``). ``payment`` and ``payment-result`` are never retried.
  Every failure is a :class:`centra.errors.CentraError`; no httpx exception escapes.
"""

from __future__ import annotations

import email.utils
import enum
import hmac
import logging
import math
import random
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Final, TypedDict, Unpack
from urllib.parse import quote

import httpx

from centra.correlation import get_correlation_id, new_correlation_id
from centra.errors import (
    CentraError,
    CentraRateLimited,
    CentraUnavailable,
    error_for_response,
)

__all__ = [
    "NO_SESSION",
    "CallOptions",
    "CentraClient",
    "CentraResponse",
    "NoSession",
    "SharedSecret",
    "build_path",
    "encode_segment",
    "parse_retry_after",
]

logger = logging.getLogger("centra.client")

_MASK = "********"
_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD"})
_RETRYABLE_STATUSES: Final = frozenset({502, 503, 504})
_TRANSIENT_ERRORS: Final = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
#: Calls that move money: never repeated by the client, whatever the caller says.
NEVER_RETRIED_PATHS: Final = frozenset({"payment", "payment-result"})
# A numeric Retry-After this large is a Unix timestamp (as Centra's GraphQL API sends), not seconds.
_EPOCH_THRESHOLD: Final = 1_000_000_000
_FORMATTER = string.Formatter()


class NoSession(enum.Enum):
    """Type of :data:`NO_SESSION`."""

    NO_SESSION = "none"

    def __repr__(self) -> str:
        return "NO_SESSION"


#: ``token=NO_SESSION`` sends ``API-token: none``: no session is created or returned.
NO_SESSION: Final = NoSession.NO_SESSION


class SharedSecret:
    """Holds the plugin's shared secret; its repr and str are masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value:
            raise ValueError("the shared secret is empty")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"SharedSecret('{_MASK}')"

    def __str__(self) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SharedSecret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class CentraResponse:
    """A successful (2xx) answer. ``data`` is the whole JSON object, unknown fields included."""

    status_code: int
    data: dict[str, Any]
    token: str | None
    sent_token: str | None

    @property
    def token_changed(self) -> bool:
        """Centra answered with a token other than the one sent (expiry, or a new session):
        the caller must store ``token``."""
        return self.token is not None and self.token != self.sent_token


def encode_segment(value: str | int) -> str:
    """Percent-encode one path segment (``encodeURIComponent``), dot segments included."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"a path parameter must be a str or int, not {type(value).__name__}")
    text = str(value)
    if not text:
        raise ValueError("a path parameter must not be empty")
    encoded = quote(text, safe="")
    if set(encoded) == {"."}:
        # "." and ".." would be resolved away by URL normalisation; keep them literal.
        encoded = "%2E" * len(encoded)
    return encoded


def build_path(path_template: str, params: Mapping[str, str | int] | None = None) -> str:
    """Fill ``path_template`` (``"vouchers/{voucher}"``) with encoded ``params``.

    Every placeholder needs a parameter and every parameter a placeholder.
    """
    params = params or {}
    pieces: list[str] = []
    used: set[str] = set()
    for literal, field, spec, conversion in _FORMATTER.parse(path_template):
        pieces.append(literal)
        if field is None:
            continue
        if spec or conversion or not field:
            raise ValueError(f"unsupported placeholder in path template {path_template!r}")
        if field not in params:
            raise ValueError(f"path template {path_template!r} needs parameter {field!r}")
        pieces.append(encode_segment(params[field]))
        used.add(field)
    unused = set(params) - used
    if unused:
        raise ValueError(f"path template {path_template!r} has no {sorted(unused)!r}")
    return "".join(pieces).lstrip("/")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds, an HTTP-date, or a Unix
    timestamp. None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - time.time())
    if not math.isfinite(seconds) or seconds < 0:
        return None
    if seconds >= _EPOCH_THRESHOLD:
        return max(0.0, seconds - time.time())
    return seconds


def _normalise_base_url(base_url: str) -> str:
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"invalid Centra base URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("the Centra base URL must be an absolute http(s) URL")
    if url.userinfo:
        raise ValueError("the Centra base URL must not carry credentials; use shared_secret")
    if url.query or url.fragment:
        raise ValueError("the Centra base URL must not have a query or fragment")
    text = str(url)
    return text if text.endswith("/") else text + "/"


class CallOptions(TypedDict, total=False):
    """What :meth:`CentraClient.request` takes besides the method and path (see there)."""

    params: Mapping[str, str | int] | None
    json: Any
    token: str | NoSession | None
    use_secret: bool
    idempotent: bool | None


class CentraClient:
    """One client per Centra plugin endpoint; reuses its connections. Thread-safe."""

    def __init__(
        self,
        base_url: str,
        *,
        shared_secret: str | SharedSecret | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff: float = 0.25,
        max_retry_wait: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_retries < 0 or backoff < 0 or max_retry_wait < 0:
            raise ValueError("max_retries, backoff and max_retry_wait must not be negative")
        self.base_url = _normalise_base_url(base_url)
        if isinstance(shared_secret, str):
            shared_secret = SharedSecret(shared_secret) if shared_secret else None
        self._secret = shared_secret
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "centra-storefront"},
        )

    @property
    def has_shared_secret(self) -> bool:
        return self._secret is not None

    def __repr__(self) -> str:
        secret = _MASK if self._secret is not None else None
        return f"CentraClient(base_url={self.base_url!r}, shared_secret={secret!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CentraClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the core call ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path_template: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        token: str | NoSession | None = None,
        use_secret: bool = True,
        idempotent: bool | None = None,
    ) -> CentraResponse:
        """Call ``path_template`` (relative to the base URL) and return the 2xx answer.

        ``params`` fill the template's placeholders. ``idempotent`` defaults to True for
        GET/HEAD only; pass True for reads sent as POST (``products``, ``uri``, ...). Raises a
        :class:`centra.errors.CentraError` subclass on any failure.
        """
        method = method.upper()
        url = self.base_url + build_path(path_template, params)
        headers = self._headers(token, use_secret)
        correlation_id = get_correlation_id() or new_correlation_id()
        headers["X-Correlation-ID"] = correlation_id
        sent_token = token if isinstance(token, str) and token else None
        may_retry = self._may_retry(method, path_template, idempotent)
        call = _Call(method, path_template, correlation_id)

        waited = 0.0
        for attempt in range(1, self.max_retries + 2):
            outcome = self._attempt(call, url, headers, json, sent_token, attempt)
            if outcome.response is not None:
                return outcome.response
            assert outcome.error is not None
            if not may_retry or outcome.wait is None or attempt > self.max_retries:
                break
            remaining = self.max_retry_wait - waited
            if outcome.retry_after_said:
                if outcome.wait > remaining:
                    break  # Centra asked for a longer pause than the budget allows
                seconds = outcome.wait
            elif remaining > 0:
                seconds = min(outcome.wait, remaining)
            else:
                break
            logger.warning(
                "centra %s %s: retrying in %.2f s (attempt %d of %d, correlation id %s)",
                method,
                path_template,
                seconds,
                attempt + 1,
                self.max_retries + 1,
                correlation_id,
                extra={"correlation_id": correlation_id},
            )
            self._sleep(seconds)
            waited += seconds
        assert outcome.error is not None
        raise outcome.error from outcome.cause

    def get(self, path_template: str, **options: Unpack[CallOptions]) -> CentraResponse:
        return self.request("GET", path_template, **options)

    def post(self, path_template: str, **options: Unpack[CallOptions]) -> CentraResponse:
        return self.request("POST", path_template, **options)

    def put(self, path_template: str, **options: Unpack[CallOptions]) -> CentraResponse:
        return self.request("PUT", path_template, **options)

    def delete(self, path_template: str, **options: Unpack[CallOptions]) -> CentraResponse:
        return self.request("DELETE", path_template, **options)

    # -- internals ----------------------------------------------------------------------------

    def _headers(self, token: str | NoSession | None, use_secret: bool) -> dict[str, str]:
        headers: dict[str, str] = {}
        if use_secret and self._secret is not None:
            headers["Authorization"] = f"Bearer {self._secret.reveal()}"
        if token is NO_SESSION:
            headers["API-token"] = "none"
        elif isinstance(token, str):
            if token:
                headers["API-token"] = token
        elif token is not None:
            raise TypeError(f"token must be a str, NO_SESSION or None, not {type(token).__name__}")
        return headers

    @staticmethod
    def _may_retry(method: str, path_template: str, idempotent: bool | None) -> bool:
        if path_template.strip("/") in NEVER_RETRIED_PATHS:
            return False
        return idempotent if idempotent is not None else method in _IDEMPOTENT_METHODS

    def _backoff_wait(self, attempt: int) -> float:
        return random.uniform(0, self.backoff * 2 ** (attempt - 1))

    def _attempt(
        self,
        call: _Call,
        url: str,
        headers: dict[str, str],
        json: Any,
        sent_token: str | None,
        attempt: int,
    ) -> _Outcome:
        started = time.perf_counter()
        try:
            response = self._http.request(call.method, url, headers=headers, json=json)
        except httpx.HTTPError as exc:
            call.log(logging.WARNING, type(exc).__name__, started, attempt)
            detail = self._redact(str(exc))[:200]
            unreachable = CentraUnavailable(
                f"Centra unreachable on {call.method} {call.path_template}: "
                f"{type(exc).__name__}{': ' + detail if detail else ''}"
            )
            transient = isinstance(exc, _TRANSIENT_ERRORS)
            return _Outcome(
                error=unreachable,
                cause=exc,
                wait=self._backoff_wait(attempt) if transient else None,
            )

        status = response.status_code
        level = logging.WARNING if status >= 500 or status == 429 else logging.INFO
        call.log(level, status, started, attempt)
        body = self._json_object(call.method, response)

        if 200 <= status < 300 and body is not None:
            token = body.get("token")
            token = token if isinstance(token, str) and token else None
            return _Outcome(response=CentraResponse(status, body, token, sent_token))

        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        error: CentraError
        if status < 400 or body is None:
            error = self._unreadable_answer(call, status, retry_after)
        else:
            error = error_for_response(
                status,
                body,
                method=call.method,
                path_template=call.path_template,
                retry_after=retry_after,
            )
        if retry_after is not None and status in (429, 503):
            return _Outcome(error=error, wait=retry_after, retry_after_said=True)
        if status == 429 or status in _RETRYABLE_STATUSES:
            return _Outcome(error=error, wait=self._backoff_wait(attempt))
        return _Outcome(error=error)

    @staticmethod
    def _json_object(method: str, response: httpx.Response) -> dict[str, Any] | None:
        if method == "HEAD" or response.status_code == 204:
            return {}
        try:
            data = response.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @staticmethod
    def _unreadable_answer(call: _Call, status: int, retry_after: float | None) -> CentraError:
        where = f"{call.method} {call.path_template}"
        if status == 429:
            return CentraRateLimited(
                f"Centra answered 429 to {where}", status_code=status, retry_after=retry_after
            )
        if status < 200 or 300 <= status < 400:
            message = f"Centra answered an unexpected {status} to {where}"
        elif status >= 500:
            message = f"Centra answered {status} to {where}"
        else:
            message = f"Centra answered {status} to {where} with a body that is not a JSON object"
        return CentraUnavailable(message, status_code=status, retry_after=retry_after)

    def _redact(self, text: str) -> str:
        if self._secret is not None:
            text = text.replace(self._secret.reveal(), _MASK)
        return text


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One HTTP exchange: the response, or the error and how long to wait before a retry
    (None: a retry cannot help; ``retry_after_said``: Centra named the wait itself)."""

    response: CentraResponse | None = None
    error: CentraError | None = None
    cause: BaseException | None = None
    wait: float | None = None
    retry_after_said: bool = False


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    path_template: str
    correlation_id: str

    def log(self, level: int, outcome: int | str, started: float, attempt: int) -> None:
        logger.log(
            level,
            "centra %s %s -> %s in %d ms (attempt %d, correlation id %s)",
            self.method,
            self.path_template,
            outcome,
            round((time.perf_counter() - started) * 1000),
            attempt,
            self.correlation_id,
            extra={"correlation_id": self.correlation_id},
        )
