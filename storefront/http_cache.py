"""HTTP caching of shop pages by a shared cache (a reverse proxy or CDN) in front of Django.

A page is **shopper-free** when its bytes depend only on its URL and the shopper's market key
cookie: the view marks it (:func:`mark_shopper_free`) before it renders, and the templates then
leave out everything that belongs to one shopper (CSRF tokens, messages, the cart count, the
customer's name); a small script fills those in from an uncached endpoint.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

_FLAG = "shopper_free"


def mark_shopper_free(request: HttpRequest) -> None:
    """This request's page will be the same for every shopper with its URL and market key."""
    setattr(request, _FLAG, True)


def is_shopper_free(request: HttpRequest) -> bool:
    return getattr(request, _FLAG, False) is True


def context(request: HttpRequest) -> dict[str, Any]:
    """``shopper_free`` for the templates."""
    return {"shopper_free": is_shopper_free(request)}
