"""Product and CMS images: generated SVG placeholders at ``/media/<size>/<key>.svg``.

The picture depends only on the stored media row (the product's swatch colour and the alt text),
so it is deterministic and cacheable, and a browser can load every URL a product carries.
"""

from __future__ import annotations

import hashlib
import json
import re
from html import escape

from werkzeug.wrappers import Response

from centra_sandbox.http import Call, pages

SIZES = {"standard": (600, 800), "full": (1200, 1600), "thumb": (150, 200)}
_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,80}")
_NEUTRAL = "c8bfb0"


def _not_found() -> Response:
    return Response("Not found", status=404, mimetype="text/plain")


def svg(width: int, height: int, colour: str, label: str, caption: str) -> str:
    """A flat placeholder: the colour as background and the alt text as a caption."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    ink = "#111111" if red * 299 + green * 587 + blue * 114 > 140_000 else "#f5f5f5"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 600 800" role="img" aria-label="{escape(label)}">'
        f'<rect width="600" height="800" fill="#{colour}"/>'
        f'<rect x="60" y="60" width="480" height="680" fill="none" stroke="{ink}" '
        'stroke-opacity="0.35" stroke-width="4"/>'
        f'<text x="300" y="390" fill="{ink}" font-family="sans-serif" font-size="34" '
        f'text-anchor="middle">{escape(label)}</text>'
        f'<text x="300" y="440" fill="{ink}" font-family="sans-serif" font-size="24" '
        f'text-anchor="middle" fill-opacity="0.7">{escape(caption)}</text>'
        "</svg>"
    )


def _product_image(call: Call, key: str) -> tuple[str, str, str] | None:
    row = call.db.execute(
        "SELECT m.alt, m.position, p.attributes FROM media m JOIN products p "
        "ON p.id = m.product_id WHERE m.key = ?",
        (key,),
    ).fetchone()
    if row is None:
        return None
    try:
        swatch = json.loads(row["attributes"]).get("swatch", {})
        colour = str(swatch.get("hex", _NEUTRAL)).lower()
    except (ValueError, AttributeError):
        colour = _NEUTRAL
    if not re.fullmatch(r"[0-9a-f]{6}", colour):
        colour = _NEUTRAL
    return colour, row["alt"], f"image {row['position']}"


@pages.route("GET", "media/{size}/{file}")
@pages.route("HEAD", "media/{size}/{file}")
def serve_media(call: Call) -> Response:
    size = SIZES.get(call.params["size"])
    key, dot, extension = call.params["file"].rpartition(".")
    if size is None or not dot or extension != "svg" or not _KEY.fullmatch(key):
        return _not_found()
    image: tuple[str, str, str] | None
    if key.startswith("cms-"):
        image = (_NEUTRAL, key[4:].replace("-", " ").title(), "")
    else:
        image = _product_image(call, key)
    if image is None:
        return _not_found()
    body = svg(*size, *image)
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    return response.make_conditional(call.request)
