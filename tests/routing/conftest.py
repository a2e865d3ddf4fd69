"""The routing tests read the same local catalog as the pages' tests."""

from tests.pages.conftest import django_db_setup, fresh_cache, fresh_reference_cache

__all__ = ["django_db_setup", "fresh_cache", "fresh_reference_cache"]
