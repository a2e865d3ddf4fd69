from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "storefront"

    def ready(self) -> None:
        # Here, not at import: the Celery worker that syncs must purge the proxies too.
        from catalog.signals import catalog_changed, sync_finished
        from storefront import http_purge

        catalog_changed.connect(http_purge.on_catalog_changed, dispatch_uid="storefront.purge")
        sync_finished.connect(http_purge.on_sync_finished, dispatch_uid="storefront.purge")
