"""Preview mode: who may see unpublished content, and the signed links that let others in.

Rules (Centra documents no preview; docs/centra.md#project-decisions says what we send):

- A **staff** user (Django staff session) turns preview on with ``?preview=1`` on any page.
- Anyone holding a **preview link** made by staff (``/preview/?path=...``) gets preview for the
  link's remaining lifetime in that browser session. The link is a ``TimestampSigner`` token
  over the target path and an expiry; it expires ``PREVIEW_LINK_MAX_AGE`` seconds (default one
  hour) after it was made, however often it is opened.
- An anonymous visitor adding ``?preview=1`` gets the normal public page: nothing to refuse,
  nothing revealed. A link that is tampered with or expired answers **403** with a friendly
  page, so whoever shared it learns it must be renewed rather than seeing a confusing public
  page.
- ``?preview=0`` (or the banner's "Leave preview" button) ends preview in that session.

While preview is on, pages are built from live Centra answers (shared secret, preview flag),
never from or into the local catalog or the shared cache, and answer
``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any, Final, cast
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from routing.validators import public_page
from storefront.session import PREVIEW_UNTIL, BrowserState
from storefront.shopper import ShopRequest

QUERY_FLAG: Final = "preview"
_SALT: Final = "routing.preview-link"
MAX_PATH_LENGTH: Final = 2000


class PreviewLinkInvalid(Exception):
    """The link was tampered with, is malformed or has expired."""


@dataclass(frozen=True, slots=True)
class PreviewState:
    until: datetime


class PageRequest(ShopRequest):
    """A catalog page's request: the shopper context, and the preview state
    :func:`preview_aware` puts on it (for type checkers)."""

    preview: PreviewState | None


def link_max_age() -> int:
    """Seconds a preview link stays valid (``PREVIEW_LINK_MAX_AGE``)."""
    return settings.PREVIEW_LINK_MAX_AGE


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


def safe_path(path: str) -> str:
    """A local path (never another host), so a preview link cannot become an open redirect."""
    path = (path or "/").strip()
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    # Browsers drop tabs and newlines from a URL ("/\t/evil.example" becomes
    # "//evil.example", another host); no page of ours has a control character in its path.
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path) or len(path) > MAX_PATH_LENGTH:
        return "/"
    return path


def make_link_token(path: str, *, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    payload = {"path": safe_path(path), "until": issued + link_max_age()}
    return _signer().sign_object(payload, compress=True)


def link_url(token: str) -> str:
    return reverse("preview-open") + "?" + urlencode({"t": token})


def read_link_token(token: str) -> tuple[str, int]:
    """The path and expiry (unix time) a valid token grants; raises PreviewLinkInvalid."""
    try:
        payload: Any = _signer().unsign_object(token, max_age=link_max_age())
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature
        raise PreviewLinkInvalid(str(exc)) from None
    except (ValueError, zlib.error):
        # Signed with our key but not what make_link_token writes (bad base64, compression
        # or JSON: UnicodeDecodeError and binascii.Error are ValueErrors too).
        raise PreviewLinkInvalid("malformed token") from None
    if not isinstance(payload, dict):
        raise PreviewLinkInvalid("malformed payload")
    path, until = payload.get("path"), payload.get("until")
    if not isinstance(path, str) or not isinstance(until, int) or until <= time.time():
        raise PreviewLinkInvalid("malformed or expired payload")
    return safe_path(path), until


def grant(request: HttpRequest, until: int) -> None:
    browser = BrowserState.of(request)
    browser.cookie[PREVIEW_UNTIL] = until
    # The grant is signed; the hint beside it only tells a shared cache to let this browser by.
    browser.proxy.set_preview(until)


def revoke(request: HttpRequest) -> None:
    browser = BrowserState.of(request)
    browser.cookie.pop(PREVIEW_UNTIL)
    browser.proxy.set_preview(None)


def preview_state(request: HttpRequest) -> PreviewState | None:
    """The request's preview mode, applying ``?preview=1|0`` on the way; None when off."""
    flag = request.GET.get(QUERY_FLAG)
    if flag == "0":
        revoke(request)
        return None
    if flag == "1" and _is_staff(request):
        grant(request, int(time.time()) + link_max_age())
    until = BrowserState.of(request).cookie.get(PREVIEW_UNTIL)
    if not isinstance(until, int) or until <= time.time():
        return None
    return PreviewState(until=datetime.fromtimestamp(until, tz=UTC))


def _is_staff(request: HttpRequest) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        # No session, no staff sign-in; and the page stays shareable (reading the user would
        # make it vary by cookie).
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


def mark_private(response: HttpResponse) -> HttpResponse:
    """Preview pages must never be stored by a browser, proxy or CDN cache."""
    response["Cache-Control"] = "private, no-store"
    # Unpublished content must not end up in a search engine through a shared link either.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def preview_aware(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Put the request's preview state on ``request.preview`` (templates show the banner from
    it) and keep every page rendered in preview out of shared caches."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        page_request = cast(PageRequest, request)
        page_request.preview = preview_state(request)
        if page_request.preview is None:
            # The same bytes for every shopper of this URL and market: shared caches may keep it.
            unchanged = public_page(request)
            if unchanged is not None:
                return unchanged
        response = view(page_request, *args, **kwargs)
        if page_request.preview is not None:
            mark_private(response)
        return response

    return wrapper
