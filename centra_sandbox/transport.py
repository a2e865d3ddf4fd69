"""An httpx transport that calls the sandbox in-process, with no socket."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from centra_sandbox.app import SandboxUnreachable


class SandboxTransport(httpx.WSGITransport):
    """``WSGITransport`` plus two things a real server gives: the undecoded path (so an encoded
    ``/`` stays inside its segment) and a refused connection when the sandbox is "down"."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        self._local = threading.local()

        def with_raw_uri(environ: dict[str, Any], start_response: Any) -> Any:
            environ["RAW_URI"] = environ["REQUEST_URI"] = self._local.raw_path
            return app(environ, start_response)

        super().__init__(app=with_raw_uri, **kwargs)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._local.raw_path = request.url.raw_path.decode("ascii")
        try:
            return super().handle_request(request)
        except SandboxUnreachable as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
