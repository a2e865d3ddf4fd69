"""Template tags of the catalog's admin pages."""

from __future__ import annotations

from django import template

from catalog.health import CatalogHealth, catalog_health

register = template.Library()


@register.simple_tag
def catalog_health_now() -> CatalogHealth:
    """The catalog's health for the admin index (``{% catalog_health_now as health %}``)."""
    return catalog_health()
