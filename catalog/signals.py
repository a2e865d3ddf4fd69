"""What the sync announces, for caches of rendered or computed catalog data to listen to.

``catalog_changed`` is sent after the change is committed (``transaction.on_commit``), with:

- ``run``: the :class:`catalog.models.SyncRun` that made the change;
- ``product_ids``: a frozenset of the ids of products whose own rows were created, changed or
  deleted (texts, prices, items, categories, markets and relations included). A full sync sends
  one signal per page and per batch of removals, so no signal holds the whole catalog;
- ``kinds``: a frozenset of the reference models that changed (``"category"``, ``"brand"``,
  ``"market"``...): those show on many pages, so a listener decides how widely to invalidate.

``sync_finished`` is sent once a run is over (succeeded or failed), after its last
``catalog_changed``, with ``run``: for listeners that gather a full run's many announcements
into one action (the HTTP cache purge, :mod:`storefront.http_purge`).

Listeners are connected in their apps' ``AppConfig.ready()``: the reference data cache
(:mod:`catalog.reference`), the search index, the page cache (:mod:`routing.page_cache`) and
the HTTP cache purge, in that order (``INSTALLED_APPS``): the proxies refetch only pages
the other caches already dropped.
"""

from __future__ import annotations

from django.dispatch import Signal

catalog_changed = Signal()
sync_finished = Signal()
