"""Friendly error pages: a shopper never sees a traceback.

Django shows them when ``DEBUG`` is off. With ``DEBUG`` on (``make run``),
:class:`FriendlyErrorsMiddleware` shows them too, and writes the traceback to the console log,
unless ``DEBUG_ERROR_PAGES`` asks for Django's debug pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext

from storefront.chrome import navigation
from storefront.meta import document_title
from storefront.shopper import ShopRequest

logger = logging.getLogger("django.request")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context: dict[str, Any] = {"title": document_title(gettext("Page not found"))}
    try:
        # The header's and footer's links, as on every shop page.
        context.update(navigation(cast(ShopRequest, request)))
    except Exception:  # a 404 page must render even when the catalog cannot be read
        logger.exception("the 404 page is shown without its navigation")
    return HttpResponse(loader.render_to_string("404.html", context, request), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request context: whatever failed may be what a context processor needs.
    context = {"title": document_title(gettext("Something went wrong"))}
    return HttpResponse(loader.render_to_string("500.html", context), status=500)


class FriendlyErrorsMiddleware:
    """With ``DEBUG`` on and ``DEBUG_ERROR_PAGES`` off, a view's exception answers the shop's
    404 or 500 page instead of Django's debug page; the traceback goes to the console log (the
    ``django.request`` logger), where developers look. With ``DEBUG`` off it does nothing:
    Django's own handlers show the same pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG or settings.DEBUG_ERROR_PAGES:
            return None
        if isinstance(exception, BadRequest | PermissionDenied | SuspiciousOperation):
            return None  # Django answers these 400 and 403 pages itself
        if isinstance(exception, Http404):
            return not_found(request, exception)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=(type(exception), exception, exception.__traceback__),
        )
        response = server_error(request)
        # Logged just above, with the traceback: Django need not log it again without one.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
