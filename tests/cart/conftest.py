"""The cart reads the demo catalog's local copy (what may be bought) and talks to the test's own
sandbox (the selection): both hold the same demo, synced once for this package."""

from tests.synced_catalog import ctx_for, django_db_setup, fresh_cache, fresh_reference_cache

__all__ = ["ctx_for", "django_db_setup", "fresh_cache", "fresh_reference_cache"]
