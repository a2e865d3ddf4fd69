"""``{% product_card card %}``: a :class:`catalog.cards.ProductCard` as
``includes/product_card.html`` renders it, kept per process.

A card's HTML depends on nothing but the card's own values and the active language (its
template reads no request, no shopper and no other context), so the card value and the
language are its whole key: a card whose price, stock or name changed is a different key, and
nothing has to be invalidated after a sync. Rendering a card is a template include with a
nested include, about a quarter of a millisecond; a listing shows up to 48 of them on every
page the page cache does not hold (each distinct search, each new filter combination), and the
same products come back page after page. The memo is bounded (:data:`KEPT_CARDS`, least
recently used first out). With ``DEBUG`` on, where templates are edited while the shop runs,
every card is rendered afresh.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from catalog.cards import ProductCard

register = template.Library()

CARD_TEMPLATE: Final = "includes/product_card.html"
# About 0.5 kB of HTML each: at most a few MB per process.
KEPT_CARDS: Final = 10_000


@register.simple_tag
def product_card(card: ProductCard) -> SafeString:
    if settings.DEBUG:
        return _render(card)
    return _kept(translation.get_language(), card)


@lru_cache(maxsize=KEPT_CARDS)
def _kept(language: str | None, card: ProductCard) -> SafeString:
    # ``language`` is part of the key only: the card is rendered in the active language.
    return _render(card)


def _render(card: ProductCard) -> SafeString:
    return mark_safe(render_to_string(CARD_TEMPLATE, {"card": card}))  # noqa: S308 (our template)
