"""The search index: one :class:`catalog.models.SearchDocument` per product and language,
derived from the synced rows, and its database-specific twin (PostgreSQL's ``document``
tsvector, SQLite's FTS5 table).

The sync keeps it current: a full sync rebuilds every document once it has succeeded
(:func:`catalog.sync.full_sync`), and a partial (webhook) sync refreshes, once at its end, the
documents of the products whose document rows it changed (:func:`catalog.sync.sync_products`;
a burst of price edits changes none). Through :data:`catalog.signals.catalog_changed`, sent once
a change is committed, a change of category, brand, collection or language names rebuilds every
document, and the products a reference refresh changed (a market gone) are refreshed. A
document is written whole in one transaction, so a search sees the old text or the new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

from django.core.cache import cache
from django.db import connection, transaction

from catalog import request_tokens
from catalog.models import (
    Brand,
    CategoryText,
    Collection,
    Item,
    Language,
    Product,
    ProductCategory,
    ProductText,
    SearchDocument,
    SyncRun,
)
from catalog.search_text import algorithm, stemmed, words

BATCH: Final = 500
# What a document is made of, per product-owned table (model name -> columns): a change of a
# row's other columns (a price, a stock level, a sort order) leaves the documents as they are.
DOCUMENT_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "product": ("sku", "product_sku", "variant_name", "brand_id", "collection_id"),
    "producttext": ("name", "excerpt", "description"),
    "productcategory": ("category_id",),
    "item": ("product_id", "sku", "ean"),
}
# A change of any of these reference kinds changes the labels of many documents.
LABEL_KINDS: Final = frozenset({"category", "categorytext", "brand", "collection", "language"})
VERSION_KEY: Final = request_tokens.known("catalog:search-version")
FTS_TABLE: Final = "catalog_searchfts"
_FTS_INSERT: Final = (
    "INSERT INTO catalog_searchfts (rowid, product_id, language, name, labels, body, codes)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
)

# PostgreSQL weighs the parts of a document: name and codes (A) over labels (B) over body (C).
_POSTGRES_DOCUMENT: Final = """
UPDATE catalog_searchdocument SET document =
    setweight(to_tsvector(('storefront_' || config)::regconfig, name), 'A')
    || setweight(to_tsvector('storefront_simple'::regconfig, codes), 'A')
    || setweight(to_tsvector(('storefront_' || config)::regconfig, labels), 'B')
    || setweight(to_tsvector(('storefront_' || config)::regconfig, body), 'C')
WHERE product_id = ANY(%s)
"""


def version() -> str:
    """A token that changes whenever any document does (for the vocabulary's memo).

    It is derived from the table (new documents always get new ids, and removals change the
    count), so every process computes the same token for the same index, and a token evicted
    from the cache is recomputed equal instead of forcing every process to rebuild."""
    return request_tokens.token(VERSION_KEY, _count_version)


def _count_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id), COUNT(*) FROM catalog_searchdocument")
        top, count = cursor.fetchone()
    token = f"{top or 0}.{count}"
    cache.set(VERSION_KEY, token, None)
    return token


def _bump() -> None:
    cache.delete(VERSION_KEY)
    request_tokens.forget(VERSION_KEY)


def rebuild() -> int:
    """Every product's documents, afresh; the number of documents written."""
    written = 0
    ids = Product.objects.order_by("pk").values_list("pk", flat=True)
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608 (a constant)
        for batch in _chunks(ids.iterator(chunk_size=BATCH), BATCH):
            written += _write(batch, delete_first=False)
    transaction.on_commit(_bump)
    return written


def refresh(product_ids: Iterable[int]) -> int:
    """The documents of ``product_ids`` (a deleted product's are removed)."""
    written = 0
    with transaction.atomic():
        for batch in _chunks(sorted(set(product_ids)), BATCH):
            written += _write(batch, delete_first=True)
    transaction.on_commit(_bump)
    return written


def on_catalog_changed(
    sender: Any,
    run: SyncRun | None = None,
    product_ids: frozenset[int] = frozenset(),
    kinds: frozenset[str] = frozenset(),
    **kwargs: Any,
) -> None:
    """Keep the index current after a sync's change (connected in ``CatalogConfig.ready``)."""
    if run is None or run.kind == SyncRun.Kind.FULL:
        # Only a sync run's rows change the index; a full run rebuilds it once it succeeded.
        return
    if kinds & LABEL_KINDS:
        rebuild()
    elif product_ids and run.kind != SyncRun.Kind.PARTIAL:
        # A partial run refreshed the documents its changes touched itself.
        refresh(product_ids)


def _chunks(values: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(product_ids: list[int], *, delete_first: bool) -> int:
    if delete_first:
        SearchDocument.objects.filter(product_id__in=product_ids).delete()
        if connection.vendor == "sqlite":
            marks = ",".join("%s" for _ in product_ids)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {FTS_TABLE} WHERE product_id IN ({marks})",  # noqa: S608
                    product_ids,
                )
    documents = SearchDocument.objects.bulk_create(_documents(product_ids))
    if not documents:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_POSTGRES_DOCUMENT, [product_ids])
    elif connection.vendor == "sqlite":
        rows = [
            (
                doc.pk,
                doc.product_id,
                doc.language_id,
                stemmed(doc.name, doc.config),
                stemmed(doc.labels, doc.config),
                stemmed(doc.body, doc.config),
                " ".join(words(doc.codes)),
            )
            for doc in documents
        ]
        with connection.cursor() as cursor:
            # Rows left by a table emptied outside Django (a test database's flush restarts
            # the ids) would collide with the new rowids.
            marks = ",".join("%s" for _ in rows)
            cursor.execute(
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})",  # noqa: S608
                [row[0] for row in rows],
            )
            cursor.executemany(
                _FTS_INSERT,
                rows,
            )
    return len(documents)


def _documents(product_ids: list[int]) -> list[SearchDocument]:
    """The documents of the products that exist, in every language (four queries and one per
    reference table)."""
    languages = list(Language.objects.values_list("code", "is_default"))
    if not languages:
        return []
    default = next((code for code, is_default in languages if is_default), languages[0][0])
    products = list(
        Product.objects.filter(pk__in=product_ids).values("pk", *DOCUMENT_FIELDS["product"])
    )
    texts: dict[int, dict[str, tuple[str, str]]] = {}
    for pid, language, name, excerpt, description in ProductText.objects.filter(
        product_id__in=product_ids
    ).values_list("product_id", "language_id", *DOCUMENT_FIELDS["producttext"]):
        texts.setdefault(pid, {})[language] = (name, f"{excerpt}\n{description}")
    placements: dict[int, list[int]] = {}
    for pid, category in ProductCategory.objects.filter(product_id__in=product_ids).values_list(
        "product_id", "category_id"
    ):
        placements.setdefault(pid, []).append(category)
    codes: dict[int, list[str]] = {}
    for pid, sku, ean in Item.objects.filter(product_id__in=product_ids).values_list(
        "product_id", "sku", "ean"
    ):
        codes.setdefault(pid, []).extend(code for code in (sku, ean) if code)
    category_names: dict[tuple[int, str], list[str]] = {}
    for category, language, path in CategoryText.objects.values_list(
        "category_id", "language_id", "name_path"
    ):
        if isinstance(path, list):
            category_names[category, language] = [str(name) for name in path]
    brands = dict(Brand.objects.values_list("pk", "name"))
    collections = dict(Collection.objects.values_list("pk", "name"))

    documents = []
    for product in products:
        pid = product["pk"]
        own = texts.get(pid, {})
        fixed_labels = [
            brands.get(product["brand_id"], ""),
            collections.get(product["collection_id"], ""),
            product["variant_name"],
        ]
        product_codes = " ".join(
            dict.fromkeys([product["sku"], product["product_sku"], *codes.get(pid, [])])
        )
        for language, _ in languages:
            name, body = own.get(language) or own.get(default) or ("", "")
            labels: list[str] = []
            for category in placements.get(pid, []):
                path = category_names.get((category, language)) or category_names.get(
                    (category, default), []
                )
                labels.extend(path)
            labels.extend(fixed_labels)
            documents.append(
                SearchDocument(
                    product_id=pid,
                    language_id=language,
                    config=algorithm(language),
                    name=name[:255],
                    folded_name=" ".join(words(name))[:255],
                    labels=" ".join(dict.fromkeys(label for label in labels if label)),
                    body=body,
                    codes=product_codes.strip(),
                )
            )
    return documents
