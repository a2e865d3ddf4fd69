from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        from catalog import reference, search_index
        from catalog.signals import catalog_changed

        reference.connect_receivers()
        # Before the page cache's receiver (routing's app comes later): a page rendered after
        # the cache is dropped already finds the new documents.
        catalog_changed.connect(search_index.on_catalog_changed, dispatch_uid="catalog.search")
