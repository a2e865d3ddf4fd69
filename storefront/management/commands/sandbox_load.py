"""Fill the embedded Centra sandbox with its deterministic demo catalog."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from centra.connection import get_sandbox


class Command(BaseCommand):
    help = "Load the demo catalog into the embedded Centra sandbox (skipped when already loaded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--products",
            type=int,
            default=settings.CENTRA_SANDBOX_PRODUCTS,
            help="How many products to generate (default: CENTRA_SANDBOX_PRODUCTS).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same catalog.")

    def handle(self, *args: Any, products: int, seed: int, **options: Any) -> None:
        sandbox = get_sandbox()
        if sandbox is None:
            raise CommandError("CENTRA_API_URL is set: there is no embedded sandbox to load.")
        if sandbox.store.is_loaded():
            self.stdout.write(f"Sandbox catalog already loaded in {settings.CENTRA_SANDBOX_DB}.")
            return
        started = time.perf_counter()
        sandbox.load_demo(products=products, seed=seed)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {products} demo products into the sandbox in {elapsed:.1f}s."
            )
        )
