"""The catalog's HTTP endpoints that are not shopper pages: Centra's webhook receiver."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalog import webhooks
from centra.webhooks import signature_from_headers


@csrf_exempt  # Centra cannot send a CSRF token; the HMAC signature authenticates it instead.
@require_POST
def centra_webhook(request: HttpRequest) -> JsonResponse:
    """Store the delivery and answer at once; the sync runs in a Celery task."""
    length = _declared_length(request)
    if length > webhooks.MAX_BODY_BYTES:
        # Refused before reading, so an oversized body never reaches memory.
        receipt = webhooks.refuse_oversized(length)
    else:
        receipt = webhooks.receive_webhook(
            request.body,
            signature=signature_from_headers(request.headers),
            content_type=request.content_type or "",
        )
    return JsonResponse(receipt.body, status=receipt.http_status)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
