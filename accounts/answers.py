"""How account views answer: the page with the shop's chrome, the sign-in redirect (with a
``next`` that stays on this site), Centra being unreachable, a rate limit reached."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import rate_limits
from storefront.meta import page_meta
from storefront.pages import render_page
from storefront.return_paths import safe_path
from storefront.shopper import ShopRequest, shopper_ip

# Seconds a shopper is asked to wait when Centra cannot be reached.
RETRY_AFTER = 30


def url(request: ShopRequest, name: str, *args: Any) -> str:
    """An account URL in the shopper's language."""
    return request.shopper.url(reverse(name, args=args))


def page(
    request: ShopRequest, template: str, title: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context["meta"] = page_meta(request, title=title, robots="noindex, nofollow")
    return render_page(request, template, context, status=status)


def next_path(request: ShopRequest, default: str) -> str:
    """Where to go after signing in: the ``next`` the form or link carries, when it is a path
    on this site (never another host, whatever it is dressed up as), else ``default``."""
    wanted = request.POST.get("next") or request.GET.get("next")
    return safe_path(request, wanted) or default


def to_sign_in(request: ShopRequest, next_url: str | None = None) -> HttpResponse:
    """The sign-in page, coming back to ``next_url`` (this page for a GET) afterwards."""
    wanted = next_url or (request.get_full_path() if request.method == "GET" else None)
    target = url(request, "account-sign-in")
    safe = safe_path(request, wanted)
    return HttpResponseRedirect(f"{target}?{urlencode({'next': safe})}" if safe else target)


def unavailable(request: ShopRequest) -> HttpResponse:
    response = page(
        request, "accounts/unavailable.html", _("Temporarily unavailable"), {}, status=503
    )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def allowed(request: ShopRequest, action: str, email: str | None) -> bool:
    return rate_limits.allow(rate_limits.Attempt(action, shopper_ip(request), email))


def too_many(
    request: ShopRequest, template: str, title: str, context: dict[str, Any]
) -> HttpResponse:
    """A rate limit was reached: the form again, with the reason, as 429."""
    form = context.get("form")
    if form is not None:
        form.add_error(None, _("Too many attempts. Please wait a few minutes and try again."))
    response = page(request, template, title, context, status=429)
    response["Retry-After"] = str(60)
    return response
