"""The local copy of Centra's catalog, normalised along Centra's three axes.

Only the market decides which products exist (``ProductMarket``); prices hang off pricelists
(``ProductPrice``, no row = not purchasable there); texts hang off languages (``ProductText``).
Nothing is stored once per market x pricelist x language. Primary keys are Centra's own ids, so
a sync upserts by id and two workers writing the same row converge.

Every row the sync writes carries ``last_seen_run``: the id of the latest sync run that wrote it
or, for market links, relations and reference data, saw it in Centra; 0 marks a row to remove
when the running sync succeeds (see ``catalog.upsert``). A full run removes what it did not see
only once it has read everything, so the bookkeeping lives in the database, not in memory.
"""

from __future__ import annotations

from django.db import models

from catalog.stock import StockState


class Synced(models.Model):
    """A row the sync owns.

    Foreign keys that lead a unique constraint or a composite index have ``db_index=False``:
    their own index would repeat it, and every extra index is written for every synced row.
    The language column of texts is left unindexed on purpose: only removing a whole language
    filters on it alone.
    """

    # A SyncRun id (0: to remove), not a foreign key: runs may be pruned, and the column is
    # only ever compared.
    last_seen_run = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        abstract = True


class Market(Synced):
    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Pricelist(Synced):
    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)
    currency = models.CharField(max_length=3)
    # Centra's currencyFormat (prefix, suffix, decimalPoint, decimalDigits, thousandsSeparator...)
    currency_format = models.JSONField(default=dict)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Language(Synced):
    code = models.CharField(max_length=16, primary_key=True)
    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Country(Synced):
    code = models.CharField(max_length=2, primary_key=True)
    name = models.CharField(max_length=100)
    eu = models.BooleanField(default=False)
    ship_to = models.BooleanField(default=True)
    currency = models.CharField(max_length=3, blank=True)
    market = models.ForeignKey(Market, null=True, on_delete=models.SET_NULL, related_name="+")
    pricelist = models.ForeignKey(Pricelist, null=True, on_delete=models.SET_NULL, related_name="+")
    language = models.ForeignKey(Language, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return self.name


class State(Synced):
    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="states", db_index=False
    )
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "code"], name="state_unique_per_country")
        ]

    def __str__(self) -> str:
        return self.name


class Brand(Synced):
    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    uri = models.CharField(max_length=255, blank=True)
    meta_title = models.CharField(max_length=255, blank=True)
    meta_description = models.TextField(blank=True)
    meta_keywords = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Collection(Synced):
    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    uri = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(Synced):
    id = models.PositiveIntegerField(primary_key=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    uri = models.CharField(max_length=255, unique=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.uri


class CategoryText(Synced):
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="texts", db_index=False
    )
    language = models.ForeignKey(
        Language, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Centra sends the full path of names, root first; the last one is this category's own.
    name_path = models.JSONField(default=list)
    meta_title = models.CharField(max_length=255, blank=True)
    meta_description = models.TextField(blank=True)
    meta_keywords = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "language"], name="category_text_unique_per_language"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_path[-1] if self.name_path else ""


class Product(Synced):
    id = models.PositiveIntegerField(primary_key=True)
    uri = models.CharField(max_length=255, db_index=True)
    sku = models.CharField(max_length=100, blank=True)
    product_sku = models.CharField(max_length=100, blank=True)
    variant_name = models.CharField(max_length=200, blank=True)
    centra_product = models.PositiveIntegerField(null=True, blank=True)
    centra_variant = models.PositiveIntegerField(null=True, blank=True)
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    # Centra's canonical category: the one product URLs are built under.
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    categories: models.ManyToManyField[Category, ProductCategory] = models.ManyToManyField(
        Category, through="ProductCategory", related_name="products", blank=True
    )
    country_origin = models.CharField(max_length=2, blank=True)
    item_quantity_minimum = models.PositiveIntegerField(default=1)
    item_quantity_multiple_of = models.PositiveIntegerField(default=1)
    # {"standard": [url, ...], "<size>": [...]}, as Centra sends it.
    media = models.JSONField(default=dict, blank=True)
    # Custom attributes (e.g. {"swatch": {"desc": "Red", "hex": "ff0000"}}).
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    modified_at = models.DateTimeField(null=True, blank=True)
    # When a sync last wrote new content into this row (not when it last saw it unchanged).
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["-created_at"], name="product_created_idx")]

    def __str__(self) -> str:
        return f"{self.id} {self.uri}"


class ProductCategory(Synced):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, db_index=False)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, db_index=False)
    sort_order = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "category"], name="product_category_unique")
        ]
        indexes = [models.Index(fields=["category", "sort_order"], name="category_sort_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.category_id}"


class ProductMarket(Synced):
    """The product exists in this market. The only axis that decides existence."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="market_links", db_index=False
    )
    market = models.ForeignKey(
        Market, on_delete=models.CASCADE, related_name="product_links", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "market"], name="product_market_unique")
        ]
        indexes = [models.Index(fields=["market", "product"], name="market_product_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} in market {self.market_id}"


class ProductText(Synced):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="texts", db_index=False
    )
    language = models.ForeignKey(
        Language, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(max_length=255)
    excerpt = models.TextField(blank=True)
    excerpt_html = models.TextField(blank=True)
    description = models.TextField(blank=True)
    description_html = models.TextField(blank=True)
    meta_title = models.CharField(max_length=255, blank=True)
    meta_description = models.TextField(blank=True)
    meta_keywords = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "language"], name="product_text_unique_per_language"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProductPrice(Synced):
    """The product's price in one pricelist. No row: visible but not purchasable there."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="prices", db_index=False
    )
    pricelist = models.ForeignKey(
        Pricelist, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    price = models.DecimalField(max_digits=14, decimal_places=4)
    price_before_discount = models.DecimalField(max_digits=14, decimal_places=4)
    # Centra's own formatting of the two amounts ("1 234.00 SEK"), shown as sent.
    price_text = models.CharField(max_length=64)
    price_before_discount_text = models.CharField(max_length=64)
    discount_percent = models.PositiveSmallIntegerField(default=0)
    on_sale = models.BooleanField(default=False)
    new = models.BooleanField(default=False)
    lowest_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "pricelist"], name="product_price_unique")
        ]
        indexes = [models.Index(fields=["pricelist", "price"], name="pricelist_price_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} in pricelist {self.pricelist_id}: {self.price_text}"


class Item(Synced):
    """A size of a product: what goes into a cart."""

    id = models.CharField(max_length=64, primary_key=True)  # "<product>-<size>"
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="items")
    size_id = models.CharField(max_length=32, blank=True)
    name = models.CharField(max_length=100, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    ean = models.CharField(max_length=32, blank=True)
    # Centra's stock answer: "yes", "no", "few", "preorder", "infinite" or a number as text.
    stock = models.CharField(max_length=16, blank=True)
    # catalog.stock.stock_state(stock), stored by the sync so SQL filters apply the same rule.
    stock_state = models.CharField(
        max_length=16, choices=[(state.value, state.value) for state in StockState]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product", "position"]

    def __str__(self) -> str:
        return f"{self.id} ({self.name})"


class RelatedProduct(Synced):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="relations", db_index=False
    )
    # An id rather than a foreign key: the related product may not be in the local copy (yet).
    related_id = models.PositiveIntegerField()
    relation = models.CharField(max_length=50, default="variant")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "related_id"], name="related_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} -> {self.related_id} ({self.relation})"


class SyncRun(models.Model):
    class Kind(models.TextChoices):
        FULL = "full"
        PARTIAL = "partial"  # named products
        REFERENCE = "reference"  # named reference lists (categories, brands, markets, ...)

    class Trigger(models.TextChoices):
        COMMAND = "command"
        ADMIN = "admin"
        SCHEDULE = "schedule"
        WEBHOOK = "webhook"

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        SKIPPED = "skipped"

    # Not stored: the exception a failed run ended on, for the caller that ran it (webhook
    # processing tells a refusal from an outage by it).
    failure: Exception | None = None

    kind = models.CharField(max_length=10, choices=Kind.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Bumped after every page: a running full sync without a heartbeat for a while is dead
    # (its worker was killed) and no longer blocks the next one.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # {"product": {"created": n, "updated": n, "deleted": n}, ...}, every catalog model.
    counts = models.JSONField(default=dict, blank=True)
    calls = models.PositiveIntegerField(default=0)
    # A partial sync's products (a reference refresh lists its kinds in ``notes``).
    product_ids = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # What a successful run chose not to do, and why (e.g. removals put off to the next run).
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "status", "-started_at"], name="syncrun_idx")]
        constraints = [
            # The lock between full syncs: a second one cannot be recorded as running, in any
            # process on any machine, while the first is.
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="full", status="running"),
                name="one_running_full_sync",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} sync #{self.pk} ({self.status})"

    @property
    def duration(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class WebhookEvent(models.Model):
    # The payload keys the catalog syncs: products, and reference objects (Centra lists the
    # affected products alongside those).
    PRODUCTS = "products"
    REFERENCE_KINDS = ("categories", "brands", "markets", "pricelists")
    CATALOG_KEYS = (PRODUCTS, *REFERENCE_KINDS)

    class Status(models.TextChoices):
        RECEIVED = "received"
        REJECTED = "rejected"
        QUEUED = "queued"
        PROCESSING = "processing"
        PROCESSED = "processed"
        FAILED = "failed"
        IGNORED = "ignored"

    received_at = models.DateTimeField(auto_now_add=True)
    signature_valid = models.BooleanField(null=True)
    signature_timestamp = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    raw_body = models.TextField(blank=True)
    # {"products": ["12"], "categories": [...]}: the ids of CATALOG_KEYS the payload names.
    object_ids = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "-received_at"], name="webhook_status_idx")]

    def __str__(self) -> str:
        return f"webhook #{self.pk} ({self.status})"


class RejectedWebhook(models.Model):
    """Deliveries refused before anything of them was trusted (a missing or bad signature, an
    oversized or malformed unsigned body, too many from one address): one row per source
    address and reason, counted, with the first bytes of the latest. Nothing here is applied.
    Bounded and self-cleaning: see :mod:`catalog.webhook_rejections`."""

    source = models.CharField(max_length=45, blank=True)  # an IP address
    reason = models.CharField(max_length=120)
    count = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    first_bytes = models.CharField(max_length=200, blank=True)  # of the latest, made printable

    class Meta:
        ordering = ["-last_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "reason"], name="rejected_webhook_unique")
        ]
        indexes = [models.Index(fields=["last_at"], name="rejected_webhook_last_idx")]

    def __str__(self) -> str:
        return f"{self.count} rejected from {self.source or 'unknown'} ({self.reason})"


class SearchDocument(models.Model):
    """What search matches a product on, in one language (the default language's texts where
    the product has none in it). Derived from the synced rows by :mod:`catalog.search_index`,
    never edited. On PostgreSQL the row also holds a ``document`` tsvector (weights A: name and
    codes, B: labels, C: body) with a GIN index; on SQLite its stemmed copy lives in the FTS5
    table ``catalog_searchfts`` (rowid = this row's id). Both are made by migration
    ``0004_search_index``, outside Django's model fields."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    language = models.ForeignKey(
        Language, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The Snowball algorithm (catalog.search_text.algorithm) its words were stemmed with.
    config = models.CharField(max_length=20)
    name = models.CharField(max_length=255)
    # The name's words folded (lower case, no accents), for the search box's suggestions.
    folded_name = models.CharField(max_length=255)
    # Category names (whole paths), brand, colour and collection.
    labels = models.TextField(blank=True)
    body = models.TextField(blank=True)  # excerpt and description
    codes = models.TextField(blank=True)  # SKUs and EANs

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "language"], name="search_document_unique_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ({self.language_id})"
