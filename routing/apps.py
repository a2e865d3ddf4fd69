from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"

    def ready(self) -> None:
        # Here, not at import: a Celery worker syncing the catalog never imports the page
        # cache, and the pages it changed must still be dropped at once.
        from catalog.signals import catalog_changed
        from routing import page_cache

        catalog_changed.connect(page_cache.invalidate, dispatch_uid="routing.page_cache")
