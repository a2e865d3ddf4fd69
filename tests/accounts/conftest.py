"""Fixtures for the accounts' tests: the demo catalog's local copy (synced once for this
package), and customers registered in the test's own sandbox (Centra)."""

from __future__ import annotations

from tests.synced_catalog import ctx_for, django_db_setup, fresh_cache, fresh_reference_cache

__all__ = ["ctx_for", "django_db_setup", "fresh_cache", "fresh_reference_cache"]
