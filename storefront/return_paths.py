"""Where a form sends the shopper afterwards: back to the page they came from, on this site only.

Forms post a ``next`` field (the page they sit on); the Referer is the fallback. Anything that
points at another host or scheme, or is not a path, gives the home page: a crafted link cannot
send a shopper off the site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from catalog.context import localized_path, strip_language_prefix
from catalog.reference import get_reference


def return_path(request: HttpRequest, wanted: str | None, language: str | None = None) -> str:
    """The page the shopper came from (``wanted``, else the Referer), in ``language`` (None: as
    it was).

    Only a path on this site is followed: anything pointing at another host or scheme gives the
    home page. With ``language``, the path's language prefix is replaced by that language's."""
    path, query = (
        _same_site_path(request, wanted)
        or _same_site_path(request, request.headers.get("Referer"))
        or ("/", "")
    )
    if language is not None:
        ref = get_reference()
        path = localized_path(strip_language_prefix(path, ref), language, ref.default_language)
    return f"{path}?{query}" if query else path


def safe_path(request: HttpRequest, wanted: str | None) -> str | None:
    """``wanted`` when it is a path on this site (with its query), else None: for a ``next``
    that must not fall back to the Referer (the sign-in page's own, say)."""
    found = _same_site_path(request, wanted)
    if found is None:
        return None
    path, query = found
    return f"{path}?{query}" if query else path


def _same_site_path(request: HttpRequest, url: str | None) -> tuple[str, str] | None:
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(url)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path, parts.query
