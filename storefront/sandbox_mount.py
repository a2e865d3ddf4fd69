"""The embedded sandbox's browser pages (hosted payment page, product images), served by the
storefront itself so a browser can reach them with no second server."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.core.handlers.wsgi import WSGIRequest
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from centra.connection import get_sandbox


@csrf_exempt  # the sandbox's own payment forms post here, as a PSP's would
def sandbox_page(request: WSGIRequest, path: str) -> HttpResponse:
    sandbox = get_sandbox()
    # The API and the control API stay in-process only; a browser has no business there.
    if sandbox is None or path.startswith(("api/", "_sandbox/")):
        raise Http404
    environ = dict(request.environ)
    environ.pop("RAW_URI", None)
    environ.pop("REQUEST_URI", None)
    environ["SCRIPT_NAME"] = request.environ.get("SCRIPT_NAME", "") + "/sandbox"
    environ["PATH_INFO"] = "/" + path
    environ["wsgi.input"] = io.BytesIO(request.body)
    status = "500 Internal Server Error"
    headers: list[tuple[str, str]] = []

    def start_response(
        answered: str, answered_headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        nonlocal status, headers
        status, headers = answered, answered_headers
        return lambda _chunk: None

    body = b"".join(sandbox(environ, start_response))
    response = HttpResponse(body, status=int(status.split()[0]))
    for name, value in headers:
        if name.lower() != "content-length":
            response[name] = value
    return response
