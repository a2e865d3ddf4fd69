"""The sandbox WSGI application: auth, tokens, faults and request counting around the routers."""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from werkzeug.wrappers import Request, Response

from centra_sandbox.http import ApiError, Call, Router, api, control, json_body, pages, split_path
from centra_sandbox.store import Store

log = logging.getLogger("centra_sandbox")

API_PREFIX = "api/checkout"
CONTROL_PREFIX = "_sandbox"
# The secret the embedded storefront and the standalone server use unless told otherwise. It
# guards nothing real: the sandbox only ever holds demo data.
DEFAULT_SHARED_SECRET = "sandbox-shared-secret"  # noqa: S105
_ACCEPT_TOKEN = re.compile(r"api-token=([^;,\s]+)", re.IGNORECASE)


class SandboxUnreachable(ConnectionRefusedError):
    """Raised out of the WSGI app when the "refuse" fault is on; the in-process transport turns
    it into a connection error, as if nothing listened on the port."""


@dataclass
class SandboxConfig:
    shared_secret: str = DEFAULT_SHARED_SECRET
    # Origins allowed to call without the secret; empty means origins are not checked.
    allowed_origins: tuple[str, ...] = ()
    token_lifetime: float = 30 * 24 * 3600
    # Where browsers reach this server (hosted payment page, media). Empty: derived per request
    # from its host; a path such as "/sandbox" when the storefront mounts the sandbox there.
    public_url: str = ""
    # The shop's front end, for links in emails (password reset).
    frontend_url: str = "http://127.0.0.1:8000"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_batch_size: int = 100
    # Where outgoing webhooks go through; tests receive them in-process with MockTransport.
    webhook_transport: httpx.BaseTransport | None = None
    latency_ms: int = 0
    preview_flag: str = "preview"


@dataclass
class Faults:
    latency_ms: int = 0
    down: str | None = None  # None, "refuse" (connection refused) or "503"
    # Each rule: {"route": "POST products" | "*", "status": int, "retry_after": int | None,
    # "remaining": int | None, "after": int}; the first matching rule with remaining != 0
    # answers, once it has let ``after`` matching calls through.
    errors: list[dict[str, Any]] = field(default_factory=list)


class Sandbox:
    """A WSGI application serving the Checkout API, the control API and browser pages."""

    def __init__(self, store: Store | None = None, config: SandboxConfig | None = None) -> None:
        # Route modules register themselves on import.
        from centra_sandbox import routes  # noqa: F401

        self.store = store or Store()
        self.config = config or SandboxConfig()
        self.faults = Faults(latency_ms=self.config.latency_ms)
        self.request_counts: Counter[str] = Counter()
        self._counts_lock = threading.Lock()
        # Called as hook(route name, calls of that route so far) before a Checkout API call is
        # answered: a test's way to change "Centra" between two exact calls.
        self.call_hooks: list[Callable[[str, int], None]] = []

    def load_demo(self, *, products: int, seed: int = 1) -> None:
        """Fill the store with the deterministic demo catalog (same seed, same catalog)."""
        from centra_sandbox.demo import load_demo

        load_demo(self.store, products=products, seed=seed)

    # -- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        raw_path = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
        raw_path = raw_path.split("?", 1)[0] if raw_path else request.path
        script = request.environ.get("SCRIPT_NAME", "")
        if script and raw_path.startswith(script):
            raw_path = raw_path[len(script) :]
        parts = split_path(raw_path)
        if parts[:2] == API_PREFIX.split("/"):
            return self._api(request, parts[2:])
        if parts[:1] == [CONTROL_PREFIX]:
            return self._json_route(control, request, parts[1:], counted=False)
        return self._page(request, parts)

    # -- dispatch -----------------------------------------------------------------------------

    def _count(self, name: str) -> int:
        with self._counts_lock:
            self.request_counts[name] += 1
            self.request_counts["*"] += 1
            return self.request_counts[name]

    def _fault_response(self, route_name: str) -> Response | None:
        faults = self.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if faults.down == "refuse":
            raise SandboxUnreachable("sandbox is down (fault injected)")
        if faults.down == "503":
            return Response("Service Unavailable", status=503, mimetype="text/plain")
        with self._counts_lock:  # concurrent calls must not both take a rule's last use
            rule = self._take_error_rule(faults, route_name)
        if rule is not None:
            headers = {}
            if rule.get("retry_after") is not None:
                headers["Retry-After"] = str(rule["retry_after"])
            body = {"errors": {"fault": "injected"}}
            return Response(
                json.dumps(body),
                status=rule["status"],
                headers=headers,
                mimetype="application/json",
            )
        return None

    @staticmethod
    def _take_error_rule(faults: Faults, route_name: str) -> dict[str, Any] | None:
        for rule in faults.errors:
            if rule.get("route") not in ("*", route_name) or rule.get("remaining") == 0:
                continue
            if rule.get("after"):
                rule["after"] -= 1
                continue
            if rule.get("remaining") is not None:
                rule["remaining"] -= 1
            return rule
        return None

    def _api(self, request: Request, parts: list[str]) -> Response:
        resolved = api.resolve(request.method, parts)
        if isinstance(resolved, int):
            self._count(f"{request.method} ?")
            # Typed at its first use: further down the same name holds any handler's answer.
            body: dict[str, Any] = {
                "errors": {"endpoint": "not found" if resolved == 404 else "method not allowed"}
            }
            return self._json(request, resolved, body)
        route, params = resolved
        calls = self._count(route.name)
        for hook in list(self.call_hooks):
            hook(route.name, calls)
        faulted = self._fault_response(route.name)
        if faulted is not None:
            return faulted

        call = Call(sandbox=self, request=request, params=params, route=route)
        call.correlation_id = request.headers.get("X-Correlation-ID")
        try:
            self._authenticate(call)
            # The token is settled in a transaction of its own, so even a refused call (bad
            # JSON, a validation error that rolls the handler back) answers with a live token.
            with self.store.transaction():
                self._resolve_token(call)
            call.body = json_body(request) if request.method in ("POST", "PUT", "DELETE") else {}
            with self.store.transaction():
                result = route.handler(call)
            status, body = result if isinstance(result, tuple) else (200, result)
        except ApiError as err:
            status, body = err.status, {"errors": err.errors, **err.extra}
        except Exception:
            log.exception("sandbox handler failed: %s", route.name)
            status, body = 500, {"errors": {"server": "internal error"}}
        if not call.token_none:
            body = {"token": call.token, **body}
        return self._json(request, status, body, call.correlation_id)

    def _json_route(
        self, router: Router, request: Request, parts: list[str], counted: bool
    ) -> Response:
        resolved = router.resolve(request.method, parts)
        if isinstance(resolved, int):
            return self._json(request, resolved, {"errors": {"endpoint": "not found"}})
        route, params = resolved
        call = Call(sandbox=self, request=request, params=params, route=route, server=True)
        try:
            call.body = json_body(request) if request.method in ("POST", "PUT", "DELETE") else {}
            with self.store.transaction():
                result = route.handler(call)
            status, body = result if isinstance(result, tuple) else (200, result)
        except ApiError as err:
            status, body = err.status, {"errors": err.errors, **err.extra}
        except Exception:
            log.exception("sandbox control handler failed: %s", route.name)
            status, body = 500, {"errors": {"server": "internal error"}}
        return self._json(request, status, body)

    def _page(self, request: Request, parts: list[str]) -> Response:
        resolved = pages.resolve(request.method, parts)
        if isinstance(resolved, int):
            return Response("Not found", status=resolved, mimetype="text/plain")
        route, params = resolved
        call = Call(sandbox=self, request=request, params=params, route=route)
        with self.store.transaction():
            return route.handler(call)

    # -- auth and tokens ----------------------------------------------------------------------

    def _authenticate(self, call: Call) -> None:
        header = call.request.headers.get("Authorization", "")
        if header:
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secrets.compare_digest(
                secret.strip().encode(), self.config.shared_secret.encode()
            ):
                raise ApiError(401, {"authorization": "invalid shared secret"})
            call.server = True
            return
        origin = call.request.headers.get("Origin")
        allowed = self.config.allowed_origins
        if allowed and origin is not None and origin not in allowed:
            raise ApiError(401, {"origin": "not allowed"})

    def _resolve_token(self, call: Call) -> None:
        sent = call.request.headers.get("API-token")
        if sent is None:
            match = _ACCEPT_TOKEN.search(call.request.headers.get("Accept", ""))
            sent = match.group(1) if match else None
        if sent is not None and sent.strip().lower() == "none":
            call.token_none = True
            return
        now = time.time()
        if sent:
            row = self.store.one("SELECT expires_at FROM sessions WHERE token = ?", (sent,))
            if row is not None and row["expires_at"] > now:
                call.token = sent
                return
        call.token = self.new_session(now)

    def new_session(self, now: float, selection_id: str | None = None) -> str:
        """Create a token (and an empty selection in the store's default context)."""
        db = self.store.db
        if selection_id is None:
            selection_id = secrets.token_hex(16)
            market = db.execute("SELECT id FROM markets WHERE is_default = 1").fetchone()
            pricelist = db.execute("SELECT id FROM pricelists WHERE is_default = 1").fetchone()
            language = db.execute("SELECT code FROM languages WHERE is_default = 1").fetchone()
            db.execute(
                "INSERT INTO selections (id, created_at, market, pricelist, language) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    selection_id,
                    now,
                    market[0] if market else None,
                    pricelist[0] if pricelist else None,
                    language[0] if language else None,
                ),
            )
        token = secrets.token_hex(16)
        db.execute(
            "INSERT INTO sessions (token, selection_id, created_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (token, selection_id, now, now + self.config.token_lifetime),
        )
        return token

    # -- responses ----------------------------------------------------------------------------

    def _json(
        self, request: Request, status: int, body: Any, correlation_id: str | None = None
    ) -> Response:
        indent = 2 if "pretty" in request.args else None
        response = Response(
            json.dumps(body, ensure_ascii=False, indent=indent),
            status=status,
            mimetype="application/json",
        )
        if correlation_id:
            response.headers["X-Correlation-ID"] = correlation_id
        return response

    def public_url(self, request: Request) -> str:
        """Absolute or root-relative base URL browsers use to reach this server."""
        if self.config.public_url:
            return self.config.public_url.rstrip("/")
        return request.host_url.rstrip("/")

    def reset_counts(self) -> None:
        with self._counts_lock:
            self.request_counts.clear()
