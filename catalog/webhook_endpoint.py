"""The catalog's HTTP endpoints that are not shopper pages: Centra's webhook receiver."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalog import rate_limits, webhooks
from centra.webhooks import signature_from_headers

RATE_PERIOD = 60.0


@csrf_exempt  # Centra cannot send a CSRF token; the HMAC signature authenticates it instead.
@require_POST
def centra_webhook(request: HttpRequest) -> JsonResponse:
    """Store the delivery and answer at once; the sync runs in a Celery task."""
    source = source_address(request)
    limited = not rate_limits.take(
        f"webhook:{source}", capacity=settings.CATALOG_WEBHOOK_RATE_LIMIT, period=RATE_PERIOD
    )
    length = _declared_length(request)
    if limited:
        # Refused before reading, like an oversized body: a flood costs a counter.
        receipt = webhooks.refuse_rate_limited(source)
    elif length > webhooks.MAX_BODY_BYTES:
        receipt = webhooks.refuse_oversized(length, source)
    else:
        receipt = webhooks.receive_webhook(
            request.body,
            signature=signature_from_headers(request.headers),
            content_type=request.content_type or "",
            source=source,
        )
    response = JsonResponse(receipt.body, status=receipt.http_status)
    if limited:
        response["Retry-After"] = str(rate_limits.retry_after(RATE_PERIOD))
    return response


def source_address(request: HttpRequest) -> str:
    """The sender's IP address: from ``SHOPPER_IP_HEADER`` when the proxy sets one (the first
    address of a list), else the connection's; "" when not an IP address."""
    header = settings.SHOPPER_IP_HEADER
    raw = request.headers.get(header, "") if header else request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(str(raw).split(",")[0].strip()))
    except ValueError:
        return ""


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
