"""The only writer of the local catalog: full and partial syncs from Centra.

- :func:`full_sync` reads the reference lists, then every market x language page by page
  (``pricelist: "all"``), upserting each page in bulk as it arrives, so memory does not grow
  with the catalog. What it did not see is removed only after everything was read: a run that
  fails half-way deletes nothing and is recorded as failed. One full sync at a time: a second
  one is recorded as skipped. Last, it rebuilds the search index (:mod:`catalog.search_index`).
- :func:`sync_products` re-reads named products in every market x language (the webhook path).
  Last, it refreshes the search documents of the products whose text, items, categories or
  own fields changed, and it announces its changes in one notice when it ends.
- :func:`refresh_reference` re-reads named reference lists (markets, pricelists, categories...).

Every run is a :class:`~catalog.models.SyncRun` with its counts, calls and error. What a run has
seen, and what it will remove, is kept in the rows' ``last_seen_run`` column (see
:mod:`catalog.upsert`), not in memory; a run over an unchanged catalog rewrites no content row.
Changes are announced with :data:`catalog.signals.catalog_changed`.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection, reset_queries, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from catalog import mapping, search_index
from catalog.mapping import Known
from catalog.models import (
    Brand,
    Category,
    CategoryText,
    Collection,
    Country,
    Language,
    Market,
    Pricelist,
    Product,
    ProductMarket,
    ProductText,
    RelatedProduct,
    State,
    SyncRun,
)
from catalog.readahead import PageReadError, read_ahead
from catalog.signals import catalog_changed, sync_finished
from catalog.sync_tables import (
    BRAND,
    CATEGORY,
    CATEGORY_TEXT,
    COLLECTION,
    COUNT_LABELS,
    COUNTRY,
    ITEM,
    LANGUAGE,
    MARKET,
    MARKET_LINK,
    PRICE,
    PRICELIST,
    PRODUCT,
    PRODUCT_CATEGORY,
    PRODUCT_OWN,
    REFERENCE_KINDS,
    REFERENCE_MODELS,
    RELATED,
    STATE,
    TEXT,
)
from catalog.upsert import DOOMED, Counts, Spec, delete, existing_rows, upsert
from centra import catalog_api
from centra.client import CentraClient
from centra.connection import get_client
from centra.errors import CentraError

__all__ = [
    "COUNT_LABELS",
    "REFERENCE_KINDS",
    "SyncProgress",
    "full_sync",
    "last_runs",
    "refresh_reference",
    "sync_products",
]

log = logging.getLogger(__name__)

# A running sync whose heartbeat is older than this lost its worker.
STALE_AFTER = timedelta(minutes=10)
# At most one heartbeat write per this many seconds (pages take milliseconds).
HEARTBEAT_SECONDS = 2.0
# Ids per `POST products` filter in a partial sync (Centra lists at most 1000 per filter).
MAX_IDS_PER_CALL = 1000
# Products per removal statement and per change notice.
BATCH = 1000
# The product-owned tables a search document is made of (catalog.search_index).
SEARCHED: Final = (ITEM, PRODUCT_CATEGORY)
MAX_ERROR_LENGTH = 2000
_MASK = "********"
_Item = TypeVar("_Item")


@dataclass(frozen=True)
class SyncProgress:
    """Where a full sync is, after each page is written."""

    run_id: int
    market: int
    language: str
    pass_number: int  # 1-based, over markets x languages
    passes: int
    page: int  # 1-based within the pass
    fetched: int  # products received so far in this pass
    total: int  # the pass's productCount
    pages_done: int  # over the whole run


ProgressCallback = Callable[[SyncProgress], None]


# -- entry points ---------------------------------------------------------------------------------


def full_sync(
    *,
    trigger: str,
    client: CentraClient | None = None,
    page_size: int | None = None,
    progress: ProgressCallback | None = None,
) -> SyncRun:
    """Copy the whole catalog from Centra; see the module docstring. Returns the run, whatever
    became of it (succeeded, failed with its error, or skipped)."""
    _check_trigger(trigger)
    size = page_size or settings.CATALOG_SYNC_PAGE_SIZE
    if size < 1:
        raise ValueError("page_size must be at least 1")
    run = _claim_full_run(trigger)
    if run.status == SyncRun.Status.SKIPPED:
        return run
    return _execute(run, client, lambda ctx: _full(ctx, size, progress))


#: How a partial run's notes start the list of ids Centra did not answer in any market.
UNKNOWN_NOTE: Final = "not in Centra (in no market): "


def unknown_products(run: SyncRun) -> list[int]:
    """The ids of a partial run that Centra did not answer in any market."""
    for note in run.notes.split("; "):
        if note.startswith(UNKNOWN_NOTE):
            return [int(pid) for pid in note.removeprefix(UNKNOWN_NOTE).split(", ") if pid]
    return []


def sync_products(
    product_ids: Iterable[int | str], *, trigger: str, client: CentraClient | None = None
) -> SyncRun:
    """Re-read these products in every market x language, a batch of ids per call. A product
    that no longer comes back in a market leaves it; one in no market is deleted."""
    _check_trigger(trigger)
    ids = _clean_ids(product_ids)
    run = SyncRun.objects.create(
        kind=SyncRun.Kind.PARTIAL, trigger=trigger, product_ids=ids, heartbeat_at=timezone.now()
    )
    return _execute(run, client, lambda ctx: _partial(ctx, ids))


def refresh_reference(
    kinds: Iterable[str], *, trigger: str, client: CentraClient | None = None
) -> SyncRun:
    """Re-read the named reference lists (webhook keys ``categories``, ``brands``, ``markets``,
    ``pricelists``; also ``languages``, ``countries``, ``collections``) and remove the objects
    gone from them. Markets and pricelists bring countries along, whose defaults name them.
    Other kinds are ignored (and noted on the run)."""
    _check_trigger(trigger)
    asked = set(kinds)
    wanted = asked & set(REFERENCE_KINDS)
    if wanted & {"markets", "pricelists"}:
        wanted.add("countries")
    if "categories" in wanted and not Language.objects.exists():
        # Category names come per language: with none known yet, read them too.
        wanted.add("languages")
    run = SyncRun.objects.create(
        kind=SyncRun.Kind.REFERENCE, trigger=trigger, heartbeat_at=timezone.now()
    )

    def work(ctx: _Context) -> None:
        ctx.notes.append("kinds: " + (", ".join(sorted(wanted)) or "none"))
        if ignored := asked - wanted:
            ctx.notes.append("ignored: " + ", ".join(sorted(ignored)))
        if wanted:
            _read_reference(ctx, wanted)
            _remove_unseen_reference(ctx, wanted)

    return _execute(run, client, work)


# -- one run --------------------------------------------------------------------------------------


class _Context:
    """The state of one run: its counts, calls, and the reference ids it may point at."""

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.client: CentraClient | None = None
        self.calls = 0
        self._calls_lock = threading.Lock()
        self.pages = 0
        self.counts = Counts(COUNT_LABELS)
        self.known = Known()
        self.markets: list[int] = []
        self.languages: list[str] = []  # the default language first
        # Reference kinds read during this run: never read twice.
        self.read: set[str] = set()
        self.notes: list[str] = []
        self.where = "starting"
        self._last_beat = 0.0
        # A partial run holds its product change notices and sends one when it ends (None:
        # each is sent as its transaction commits, as a full run does page by page).
        self.held: set[int] | None = None
        # Products whose search documents read a row this run changed (partial runs).
        self.searched: set[int] = set()

    @property
    def mark(self) -> int:
        return self.run.pk

    @property
    def api(self) -> CentraClient:
        assert self.client is not None, "a run's client is set before its first call"
        return self.client

    def fetch(self, where: str, read: Callable[..., _Item], **kwargs: Any) -> _Item:
        self.where = where
        self._count_call()
        return read(self.api, **kwargs)

    def read_page(self, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
        """One ``POST products`` page; safe to call from the reader thread."""
        self._count_call()
        return catalog_api.products_page(self.api, **kwargs)

    def _count_call(self) -> None:
        with self._calls_lock:
            self.calls += 1

    def heartbeat(self) -> None:
        """After each page: show progress (calls, counts) and that the worker is alive."""
        now = time.monotonic()
        if now - self._last_beat >= HEARTBEAT_SECONDS:
            self._last_beat = now
            SyncRun.objects.filter(pk=self.run.pk).update(
                heartbeat_at=timezone.now(), calls=self.calls, counts=self.counts.as_dict()
            )
        # With DEBUG on, Django keeps every query's SQL: thousands of bulk inserts add up.
        if settings.DEBUG and not connection.force_debug_cursor:
            reset_queries()


def _execute(
    run: SyncRun, client: CentraClient | None, work: Callable[[_Context], None]
) -> SyncRun:
    ctx = _Context(run)
    try:
        ctx.client = client if client is not None else get_client()
        work(ctx)
    except Exception as exc:
        if isinstance(exc, PageReadError):
            ctx.where = exc.where
            exc = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
        log.warning("%s sync #%s failed at %s", run.kind, run.pk, ctx.where, exc_info=exc)
        run.failure = exc
        _finish(ctx, SyncRun.Status.FAILED, f"{ctx.where}: {_describe(exc)}")
    except BaseException:
        _finish(ctx, SyncRun.Status.FAILED, f"{ctx.where}: interrupted")
        _close(ctx)
        raise
    else:
        _finish(ctx, SyncRun.Status.SUCCEEDED)
        changed = frozenset(ctx.counts.changed(REFERENCE_MODELS))
        if changed:
            _announce(ctx, (), changed)
        log.info(
            "%s sync #%s succeeded: %d calls, %d created, %d updated, %d deleted",
            run.kind,
            run.pk,
            ctx.calls,
            ctx.counts.total("created"),
            ctx.counts.total("updated"),
            ctx.counts.total("deleted"),
        )
    _close(ctx)
    return run


def _finish(ctx: _Context, status: str, error: str = "") -> None:
    run = ctx.run
    run.status = status
    run.finished_at = run.heartbeat_at = timezone.now()
    run.counts = ctx.counts.as_dict()
    run.calls = ctx.calls
    run.error = error[:MAX_ERROR_LENGTH]
    run.notes = "; ".join(ctx.notes)
    run.save()


def _describe(exc: BaseException) -> str:
    # CentraError messages name the call and Centra's answer, never a secret; anything else is
    # masked in case it quotes the configuration.
    text = f"{type(exc).__name__}: {exc.message if isinstance(exc, CentraError) else exc}"
    if settings.CENTRA_SHARED_SECRET:
        text = text.replace(settings.CENTRA_SHARED_SECRET, _MASK)
    return text


def _check_trigger(trigger: str) -> None:
    if trigger not in SyncRun.Trigger.values:
        raise ValueError(f"unknown trigger {trigger!r}; one of {', '.join(SyncRun.Trigger.values)}")


def _clean_ids(product_ids: Iterable[int | str]) -> list[int]:
    ids = []
    for value in product_ids:
        number = mapping.as_int(value)
        if number is None:
            raise ValueError(f"not a product id: {value!r}")
        ids.append(number)
    return sorted(set(ids))


def _claim_full_run(trigger: str) -> SyncRun:
    """Record a running full sync, or a skipped one when another is running: the partial
    unique constraint on SyncRun is the lock, so it holds across processes and machines."""
    now = timezone.now()
    # Runs of any kind whose worker died stay "running" until someone says otherwise.
    SyncRun.objects.filter(
        status=SyncRun.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    ).update(
        status=SyncRun.Status.FAILED,
        finished_at=now,
        error=f"abandoned: no progress for {STALE_AFTER} (its worker stopped)",
    )
    running = SyncRun.objects.filter(kind=SyncRun.Kind.FULL, status=SyncRun.Status.RUNNING)
    try:
        with transaction.atomic():
            return SyncRun.objects.create(kind=SyncRun.Kind.FULL, trigger=trigger, heartbeat_at=now)
    except IntegrityError:
        holder = running.values_list("pk", flat=True).first()
        log.info("full sync skipped: #%s is running", holder)
        return SyncRun.objects.create(
            kind=SyncRun.Kind.FULL,
            trigger=trigger,
            status=SyncRun.Status.SKIPPED,
            finished_at=now,
            notes=f"skipped: full sync #{holder} is running",
        )


# -- full and partial runs ------------------------------------------------------------------------


def _full(ctx: _Context, page_size: int, progress: ProgressCallback | None) -> None:
    _read_reference(ctx, set(REFERENCE_KINDS))
    # Relations do not depend on the language: their (heavier) full form is read once per
    # market, in its first language.
    passes = [(m, lang, lang == ctx.languages[0]) for m in ctx.markets for lang in ctx.languages]
    first_totals: dict[int, int] = {}
    stable = True
    fetched = 0
    with closing(read_ahead(ctx.read_page, passes, page_size)) as pages:
        for page in pages:
            ctx.where = page.where
            # Products that come or go while a pass pages along shift its pages: one that
            # still exists may have been skipped.
            first = first_totals.setdefault(page.pass_number, page.total)
            stable = stable and page.total == first
            _write_page(ctx, page.products, page.market, page.language, page.related)
            fetched = len(page.products) + (fetched if page.number > 1 else 0)
            if progress is not None:
                progress(
                    SyncProgress(
                        run_id=ctx.mark,
                        market=page.market,
                        language=page.language,
                        pass_number=page.pass_number,
                        passes=len(passes),
                        page=page.number,
                        fetched=fetched,
                        total=page.total,
                        pages_done=ctx.pages,
                    )
                )
    if not stable:
        ctx.notes.append(
            "the catalog changed while it was read: removals of products, market links and "
            "relations wait for the next run"
        )
    ctx.where = "removing what was not seen"
    _remove_unseen_full(ctx, products_too=stable)
    # Once, after the whole catalog is in: cheaper than following every page's changes.
    ctx.where = "rebuilding the search index"
    search_index.rebuild()
    ctx.where = "refreshing the planner's statistics"
    _analyze_catalog_tables()


def _analyze_catalog_tables() -> None:
    """A full sync may rewrite most of the catalog at once: PostgreSQL's planner statistics
    (refreshed by autovacuum only later, or never where it is off) would describe the old
    tables, and one listing query was seen taking 68 ms instead of 2 ms until ANALYZE ran."""
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table
        for model in apps.get_app_config("catalog").get_models()
        if not model._meta.proxy and model._meta.managed
    ]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _partial(ctx: _Context, ids: list[int]) -> None:
    # One change notice for the whole run, not one per market x language page: each notice
    # drops the page cache everywhere, and its listeners' work is per notice.
    ctx.held = set()
    ctx.known = _known_from_db()
    ctx.markets, ctx.languages = _markets_and_languages(ctx.known)
    if not ctx.markets or not ctx.languages:
        _read_reference(ctx, set(REFERENCE_KINDS))
    size = min(settings.CATALOG_SYNC_PAGE_SIZE, MAX_IDS_PER_CALL)
    seen: set[int] = set()
    passes = [(m, lang, lang == ctx.languages[0]) for m in ctx.markets for lang in ctx.languages]
    for batch in _chunks(ids, size):
        # The next markets x languages are read while this one is written, as in a full sync:
        # a webhook burst's products are fresh sooner. A batch is one small page per pass, so
        # the reader may run all of them ahead instead of waiting for each write.
        read = functools.partial(ctx.read_page, product_ids=batch)
        with closing(read_ahead(read, passes, len(batch), ahead=len(passes))) as pages:
            for page in pages:
                ctx.where = f"products {batch[0]}..{batch[-1]} in {page.where}"
                _write_page(ctx, page.products, page.market, page.language, page.related)
                seen.update(
                    pid
                    for data in page.products
                    if isinstance(data, dict) and (pid := mapping.product_id(data)) is not None
                )
    # Centra filters by the ids asked for and leaves out the ones it does not have: an id that
    # came back in no market is unknown to the Checkout API (or sold nowhere), and is said so.
    if unknown := [pid for pid in ids if pid not in seen]:
        ctx.notes.append(UNKNOWN_NOTE + ", ".join(str(pid) for pid in unknown))
    ctx.where = "removing what was not seen"
    stale = Q(last_seen_run__lt=ctx.mark)
    with transaction.atomic():
        for batch in _chunks(ids, BATCH):
            for model in (ProductMarket, RelatedProduct):
                _delete_announced(ctx, model.objects.filter(stale, product_id__in=batch))
            for spec in PRODUCT_OWN:
                doomed = spec.objects.filter(last_seen_run=DOOMED, product_id__in=batch)
                gone = _delete_announced(ctx, doomed)
                if spec in SEARCHED:
                    ctx.searched |= gone
            ctx.searched |= _delete_marketless(ctx, Product.objects.filter(pk__in=batch))
    # Once for the run, and only for the products whose documents changed: a price, a market
    # link or a relation is not in a document (a burst of price edits refreshes nothing).
    if ctx.searched:
        ctx.where = "refreshing the search index"
        search_index.refresh(ctx.searched)


# -- one page of products -------------------------------------------------------------------------


def _write_page(
    ctx: _Context, products: list[dict[str, Any]], market: int, language: str, related: bool
) -> None:
    """Upsert one answer of ``POST products`` for ``market`` and ``language`` in one
    transaction. A product's own rows (items, prices, categories) are reconciled the first time
    the run meets it, its text in each language in its first market, its market link and
    relations in every market."""
    parsed: dict[int, dict[str, Any]] = {}
    for data in products:
        pid = mapping.product_id(data) if isinstance(data, dict) else None
        if pid is not None:
            parsed[pid] = data
    ids = list(parsed)
    mark = ctx.mark
    # Where this run has already met each product: markets are read one after the other, each
    # in every language, so one met in an earlier market needs nothing but this market's link.
    met: dict[int, set[int]] = {}
    links = ProductMarket.objects.filter(product_id__in=ids, last_seen_run__gte=mark)
    for pid, market_id in links.values_list("product_id", "market_id"):
        met.setdefault(pid, set()).add(market_id)
    fresh = [p for p in ids if p not in met]
    texts_due = [p for p in ids if met.get(p, set()) <= {market}]
    _read_missing_reference(ctx, [parsed[p] for p in fresh])
    known, counts = ctx.known, ctx.counts
    changed: set[int] = set()
    searched: set[int] = set()
    with transaction.atomic():
        if fresh:
            current = existing_rows(PRODUCT, Product.objects.filter(pk__in=fresh))
            rows = [mapping.product_row(parsed[p], p, known) for p in fresh]
            owners = upsert(PRODUCT, rows, current, mark, counts)
            changed |= owners
            searched |= _document_changes(ctx, PRODUCT, rows, current, owners)
            own_rows = (
                (ITEM, [r for p in fresh for r in mapping.item_rows(parsed[p], p)]),
                (PRICE, [r for p in fresh for r in mapping.price_rows(parsed[p], p, known)]),
                (
                    PRODUCT_CATEGORY,
                    [r for p in fresh for r in mapping.category_rows(parsed[p], p, known)],
                ),
            )
            for spec, rows in own_rows:
                current = existing_rows(spec, spec.objects.filter(product_id__in=fresh))
                owners = upsert(spec, rows, current, mark, counts)
                changed |= owners
                searched |= _document_changes(ctx, spec, rows, current, owners)
        if texts_due:
            texts = [mapping.text_row(parsed[p], p, language) for p in texts_due]
            current = existing_rows(
                TEXT, ProductText.objects.filter(product_id__in=texts_due, language_id=language)
            )
            owners = upsert(TEXT, texts, current, mark, counts)
            changed |= owners
            searched |= _document_changes(ctx, TEXT, texts, current, owners)
        rows = [mapping.market_row(p, market) for p in ids]
        scope: QuerySet[Any] = ProductMarket.objects.filter(product_id__in=ids, market_id=market)
        changed |= upsert(MARKET_LINK, rows, existing_rows(MARKET_LINK, scope), mark, counts)
        if related:
            rows = [row for p in ids for row in mapping.related_rows(parsed[p], p)]
            scope = RelatedProduct.objects.filter(product_id__in=ids)
            changed |= upsert(RELATED, rows, existing_rows(RELATED, scope), mark, counts)
        ctx.pages += 1
        ctx.heartbeat()
        ctx.searched |= searched
        if changed:
            _announce(ctx, changed, frozenset())


def _document_changes(
    ctx: _Context,
    spec: Spec,
    rows: list[dict[str, Any]],
    existing: dict[tuple[Any, ...], dict[str, Any]],
    owners: set[int],
) -> set[int]:
    """The products among ``owners`` (whose ``spec`` rows were just written) whose search
    documents read what changed: a new row, or a new value in a field a document is made of
    (:data:`catalog.search_index.DOCUMENT_FIELDS`); a new price or stock level is in none.
    Only a partial run asks: a full run rebuilds every document at its end."""
    fields = search_index.DOCUMENT_FIELDS.get(spec.name)
    if fields is None or not owners or ctx.held is None:
        return set()
    assert spec.owner is not None
    touched = set()
    for row in rows:
        owner = row[spec.owner]
        if owner in owners and owner not in touched:
            old = existing.get(tuple(row[a] for a in spec.key))
            if old is None or any(old[f] != row[f] for f in fields):
                touched.add(owner)
    return touched


def _read_missing_reference(ctx: _Context, products: Iterable[dict[str, Any]]) -> None:
    """A product may name a brand, category... created after the reference lists were read:
    re-read such a list once per run instead of dropping the link."""
    missing = {
        kind
        for kind, ids in mapping.referenced(products).items()
        if ids - getattr(ctx.known, kind) and kind not in ctx.read
    }
    if missing:
        _read_reference(ctx, missing)


# -- reference data -------------------------------------------------------------------------------


_READERS: dict[str, Callable[[CentraClient], list[dict[str, Any]]]] = {
    "languages": catalog_api.languages,
    "markets": catalog_api.markets,
    "pricelists": catalog_api.pricelists,
    "countries": catalog_api.countries,
    "brands": catalog_api.brands,
    "collections": catalog_api.collections,
}


def _read_reference(ctx: _Context, kinds: set[str]) -> None:
    """Fetch the named reference lists, then upsert them all in one transaction."""
    ctx.read |= kinds
    fetched = {kind: ctx.fetch(kind, read) for kind, read in _READERS.items() if kind in kinds}
    known = _known_from_db()
    if "languages" in fetched:
        rows = mapping.language_rows(fetched["languages"])
        languages = [r["code"] for r in sorted(rows, key=lambda r: not r["is_default"])]
    else:
        languages = _markets_and_languages(known)[1]
    trees = {}
    if "categories" in kinds:
        trees = {
            lang: ctx.fetch(f"categories in {lang}", catalog_api.categories, language=lang)
            for lang in languages
        }

    mark, counts = ctx.mark, ctx.counts

    def put(spec: Spec, rows: list[dict[str, Any]], ids: str | None = None) -> None:
        upsert(spec, rows, existing_rows(spec, spec.objects.all()), mark, counts)
        if ids is not None:
            setattr(known, ids, {row[spec.key[0]] for row in rows})

    with transaction.atomic():
        if "languages" in fetched:
            put(LANGUAGE, mapping.language_rows(fetched["languages"]), "languages")
        if "markets" in fetched:
            put(MARKET, mapping.market_rows(fetched["markets"]), "markets")
        if "pricelists" in fetched:
            put(PRICELIST, mapping.pricelist_rows(fetched["pricelists"]), "pricelists")
        if "countries" in fetched:
            put(COUNTRY, mapping.country_rows(fetched["countries"], known))
            put(STATE, mapping.state_rows(fetched["countries"]))
        if "brands" in fetched:
            put(BRAND, mapping.brand_rows(fetched["brands"]), "brands")
        if "collections" in fetched:
            put(COLLECTION, mapping.collection_rows(fetched["collections"]), "collections")
        if trees:
            put(CATEGORY, mapping.category_rows_of_tree(trees[languages[0]]), "categories")
            texts = [
                row
                for lang, tree in trees.items()
                for row in mapping.category_text_rows(tree, lang)
                if row["category_id"] in known.categories
            ]
            put(CATEGORY_TEXT, texts)
    ctx.known = known
    ctx.markets, ctx.languages = _markets_and_languages(known)


def _known_from_db() -> Known:
    return Known(
        markets=set(Market.objects.values_list("pk", flat=True)),
        pricelists=set(Pricelist.objects.values_list("pk", flat=True)),
        languages=set(Language.objects.values_list("pk", flat=True)),
        brands=set(Brand.objects.values_list("pk", flat=True)),
        collections=set(Collection.objects.values_list("pk", flat=True)),
        categories=set(Category.objects.values_list("pk", flat=True)),
    )


def _markets_and_languages(known: Known) -> tuple[list[int], list[str]]:
    languages = Language.objects.filter(pk__in=known.languages).order_by("-is_default", "code")
    return sorted(known.markets), list(languages.values_list("pk", flat=True))


# -- removals -------------------------------------------------------------------------------------


def _remove_unseen_full(ctx: _Context, *, products_too: bool) -> None:
    """After a complete read: remove the market links and relations not seen by this run (nor
    by a partial run that overlapped it: that one read Centra later than this run's page did),
    the products no market sells any more, the items, prices and category links doomed while
    reading, and the reference rows not seen."""
    overlapping = SyncRun.objects.filter(pk__lt=ctx.mark).exclude(kind=SyncRun.Kind.FULL)
    alive = timezone.now() - STALE_AFTER
    overlapping = overlapping.filter(
        Q(status=SyncRun.Status.RUNNING, heartbeat_at__gte=alive)
        | Q(finished_at__gte=ctx.run.started_at)
    )
    stale = Q(last_seen_run__lt=ctx.mark) & ~Q(
        last_seen_run__in=list(overlapping.values_list("pk", flat=True))
    )
    with transaction.atomic():
        if products_too:
            _delete_announced(ctx, ProductMarket.objects.filter(stale))
        delete(Market.objects.filter(stale), ctx.counts)
        if products_too:
            _delete_marketless(ctx, Product.objects.all())
            _delete_announced(ctx, RelatedProduct.objects.filter(stale))
        # Each was doomed by a whole answer about its product: a shifted page cannot cause it.
        for spec in PRODUCT_OWN:
            _delete_announced(ctx, spec.objects.filter(last_seen_run=DOOMED))
        for model in (Language, Pricelist, CategoryText, Category, Brand, Collection, State):
            delete(model.objects.filter(stale), ctx.counts)
        delete(Country.objects.filter(stale), ctx.counts)


def _remove_unseen_reference(ctx: _Context, kinds: set[str]) -> None:
    stale = Q(last_seen_run__lt=ctx.mark)
    ctx.where = "removing what was not seen"
    with transaction.atomic():
        for kind in kinds:
            for spec in REFERENCE_KINDS[kind]:
                delete(spec.objects.filter(stale), ctx.counts)
        if "markets" in kinds:
            _delete_marketless(ctx, Product.objects.all())


def _delete_marketless(ctx: _Context, scope: QuerySet[Product]) -> set[int]:
    """Delete the products of ``scope`` that no market sells, a batch at a time so that
    Django's cascade never loads a whole catalog; returns the ids when ``ctx`` holds its
    notices (a partial run's handful), else an empty set."""
    marketless = scope.filter(~Exists(ProductMarket.objects.filter(product=OuterRef("pk"))))
    deleted: set[int] = set()
    while ids := list(marketless.values_list("pk", flat=True)[:BATCH]):
        delete(Product.objects.filter(pk__in=ids), ctx.counts)
        _announce(ctx, ids, frozenset())
        if ctx.held is not None:
            deleted.update(ids)
    return deleted


def _delete_announced(ctx: _Context, queryset: QuerySet) -> set[int]:
    """Delete product-owned rows and announce their products; returns the products when
    ``ctx`` holds its notices (a partial run's handful), else an empty set."""
    owners = queryset.order_by().values_list("product_id", flat=True).distinct()
    announced: set[int] = set()
    for ids in _chunks(owners.iterator(chunk_size=BATCH), BATCH):
        _announce(ctx, ids, frozenset())
        if ctx.held is not None:
            announced.update(ids)
    delete(queryset, ctx.counts)
    return announced


def _announce(ctx: _Context, product_ids: Iterable[int], kinds: frozenset[str]) -> None:
    if ctx.held is not None and not kinds:
        ctx.held.update(product_ids)
        return
    _send(ctx, frozenset(product_ids), kinds)


def _close(ctx: _Context) -> None:
    """The run's last word: what it held back, then that it is over (failed or not)."""
    _release(ctx)
    run = ctx.run
    transaction.on_commit(lambda: sync_finished.send(sender=SyncRun, run=run))


def _release(ctx: _Context) -> None:
    """Send the notice a partial run held for its products (failed or not: what it wrote
    before failing is committed)."""
    if ctx.held:
        ids, ctx.held = frozenset(ctx.held), set()
        _send(ctx, ids, frozenset())


def _send(ctx: _Context, ids: frozenset[int], kinds: frozenset[str]) -> None:
    run = ctx.run
    transaction.on_commit(
        lambda: catalog_changed.send(sender=SyncRun, run=run, product_ids=ids, kinds=kinds)
    )


def _chunks(values: Iterable[_Item], size: int) -> Iterator[list[_Item]]:
    chunk: list[_Item] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def last_runs(limit: int = 10) -> list[SyncRun]:
    """The latest runs, newest first (for ``centra_sync --status``)."""
    return list(SyncRun.objects.order_by("-started_at", "-pk")[:limit])
