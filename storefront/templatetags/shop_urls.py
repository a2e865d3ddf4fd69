"""``{% shop_url 'name' arg %}``: ``{% url %}`` in the shopper's language. The URLconf knows no
language prefixes (the middleware strips them), so a plain ``{% url %}`` link would drop a
Swedish shopper onto the default language's pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def shop_url(context: template.Context, name: str, *args: Any) -> str:
    path = reverse(name, args=args)
    shopper = context.get("shopper")
    return shopper.url(path) if shopper is not None else path
