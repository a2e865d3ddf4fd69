"""Django admin for the catalog: sync status and runs, Centra webhook events, and read-only
browsing of the local catalog copy. The sync owns every catalog row, so staff can look but not
add, change or delete; what staff can do is start a full resync and re-process failed webhooks.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from catalog import webhooks
from catalog.models import (
    Brand,
    Category,
    CategoryText,
    Collection,
    Country,
    Item,
    Language,
    Market,
    Pricelist,
    Product,
    ProductCategory,
    ProductMarket,
    ProductPrice,
    ProductText,
    RejectedWebhook,
    RelatedProduct,
    State,
    SyncRun,
    WebhookEvent,
)
from catalog.tasks import full_sync_task

log = logging.getLogger(__name__)

# Starting a sync creates a SyncRun, so the permission to "add" one is the permission to start it.
RESYNC_PERMISSION = "catalog.add_syncrun"
REPROCESS_PERMISSION = "catalog.change_webhookevent"


# -- sync status --------------------------------------------------------------------------------


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


def format_counts(counts: Any) -> str:
    """``{"product": {"created": 5, "updated": 3, "deleted": 1}}`` -> ``product +5 ~3 -1``."""
    if not isinstance(counts, dict):
        return ""
    parts = []
    for model, value in counts.items():
        if isinstance(value, dict):
            created, updated = value.get("created", 0), value.get("updated", 0)
            parts.append(f"{model} +{created} ~{updated} -{value.get('deleted', 0)}")
        else:
            parts.append(f"{model} {value}")
    return ", ".join(parts)


def _pretty_json(value: Any) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- read-only base -----------------------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff with the view permission; nothing can be added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
    # Related objects these inlines display; loaded with the rows instead of once per row.
    related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related(*self.related)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# -- sync runs ----------------------------------------------------------------------------------


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "trigger",
        "status",
        "started_at",
        "duration_display",
        "counts_display",
        "calls",
        "error_display",
    )
    list_filter = ("kind", "trigger", "status")
    date_hierarchy = "started_at"
    fields = (
        "kind",
        "trigger",
        "status",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "duration_display",
        "calls",
        "counts_pretty",
        "product_ids",
        "error",
        "notes",
    )
    readonly_fields = fields

    @admin.display(description="duration")
    def duration_display(self, run: SyncRun) -> str:
        seconds = run.duration
        return "running" if seconds is None else f"{seconds:.1f} s"

    @admin.display(description="counts")
    def counts_display(self, run: SyncRun) -> str:
        return format_counts(run.counts)

    @admin.display(description="counts")
    def counts_pretty(self, run: SyncRun) -> str:
        return _pretty_json(run.counts)

    @admin.display(description="error")
    def error_display(self, run: SyncRun) -> str:
        return _shorten(run.error)

    def get_urls(self) -> list:
        resync = path(
            "resync/",
            self.admin_site.admin_view(self.resync_view),
            name="catalog_syncrun_resync",
        )
        return [resync, *super().get_urls()]

    def has_resync_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm(RESYNC_PERMISSION)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            "sync_status": sync_status(),
            "can_resync": self.has_resync_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def resync_view(self, request: HttpRequest) -> HttpResponse:
        """POST only (CSRF-checked by admin_view): enqueue a full resync."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_resync_permission(request):
            raise PermissionDenied
        try:
            full_sync_task.delay(trigger=SyncRun.Trigger.ADMIN.value)
        except Exception:
            # The broker's URL may carry a password: the details go to the log, not the page.
            log.exception("could not enqueue the admin resync")
            self.message_user(
                request,
                "Could not start the resync: the task queue is unavailable.",
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                "Full resync started. It is listed below with its status once it has begun.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:catalog_syncrun_changelist"))


# -- webhook events -----------------------------------------------------------------------------


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "received_at",
        "status",
        "signature_display",
        "ids_display",
        "error_display",
        "processed_at",
    )
    list_filter = ("status", "signature_valid")
    date_hierarchy = "received_at"
    actions = ("reprocess",)
    fields = (
        "received_at",
        "status",
        "signature_valid",
        "signature_timestamp",
        "ids_pretty",
        "payload_pretty",
        "raw_body",
        "error",
        "processed_at",
    )
    readonly_fields = fields

    @admin.display(description="signature", boolean=True, ordering="signature_valid")
    def signature_display(self, event: WebhookEvent) -> bool | None:
        return event.signature_valid

    @admin.display(description="object ids")
    def ids_display(self, event: WebhookEvent) -> str:
        ids = event.object_ids or {}
        return _shorten("; ".join(f"{key}: {', '.join(values)}" for key, values in ids.items()))

    @admin.display(description="object ids")
    def ids_pretty(self, event: WebhookEvent) -> str:
        return _pretty_json(event.object_ids)

    @admin.display(description="payload")
    def payload_pretty(self, event: WebhookEvent) -> str:
        return _pretty_json(event.payload)

    @admin.display(description="error")
    def error_display(self, event: WebhookEvent) -> str:
        return _shorten(event.error)

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REPROCESS_PERMISSION)

    @admin.action(description="Re-process selected failed events", permissions=["reprocess"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        selected = list(queryset.values_list("id", flat=True))
        count = webhooks.requeue_failed(selected)
        if count:
            self.message_user(request, f"{count} failed event(s) queued again.", messages.SUCCESS)
        skipped = len(selected) - count
        if skipped:
            self.message_user(
                request,
                f"{skipped} event(s) skipped: only failed events can be re-processed "
                "(rejected and ignored deliveries are never applied).",
                messages.WARNING,
            )


# -- the catalog copy, read-only ----------------------------------------------------------------


class ProductPriceInline(ReadOnlyInline):
    model = ProductPrice
    related = ("pricelist",)
    fields = (
        "pricelist",
        "price_text",
        "price_before_discount_text",
        "price",
        "price_before_discount",
        "discount_percent",
        "on_sale",
        "new",
        "lowest_price",
    )
    readonly_fields = fields
    verbose_name_plural = "prices per pricelist"


class ProductTextInline(ReadOnlyInline):
    model = ProductText
    related = ("language",)
    fields = ("language", "name", "excerpt", "meta_title", "meta_description")
    readonly_fields = fields
    verbose_name_plural = "texts per language"


class ProductMarketInline(ReadOnlyInline):
    model = ProductMarket
    related = ("market",)
    fields = ("market",)
    readonly_fields = fields
    verbose_name_plural = "markets"


class ProductCategoryInline(ReadOnlyInline):
    model = ProductCategory
    related = ("category",)
    fields = ("category", "sort_order")
    readonly_fields = fields
    verbose_name_plural = "categories"


class ItemInline(ReadOnlyInline):
    model = Item
    fields = ("id", "name", "size_id", "sku", "ean", "stock", "position")
    readonly_fields = fields


class RelatedProductInline(ReadOnlyInline):
    model = RelatedProduct
    fk_name = "product"
    fields = ("related_id", "relation")
    readonly_fields = fields
    verbose_name_plural = "related products"


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "name",
        "uri",
        "sku",
        "brand",
        "collection",
        "category",
        "modified_at",
        "synced_at",
    )
    list_select_related = ("brand", "collection", "category")
    list_filter = ("brand", "collection")
    search_fields = ("=id", "uri", "sku", "texts__name")
    show_full_result_count = False
    exclude = ("categories",)
    inlines = (
        ProductPriceInline,
        ProductTextInline,
        ProductMarketInline,
        ProductCategoryInline,
        ItemInline,
        RelatedProductInline,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        # The name lives in ProductText; one subquery instead of one query per row.
        default_name = ProductText.objects.filter(
            product=OuterRef("pk"), language__is_default=True
        ).values("name")[:1]
        return super().get_queryset(request).annotate(default_name=Subquery(default_name))

    @admin.display(description="name (default language)", ordering="default_name")
    def name(self, product: Product) -> str:
        return getattr(product, "default_name", None) or ""


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ("id", "product", "name", "sku", "ean", "stock")
    list_select_related = ("product",)
    search_fields = ("=id", "sku", "ean", "=product__id")
    show_full_result_count = False


@admin.register(Market)
class MarketAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "is_default")


@admin.register(Pricelist)
class PricelistAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "currency", "is_default")
    readonly_fields = ("currency_format_pretty",)

    @admin.display(description="currency format")
    def currency_format_pretty(self, pricelist: Pricelist) -> str:
        return _pretty_json(pricelist.currency_format)


@admin.register(Language)
class LanguageAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "is_default")


class StateInline(ReadOnlyInline):
    model = State
    fields = ("code", "name")
    readonly_fields = fields


@admin.register(Country)
class CountryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "market", "pricelist", "language", "eu", "ship_to")
    list_select_related = ("market", "pricelist", "language")
    list_filter = ("eu", "ship_to")
    search_fields = ("code", "name")
    inlines = (StateInline,)


@admin.register(Brand)
class BrandAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "uri")
    search_fields = ("name", "uri")


@admin.register(Collection)
class CollectionAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "uri")
    search_fields = ("name", "uri")


class CategoryTextInline(ReadOnlyInline):
    model = CategoryText
    related = ("language",)
    fields = ("language", "name", "meta_title", "meta_description")
    readonly_fields = fields
    verbose_name_plural = "names per language"


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ("id", "uri", "parent", "sort_order")
    list_select_related = ("parent",)
    search_fields = ("=id", "uri")
    inlines = (CategoryTextInline,)


@admin.register(RejectedWebhook)
class RejectedWebhookAdmin(ReadOnlyAdmin):
    """Deliveries refused before they were trusted: counted per address and reason, never
    applied (bounded and self-cleaning, see catalog.webhook_rejections)."""

    list_display = ("last_at", "source", "reason", "count", "first_at", "first_bytes")
    list_filter = ("reason",)
    search_fields = ("source",)
    fields = list_display
    readonly_fields = fields
