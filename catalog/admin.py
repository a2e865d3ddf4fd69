"""Django admin for the catalog: sync status and runs, Centra webhook events, and read-only
browsing of the local catalog copy. The sync owns every catalog row, so staff can look but not
add, change or delete; what staff can do is start a full resync and re-process failed webhooks.
"""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from catalog import webhooks
from catalog.cards import first_image, product_path
from catalog.health import sync_status
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
from catalog.money import price_text
from catalog.stock import AVAILABLE
from catalog.tasks import full_sync_task

log = logging.getLogger(__name__)

# The admin index shows the catalog's health above the apps (catalog.health).
admin.site.index_template = "admin/catalog/index.html"

# Starting a sync creates a SyncRun, so the permission to "add" one is the permission to start it.
RESYNC_PERMISSION = "catalog.add_syncrun"
REPROCESS_PERMISSION = "catalog.change_webhookevent"


# -- sync status --------------------------------------------------------------------------------


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


def change_counts(counts: Any, model: str = "product") -> tuple[int, int, int] | None:
    """(created, updated, deleted) of ``model`` in a run's counts, or None when it has none."""
    value = counts.get(model) if isinstance(counts, dict) else None
    if not isinstance(value, dict):
        return None
    numbers = (value.get("created", 0), value.get("updated", 0), value.get("deleted", 0))
    return tuple(n if isinstance(n, int) else 0 for n in numbers)  # type: ignore[return-value]


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
    # One short line per run; everything else is on the run's own page.
    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("css/admin-catalog.css",)}

    list_display = (
        "run_display",
        "status_display",
        "started_display",
        "duration_display",
        "products_display",
        "calls",
        "error_display",
    )
    list_display_links = ("run_display", "status_display")
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
        "counts_table",
        "product_ids",
        "error",
        "notes",
    )
    readonly_fields = fields

    @admin.display(description="status", ordering="status")
    def status_display(self, run: SyncRun) -> str:
        return format_html('<span class="run-status run-{}">{}</span>', run.status, run.status)

    @admin.display(description="run", ordering="id")
    def run_display(self, run: SyncRun) -> str:
        return format_html('#{} <span title="{}">{}</span>', run.pk, run.trigger, run.kind)

    @admin.display(description="started", ordering="started_at")
    def started_display(self, run: SyncRun) -> str:
        return localtime(run.started_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description="duration")
    def duration_display(self, run: SyncRun) -> str:
        seconds = run.duration
        if seconds is None:
            return "running" if run.status == SyncRun.Status.RUNNING else "-"
        return f"{seconds:.1f} s"

    @admin.display(description="products")
    def products_display(self, run: SyncRun) -> str:
        numbers = change_counts(run.counts)
        if numbers is None:
            return "-"
        created, updated, deleted = numbers
        return f"+{created} ~{updated} -{deleted}"

    @admin.display(description="counts per table")
    def counts_table(self, run: SyncRun) -> str:
        counts = run.counts if isinstance(run.counts, dict) else {}
        if not counts:
            return "-"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (model, *(change_counts(counts, model) or (value, "", "")))
                for model, value in counts.items()
            ),
        )
        return format_html(
            "<table><thead><tr><th>table</th><th>created</th><th>updated</th>"
            "<th>deleted</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="error")
    def error_display(self, run: SyncRun) -> str:
        if not run.error:
            return ""
        return format_html('<span title="{}">{}</span>', run.error[:500], _shorten(run.error, 60))

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
    """One line per product that fits a 1280 px screen: what it looks like, what it is called,
    its SKU, what it costs in the default pricelist, how much of it can be bought, where it
    is sold, and a link to its page in the shop. A constant number of queries per page: the
    name, price, stock and publication are subqueries of the page's one query, the markets
    one prefetch."""

    list_display = (
        "thumbnail",
        "name",
        "sku",
        "price_display",
        "stock_display",
        "markets_display",
        "published",
        "view_link",
    )
    list_display_links = ("thumbnail", "name")

    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("css/admin-catalog.css",)}

    list_select_related = ("category",)
    list_filter = ("brand", "collection")
    list_per_page = 50
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
        # One subquery per column instead of one query per row.
        default_name = ProductText.objects.filter(
            product=OuterRef("pk"), language__is_default=True
        ).values("name")[:1]
        default_price = ProductPrice.objects.filter(
            product=OuterRef("pk"), pricelist__is_default=True
        )
        sizes = Item.objects.filter(product=OuterRef("pk"))
        available = [state.value for state in AVAILABLE]
        return (
            super()
            .get_queryset(request)
            .annotate(
                default_name=Subquery(default_name),
                default_price=Subquery(default_price.values("price")[:1]),
                default_price_text=Subquery(default_price.values("price_text")[:1]),
                default_currency_format=Subquery(
                    default_price.values("pricelist__currency_format")[:1],
                    output_field=JSONField(),
                ),
                size_count=_count(sizes),
                sizes_available=_count(sizes.filter(stock_state__in=available)),
                is_published=Exists(ProductMarket.objects.filter(product=OuterRef("pk"))),
            )
            .prefetch_related(
                Prefetch("market_links", ProductMarket.objects.select_related("market"))
            )
        )

    @admin.display(description="")
    def thumbnail(self, product: Product) -> str:
        url = first_image(product.media, "thumb") or first_image(product.media)
        if not url:
            return mark_safe('<span class="no-thumb" title="no image">-</span>')
        return format_html(
            '<img src="{}" alt="" width="32" height="40" loading="lazy" class="thumb">', url
        )

    # Column titles stay short: the list has to fit beside the admin's navigation and filters.
    @admin.display(description="name", ordering="default_name")
    def name(self, product: Product) -> str:
        """In the default language."""
        return getattr(product, "default_name", None) or product.uri

    @admin.display(description="price", ordering="default_price")
    def price_display(self, product: Product) -> str:
        amount = getattr(product, "default_price", None)
        if amount is None:
            return "-"
        currency_format = getattr(product, "default_currency_format", None) or {}
        return price_text(getattr(product, "default_price_text", ""), amount, currency_format)

    @admin.display(description="in stock", ordering="sizes_available")
    def stock_display(self, product: Product) -> str:
        total = getattr(product, "size_count", 0) or 0
        available = getattr(product, "sizes_available", 0) or 0
        if not total:
            return "no sizes"
        if not available:
            return "sold out"
        return f"{available} of {total}"

    @admin.display(description="markets")
    def markets_display(self, product: Product) -> str:
        return ", ".join(link.market.name for link in product.market_links.all())

    @admin.display(description="published", boolean=True, ordering="is_published")
    def published(self, product: Product) -> bool:
        """Sold in at least one market: the Checkout API only serves published products, so
        a product in the local copy with no market is one shoppers cannot find."""
        return bool(getattr(product, "is_published", False))

    @admin.display(description="shop")
    def view_link(self, product: Product) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">view</a>', self._shop_url(product)
        )

    def view_on_site(self, obj: Product) -> str:
        return self._shop_url(obj)

    @staticmethod
    def _shop_url(product: Product) -> str:
        # The canonical URL in the default language (unprefixed), as shoppers find it.
        return product_path(product.category.uri if product.category else None, product.uri)


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().values("product").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


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
