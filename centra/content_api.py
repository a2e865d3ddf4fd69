"""Named live reads for shopper pages: Centra's routing (``POST uri``) and preview products.

The catalog pages read the local copy; these calls are for what the copy does not hold: CMS
articles, content not synced yet (the routing fallback) and, in preview mode, unpublished
products, categories and articles. Every call is server-side (shared secret) with
``API-token: none``: no shopper session is created and nothing depends on one.

Preview is requested with :data:`PREVIEW_FLAG` in the request body. Centra has not documented
the flag; this project decided on ``"preview": true`` (``docs/centra.md#project-decisions``),
and this constant is the one place to change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from centra.client import NO_SESSION, CentraClient
from centra.errors import CentraNotFound

PREVIEW_FLAG: Final = "preview"

PRODUCT: Final = "product"
CATEGORY: Final = "category"
CMS_ARTICLE: Final = "cmsArticle"
ALL_KINDS: Final = (PRODUCT, CATEGORY, CMS_ARTICLE)


def _context(*, language: str, market: int, pricelist: int, preview: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"language": language, "market": market, "pricelist": pricelist}
    if preview:
        body[PREVIEW_FLAG] = True
    return body


def resolve_uri(
    client: CentraClient,
    uri: str,
    *,
    language: str,
    market: int,
    pricelist: int,
    preview: bool = False,
    kinds: Sequence[str] = ALL_KINDS,
    limit: int | None = None,
    skip: int = 0,
) -> dict[str, Any] | None:
    """Centra's answer to ``POST uri`` (``found`` plus the object), or None when the URI
    resolves to none of ``kinds``.

    ``uri`` is the path without the language prefix ("/" asks for the home article).
    ``limit``/``skip`` page a category's products. Raises :class:`centra.errors.CentraError`
    for anything but "not found" (unreachable, rate limited, ...).
    """
    body = _context(language=language, market=market, pricelist=pricelist, preview=preview)
    body.update({"uri": uri, "for": list(kinds), "skipFirst": skip})
    if limit is not None:
        body["limit"] = limit
    if preview:
        # Full related products, so a preview product page can show them without more calls.
        body["relatedProducts"] = True
    try:
        reply = client.post("uri", json=body, token=NO_SESSION, idempotent=True)
    except CentraNotFound:
        return None
    found = reply.data.get("found")
    return reply.data if found in kinds else None


def preview_products(
    client: CentraClient,
    product_ids: Sequence[str | int],
    *,
    language: str,
    market: int,
    pricelist: int,
) -> list[dict[str, Any]]:
    """Products by id as Centra has them now, unpublished ones included, in the order asked."""
    if not product_ids:
        return []
    body = _context(language=language, market=market, pricelist=pricelist, preview=True)
    body.update({"products": [str(pid) for pid in product_ids], "limit": len(product_ids)})
    reply = client.post("products", json=body, token=NO_SESSION, idempotent=True)
    by_id = {str(p.get("product")): p for p in reply.data.get("products") or []}
    return [by_id[str(pid)] for pid in product_ids if str(pid) in by_id]
