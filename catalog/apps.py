from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        # Connects the reference-data cache to `catalog_changed`, so a sync that runs in a Celery
        # worker (which never loads the shopper middleware) still invalidates it.
        from catalog import reference  # noqa: F401
