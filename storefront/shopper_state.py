"""``GET /shopper/state``: what a shopper-free page leaves out, for its script to fill in.

A page a shared cache may keep (:mod:`storefront.http_cache`) is the same for every shopper, so
it carries no cart count, no customer name, no messages and no CSRF token; ``static/js/site.js``
asks this endpoint once per page load and puts them in. JSON, never cached (``private,
no-store``), in the language of its URL (``/sv/shopper/state``):

``count`` and ``count_label`` (the cart's items and "3 items" for the badge's screen-reader
label), ``name`` (the signed-in customer's first name, "" for a customer without one, null when
signed out), ``messages`` (the shopper's pending flash messages, ``{"level", "text"}``, consumed
by this answer) and ``csrf_token`` (for the page's forms' empty token fields).

No Centra call and no SQL: the count and the name come from the signed shopper cookie
(:mod:`storefront.session`), the token from the CSRF cookie, and the messages from their cookie
(Django's fallback storage reads the session only for messages that overflowed the cookie).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.http import require_safe

from storefront.chrome import items_label
from storefront.session import CentraSession, CustomerLogin
from storefront.shopper import ShopRequest


@require_safe
def shopper_state(request: HttpRequest) -> JsonResponse:
    shop_request: ShopRequest = request  # type: ignore[assignment]
    # Resolving the context activates the URL's language, for the label and nothing else.
    shop_request.shopper.language  # noqa: B018
    count = CentraSession(shop_request.browser).item_count
    # Never shared: storefront.cache_headers sends it ``private, no-store``, as every response
    # not marked shopper-free.
    return JsonResponse(
        {
            "count": count,
            "count_label": items_label(count),
            "name": CustomerLogin(shop_request.browser).greeting_name,
            "messages": [
                {"level": message.tags, "text": str(message.message)}
                for message in messages.get_messages(request)
            ],
            "csrf_token": get_token(request),
        }
    )
