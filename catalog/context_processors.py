"""Template variables for every page: the shopper context and the switcher's choices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from catalog.context import language_alternates
from catalog.reference import get_reference


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True, slots=True)
class Switcher:
    """What the header's country/language form shows."""

    action: str | None  # None until the switcher's route is included
    next: str
    countries: list[Choice]
    languages: list[Choice]
    # (language, path) of this page in every language, for hreflang links.
    alternates: list[tuple[str, str]]


def shopper(request: HttpRequest) -> dict[str, Any]:
    ctx = getattr(request, "shopper", None)
    if ctx is None:
        return {}
    return {"shopper": ctx, "shopper_switcher": SimpleLazyObject(lambda: switcher(request))}


def switcher(request: HttpRequest) -> Switcher:
    ref = get_reference()
    ctx = request.shopper
    try:
        action: str | None = reverse("shopper-location")
    except NoReverseMatch:
        action = None
    return Switcher(
        action=action,
        next=request.get_full_path(),
        countries=[Choice(c.code, c.name, c.code == ctx.country) for c in ref.shippable_countries],
        languages=[
            Choice(code, lang.name, code == ctx.language) for code, lang in ref.languages.items()
        ],
        alternates=language_alternates(request, ref),
    )
