"""What no view should ever have to handle: NUL characters in the path, the query or a cookie.

No URL, filter, search term or cookie the shop issues contains NUL, and PostgreSQL text cannot
hold one (a query comparing with it fails), so a NUL is refused at the edge, before any view,
session or database sees it: in the path a 404 (no page has such an address), in the query
string a 400, and a cookie holding one is dropped as if the browser had not sent it (a 400
would lock that browser out until the cookie expires).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.utils.translation import gettext

log = logging.getLogger(__name__)

NUL = "\x00"


def _has_nul(raw: str) -> bool:
    # The raw (still percent-encoded) text: "%00" is the same NUL once decoded.
    return NUL in raw or b"\x00" in unquote_to_bytes(raw)


class RejectNulMiddleware:
    """Refuse NUL in the path (404) and the query string (400); drop cookies holding one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info or NUL in request.path:
            log.info("refused a path holding NUL")
            return HttpResponseNotFound(gettext("Not found."), content_type="text/plain")
        if _has_nul(request.META.get("QUERY_STRING", "")):
            log.info("refused a query string holding NUL")
            return HttpResponseBadRequest(gettext("Bad request."), content_type="text/plain")
        for name in [n for n, v in request.COOKIES.items() if NUL in n or NUL in v]:
            del request.COOKIES[name]
        return self.get_response(request)
