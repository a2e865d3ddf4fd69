"""The catalog's read side is tested on the demo catalog, synced once for this package (see
tests.synced_catalog)."""

from tests.synced_catalog import ctx_for, django_db_setup, fresh_cache, fresh_reference_cache

__all__ = ["ctx_for", "django_db_setup", "fresh_cache", "fresh_reference_cache"]
