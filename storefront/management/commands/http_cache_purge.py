"""Purge pages from the shared HTTP caches by tag (after a deploy, or a CMS edit)."""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from storefront import http_cache
from storefront.http_purge import purge


class Command(BaseCommand):
    help = (
        "Purge shopper-free pages from the proxies in HTTP_CACHE_PURGE_URLS by tag "
        "(all, nav, home, search, cms, sitemap, missing, product-<id>, category-<id>); "
        "without tags: all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tags", nargs="*", help="Tags to purge (default: all).")

    def handle(self, *args: Any, tags: list[str], **options: Any) -> None:
        if not settings.HTTP_CACHE_PURGE_URLS:
            raise CommandError("HTTP_CACHE_PURGE_URLS is empty: there is no proxy to purge.")
        wanted = tags or [http_cache.ALL]
        try:
            sent = purge(wanted)
        except httpx.HTTPError as exc:
            raise CommandError(f"A proxy refused or did not answer the purge: {exc}") from exc
        proxies = len(settings.HTTP_CACHE_PURGE_URLS)
        self.stdout.write(
            self.style.SUCCESS(
                f"Purged {' '.join(wanted)} from {proxies} proxies ({sent} requests)."
            )
        )
