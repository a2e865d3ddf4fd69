"""Request-wide plumbing that every view relies on."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from centra.correlation import new_correlation_id, reset_correlation_id, set_correlation_id

# An incoming id is reused only when it looks like an id: it goes into log lines and an
# outbound header, so arbitrary text from a client must not.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class CorrelationIdMiddleware:
    """Give every request a correlation id (the caller's ``X-Correlation-ID`` or a new one),
    make it visible to log lines and Centra calls, and echo it on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Correlation-ID", "")
        correlation_id = incoming if _VALID_ID.match(incoming) else new_correlation_id()
        token = set_correlation_id(correlation_id)
        try:
            response = self.get_response(request)
        finally:
            reset_correlation_id(token)
        response["X-Correlation-ID"] = correlation_id
        return response
