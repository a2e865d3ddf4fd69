"""The sandbox's request plumbing: routers, the per-call context, and Centra-shaped errors.

Route modules register handlers on one of three routers:

- ``api``: the Checkout API, under ``/api/checkout/``; handlers return a dict (status 200) or
  ``(status, dict)`` and raise ``ApiError`` for Centra-shaped error bodies;
- ``control``: the test and demo control API, under ``/_sandbox/``; same conventions;
- ``pages``: browser-facing pages and media; handlers return a werkzeug ``Response``.

Patterns are matched against percent-decoded path segments, so ``vouchers/TEST%2BCODE`` gives
``{"voucher": "TEST+CODE"}`` and ``items/..%2Fx`` stays one segment.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from werkzeug.wrappers import Request

if TYPE_CHECKING:
    import sqlite3

    from centra_sandbox.app import Sandbox

Handler = Callable[["Call"], Any]


class ApiError(Exception):
    """An error answer in Centra's format: ``{"token": ..., "errors": {...}, **extra}``."""

    def __init__(self, status: int, errors: dict[str, Any], **extra: Any) -> None:
        super().__init__(f"{status} {errors}")
        self.status = status
        self.errors = errors
        self.extra = extra


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    segments: tuple[str, ...]
    handler: Handler

    @property
    def name(self) -> str:
        return f"{self.method} {self.pattern}"

    def match(self, parts: list[str]) -> dict[str, Any] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, Any] = {}
        for seg, part in zip(self.segments, parts, strict=True):
            if seg.startswith("{"):
                name, _, kind = seg[1:-1].partition(":")
                if kind == "int":
                    if not (part.isascii() and part.isdigit()) or len(part) > 9:
                        return None
                    params[name] = int(part)
                else:
                    params[name] = part
            elif seg != part:
                return None
        return params

    @property
    def literal_count(self) -> int:
        return sum(1 for s in self.segments if not s.startswith("{"))


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            segments = tuple(pattern.strip("/").split("/")) if pattern.strip("/") else ()
            self.routes.append(Route(method.upper(), pattern, segments, handler))
            return handler

        return register

    def resolve(self, method: str, parts: list[str]) -> tuple[Route, dict[str, Any]] | int:
        """The best route for these segments, or 404/405. Literal segments win over parameters."""
        best: tuple[Route, dict[str, Any]] | None = None
        path_matched = False
        for route in self.routes:
            params = route.match(parts)
            if params is None:
                continue
            path_matched = True
            if route.method != method:
                continue
            if best is None or route.literal_count > best[0].literal_count:
                best = (route, params)
        if best:
            return best
        return 405 if path_matched else 404


api = Router()
control = Router()
pages = Router()


def split_path(raw_path: str) -> list[str]:
    """Split an undecoded path into decoded segments, keeping encoded slashes inside segments."""
    return [unquote(p) for p in raw_path.strip("/").split("/")] if raw_path.strip("/") else []


@dataclass
class Call:
    """Everything a handler needs about one request."""

    sandbox: Sandbox
    request: Request
    params: dict[str, Any]
    route: Route
    body: dict[str, Any] = field(default_factory=dict)
    server: bool = False
    token: str | None = None
    token_none: bool = False
    correlation_id: str | None = None

    @property
    def db(self) -> sqlite3.Connection:
        return self.sandbox.store.db

    @property
    def now(self) -> float:
        return time.time()

    @property
    def session(self) -> sqlite3.Row | None:
        if self.token is None:
            return None
        return self.sandbox.store.one("SELECT * FROM sessions WHERE token = ?", (self.token,))

    @property
    def selection_id(self) -> str:
        """The session's selection id. Calls with ``API-token: none`` have none: they may read the
        catalog but not touch a selection."""
        session = self.session
        if session is None:
            raise _session_required()
        return session["selection_id"]

    def require_token(self) -> str:
        """The session's token; calls that log in or out, or place an order, refuse
        ``API-token: none``."""
        if self.token is None:
            raise _session_required()
        return self.token

    def require_server(self) -> None:
        """Refuse a server-only route when the shared secret was not sent."""
        if not self.server:
            raise ApiError(401, {"authorization": "shared secret required"})

    def server_field(self, name: str) -> Any:
        """A request body field that only the shared secret may set; ignored without it, and
        None when not sent (see ``selector``)."""
        return selector(self.body, name) if self.server else None


def _session_required() -> ApiError:
    """The 400 of a call that needs a session but came without one (``API-token: none``)."""
    return ApiError(400, {"token": "a session token is required for this call"})


def selector(body: dict[str, Any], name: str) -> Any:
    """A context selector of a body (``market``, ``pricelist``, ``country``, ``language``), or
    None when it is missing, null or an empty string: clients fill such fields from a form or a
    setting that may be blank, and Centra then keeps the session's (or the store's) value."""
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def json_body(request: Request) -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(400, {"body": "malformed JSON"}) from exc
    if not isinstance(data, dict):
        raise ApiError(400, {"body": "must be a JSON object"})
    return data
