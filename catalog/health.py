"""The catalog's health as staff see it at a glance (Django admin's index and the sync runs
page): how fresh the local copy is, how big, and whether Centra's webhooks are being applied.

Every figure is one bounded query, whatever the size of the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.timesince import timesince

from catalog.models import Category, Item, Market, Product, ProductMarket, SyncRun, WebhookEvent
from catalog.stock import AVAILABLE


@dataclass(frozen=True)
class SyncStatus:
    last_full: SyncRun | None
    running: SyncRun | None
    # A full run that failed after the last successful one.
    last_failure: SyncRun | None
    stale_after: timedelta
    now: datetime

    @property
    def age(self) -> timedelta | None:
        if self.last_full is None or self.last_full.finished_at is None:
            return None
        return self.now - self.last_full.finished_at

    @property
    def is_stale(self) -> bool:
        return self.age is None or self.age > self.stale_after

    @property
    def stale_after_minutes(self) -> int:
        return int(self.stale_after.total_seconds() // 60)

    @property
    def age_text(self) -> str:
        if self.last_full is None or self.last_full.finished_at is None:
            return ""
        return timesince(self.last_full.finished_at, self.now)


def sync_status(now: datetime | None = None) -> SyncStatus:
    """The last successful full sync, any full sync running now, and a failure since."""
    full = SyncRun.objects.filter(kind=SyncRun.Kind.FULL)
    last_full = (
        full.filter(status=SyncRun.Status.SUCCEEDED, finished_at__isnull=False)
        .order_by("-finished_at")
        .first()
    )
    failures = full.filter(status=SyncRun.Status.FAILED)
    if last_full is not None:
        failures = failures.filter(started_at__gt=last_full.started_at)
    return SyncStatus(
        last_full=last_full,
        running=full.filter(status=SyncRun.Status.RUNNING).order_by("-started_at").first(),
        last_failure=failures.order_by("-started_at").first(),
        stale_after=timedelta(minutes=settings.CATALOG_SYNC_STALE_MINUTES),
        now=now or timezone.now(),
    )


@dataclass(frozen=True)
class MarketCount:
    name: str
    products: int


@dataclass(frozen=True)
class CatalogHealth:
    sync: SyncStatus
    products: int
    per_market: tuple[MarketCount, ...]
    items: int
    items_available: int  # can be bought now (catalog.stock)
    categories: int
    failed_webhooks: int  # deliveries that could not be applied (re-process them in admin)
    webhooks_waiting: int  # received or queued, not applied yet


def catalog_health(now: datetime | None = None) -> CatalogHealth:
    """Nine queries (three of them for the sync status), whatever the size of the catalog."""
    per_market = dict(
        ProductMarket.objects.values("market_id")
        .annotate(n=Count("id"))
        .values_list("market_id", "n")
    )
    items = Item.objects.aggregate(
        all=Count("id"),
        available=Count("id", filter=Q(stock_state__in=[state.value for state in AVAILABLE])),
    )
    webhooks = WebhookEvent.objects.aggregate(
        failed=Count("id", filter=Q(status=WebhookEvent.Status.FAILED)),
        waiting=Count(
            "id",
            filter=Q(status__in=[WebhookEvent.Status.RECEIVED, WebhookEvent.Status.QUEUED]),
        ),
    )
    return CatalogHealth(
        sync=sync_status(now),
        products=Product.objects.count(),
        per_market=tuple(
            MarketCount(name, per_market.get(market_id, 0))
            for market_id, name in Market.objects.order_by("id").values_list("id", "name")
        ),
        items=items["all"],
        items_available=items["available"],
        categories=Category.objects.count(),
        failed_webhooks=webhooks["failed"],
        webhooks_waiting=webhooks["waiting"],
    )
