"""Product listings (category pages, search results): filters, facets, sorting, pagination.

- **Filters** are combinable: values of one facet are OR'd, facets are AND'd. They travel in
  the query string (``brand=3&brand=5&size=M&collection=21&price=500-1000&in_stock=1``).
- **Facets** count products of the listing with every filter applied except the facet's own
  (standard faceting), so picking a brand still shows the other brands' counts. A selected
  value is always listed, even when its count is 0, so it can be unselected.
- **Price ranges** are buckets of "nice" width over the listing's own price range in the
  shopper's pricelist (``500-1000`` is 500 <= price < 1000). Unpriced products (not
  purchasable there) fall in no bucket.
- **Sorts**: ``centra`` (Centra's order in the category, the default there), ``relevance``
  (search, the default there), ``newest`` (the default elsewhere), ``price_asc``,
  ``price_desc`` (unpriced products last either way) and ``name``; ties by id, so pages never
  overlap. An unknown or unavailable sort gives the default.
- **Pagination**: page 1 always exists (an empty listing has one empty page). Any other page
  beyond the last, or a page below 1, gives ``Listing.out_of_range`` with no products: the view
  answers 404 (a listing URL that does not exist should not pretend to be another page).

The number of SQL queries is fixed whatever the page size: seven for a category (counts, three
grouped facets, the price range, its buckets, the page); four for a search (the text match,
what the facets need of the found products and of their items, counted in Python, and the
page; one more for the exact SKU/EAN match of a query with a digit, see :mod:`catalog.search`;
a search that finds nothing tries its "did you mean" instead); one more when a selected brand
or collection is no longer in the listing (its name).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext, gettext_noop

from catalog import search as text_search
from catalog.cards import (
    ProductCard,
    card_from_row,
    card_queryset,
    cards_for,
    has_stock,
    listed_products,
    ordered_cards,
    with_price,
    with_texts,
)
from catalog.categories import CategoryPage, category_index
from catalog.context import ShopperContext
from catalog.models import Brand, Collection, Item, Product, ProductCategory
from catalog.money import format_money
from catalog.stock import AVAILABLE

PER_PAGE: Final = 48
MAX_VALUES_PER_FILTER: Final = 50
PRICE_BUCKETS: Final = 6  # roughly how many price ranges a listing offers
# A price filter's bounds: no price is near a trillion, and the database's numeric column
# (and Decimal's context) overflow on exponents like 1E+1000000 long before that.
MAX_PRICE: Final = Decimal(10) ** 12
# More ranges than a listing offers (PRICE_BUCKETS) are not a shopper's choice.
MAX_PRICE_RANGES: Final = 2 * PRICE_BUCKETS
_DIGITS: Final = re.compile(r"[0-9]+")
_AMOUNT: Final = re.compile(r"[0-9]{1,13}(\.[0-9]{1,4})?")

# Translated when a listing is built (in the shopper's language; the listing is cached per it).
SORT_LABELS: Final = {
    "relevance": gettext_noop("Relevance"),
    "centra": gettext_noop("Recommended"),
    "newest": gettext_noop("Newest"),
    "price_asc": gettext_noop("Price, low to high"),
    "price_desc": gettext_noop("Price, high to low"),
    "name": gettext_noop("Name"),
}


# -- what the shopper asked for ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceRange:
    low: Decimal
    high: Decimal | None  # None: no upper bound

    @property
    def key(self) -> str:
        high = _plain(self.high) if self.high is not None else ""
        return f"{_plain(self.low)}-{high}"

    @classmethod
    def parse(cls, text: str) -> PriceRange | None:
        low_text, dash, high_text = text.strip().partition("-")
        if not dash:
            return None
        # Plain decimals only ("500", "99.95"): no exponent, sign, "NaN" or non-ASCII digit.
        if any(part and not _AMOUNT.fullmatch(part) for part in (low_text, high_text)):
            return None
        low = Decimal(low_text) if low_text else Decimal(0)
        high = Decimal(high_text) if high_text else None
        if low > MAX_PRICE or (high is not None and (high <= low or high > MAX_PRICE)):
            return None
        return cls(low, high)

    def sort_key(self) -> tuple[Decimal, bool, Decimal]:
        return (self.low, self.high is None, self.high or Decimal(0))

    def q(self) -> Q:
        condition = Q(price_amount__gte=self.low)
        if self.high is not None:
            condition &= Q(price_amount__lt=self.high)
        return condition


def _plain(amount: Decimal) -> str:
    """500 rather than 5E+2 or 500.0000."""
    return format(amount.normalize(), "f")


@dataclass(frozen=True, slots=True)
class ListingFilters:
    brands: tuple[int, ...] = ()
    sizes: tuple[str, ...] = ()
    collections: tuple[int, ...] = ()
    prices: tuple[PriceRange, ...] = ()
    in_stock: bool = False

    @classmethod
    def from_query(cls, query: Any) -> ListingFilters:
        """From a ``QueryDict`` (or a mapping of lists); values that make no sense are dropped."""
        brands = {n for v in _values(query, "brand") if (n := _int(v)) is not None}
        collections = {n for v in _values(query, "collection") if (n := _int(v)) is not None}
        prices = {r for v in _values(query, "price") if (r := PriceRange.parse(v)) is not None}
        in_stock = _values(query, "in_stock")
        return cls(
            brands=tuple(sorted(brands)),
            sizes=tuple(sorted({v for v in _values(query, "size") if v})),
            collections=tuple(sorted(collections)),
            prices=tuple(sorted(prices, key=PriceRange.sort_key))[:MAX_PRICE_RANGES],
            in_stock=bool(in_stock) and in_stock[-1] in ("1", "on", "true"),
        )

    def to_query(self) -> list[tuple[str, str]]:
        pairs = [("brand", str(b)) for b in self.brands]
        pairs += [("size", s) for s in self.sizes]
        pairs += [("collection", str(c)) for c in self.collections]
        pairs += [("price", r.key) for r in self.prices]
        if self.in_stock:
            pairs.append(("in_stock", "1"))
        return pairs

    @property
    def active(self) -> bool:
        return bool(self.brands or self.sizes or self.collections or self.prices or self.in_stock)


def _values(query: Any, key: str) -> list[str]:
    if hasattr(query, "getlist"):
        values = query.getlist(key)
    else:
        raw = query.get(key, []) if isinstance(query, Mapping) else []
        values = [raw] if isinstance(raw, str) else list(raw)
    return [str(v).strip()[:100] for v in values[:MAX_VALUES_PER_FILTER]]


def _int(text: str) -> int | None:
    # ASCII digits only: superscript two is a digit to str.isdigit, not to int().
    return int(text) if _DIGITS.fullmatch(text) and len(text) < 10 else None


@dataclass(frozen=True, slots=True)
class ListingRequest:
    filters: ListingFilters
    sort: str | None
    page: int  # 0 when the page parameter is not a positive number: out of range


@dataclass(frozen=True, slots=True)
class FilterValues:
    """Every value a brand, collection or size filter can take in the catalog."""

    brands: frozenset[int]
    collections: frozenset[int]
    sizes: frozenset[str]


def filter_values() -> FilterValues:
    """Three queries; callers keep the answer while the catalog is unchanged."""
    return FilterValues(
        brands=frozenset(Brand.objects.values_list("id", flat=True)),
        collections=frozenset(Collection.objects.values_list("id", flat=True)),
        sizes=frozenset(
            Item.objects.exclude(name="").order_by().values_list("name", flat=True).distinct()
        ),
    )


def needs_checking(asked: ListingRequest) -> bool:
    return bool(asked.filters.brands or asked.filters.collections or asked.filters.sizes)


def known_only(asked: ListingRequest, values: FilterValues) -> ListingRequest:
    """``asked`` without filter values the catalog does not have, so made-up values neither
    reach a query nor become cache keys of their own (the page's canonical URL carries no
    filter, so a search engine is not led to them either)."""
    filters = asked.filters
    kept = replace(
        filters,
        brands=tuple(b for b in filters.brands if b in values.brands),
        collections=tuple(c for c in filters.collections if c in values.collections),
        sizes=tuple(s for s in filters.sizes if s in values.sizes),
    )
    return replace(asked, filters=kept)


def parse_listing_query(query: Any) -> ListingRequest:
    """Filters, sort and page from a listing's query string; an unknown sort is no sort (the
    listing's default), and at most ``MAX_PRICE_RANGES`` price ranges are kept."""
    sort = [v for v in _values(query, "sort") if v in SORT_LABELS]
    page_values = _values(query, "page")
    page = 1
    if page_values:
        page = n if (n := _int(page_values[-1])) is not None and n < 1_000_000 else 0
    return ListingRequest(ListingFilters.from_query(query), sort[-1] if sort else None, page)


# -- what the listing answers -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str  # what goes in the query string
    label: str
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class Facets:
    brands: tuple[FacetValue, ...] = ()
    sizes: tuple[FacetValue, ...] = ()
    collections: tuple[FacetValue, ...] = ()
    prices: tuple[FacetValue, ...] = ()
    in_stock: FacetValue = FacetValue("1", "In stock only", 0, False)


@dataclass(frozen=True, slots=True)
class SortOption:
    key: str
    label: str
    selected: bool
    query: str  # "?sort=price_asc&brand=3": the listing sorted this way, from page 1


@dataclass(frozen=True, slots=True)
class PageLink:
    number: int
    query: str
    current: bool


@dataclass(frozen=True, slots=True)
class Listing:
    products: tuple[ProductCard, ...]
    total: int  # products matching every filter
    page: int
    per_page: int
    num_pages: int  # at least 1
    out_of_range: bool
    sort: str
    sort_options: tuple[SortOption, ...]
    filters: ListingFilters
    facets: Facets
    query: str = ""  # the search text, for search listings
    # What a search looked for when it corrected a word of the query ("" when it did not).
    searched_for: str = ""
    # For a search that found nothing: a query of the catalog's own words that finds something.
    did_you_mean: str = ""
    # The listing's query string pairs (q, filters, sort) without the page.
    base_query: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def has_next(self) -> bool:
        return not self.out_of_range and self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return not self.out_of_range and self.page > 1

    def page_query(self, page: int) -> str:
        """The query string ("?...") of another page of this listing."""
        pairs = list(self.base_query)
        if page > 1:
            pairs.append(("page", str(page)))
        return "?" + urlencode(pairs) if pairs else "?"

    @property
    def next_query(self) -> str | None:
        return self.page_query(self.page + 1) if self.has_next else None

    @property
    def previous_query(self) -> str | None:
        return self.page_query(self.page - 1) if self.has_previous else None

    @property
    def nearby_pages(self) -> tuple[PageLink, ...]:
        """The first and last pages and those within two of this one, for numbered links."""
        if self.out_of_range:
            return ()
        numbers = {1, self.num_pages, *range(self.page - 2, self.page + 3)}
        return tuple(
            PageLink(n, self.page_query(n), n == self.page)
            for n in sorted(numbers)
            if 1 <= n <= self.num_pages
        )


# -- the listing ------------------------------------------------------------------------------


def sort_keys(*, in_category: bool, searching: bool) -> tuple[str, ...]:
    first = ("relevance",) if searching else ("centra",) if in_category else ()
    return (*first, "newest", "price_asc", "price_desc", "name")


def list_products(
    ctx: ShopperContext,
    *,
    category: CategoryPage | int | None = None,
    search: str | None = None,
    filters: ListingFilters | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Listing:
    """A page of the products available in the shopper's market, in ``category`` (and its
    subcategories) or matching ``search``, with facets. See the module's docstring."""
    filters = filters or ListingFilters()
    base = listed_products(ctx)
    category_id, subtree = _category_scope(ctx, category)
    if category_id is not None:
        base = base.filter(
            Exists(ProductCategory.objects.filter(product=OuterRef("pk"), category_id__in=subtree))
        )
    scores: dict[int, float] | None = None
    query_text = searched_for = ""
    search_scope = base
    if search is not None:
        query_text = text_search.clean_query(search).text
        scores, plan = text_search.search(ctx, query_text, base)
        searched_for = " ".join(plan.terms) if plan.corrected and scores else ""
        # The found ids are products of ``base`` already: they need no market or category test.
        base = text_search.only_found(Product.objects.all(), scores)
    keys = sort_keys(in_category=category_id is not None, searching=scores is not None)
    sort = sort if sort in keys else keys[0]
    priced = with_price(base, ctx)

    found = _found_rows(priced, scores) if scores is not None else None
    if found is not None:
        counts = found.counts(filters)
    else:
        counts = _narrow(priced, filters, skip="in_stock").aggregate(
            all=Count("id"), stocked=Count("id", filter=Q(has_stock()))
        )
    total = counts["stocked"] if filters.in_stock else counts["all"]
    num_pages = max(1, math.ceil(total / per_page))
    base_query = _base_query(filters, sort, keys[0], query_text)
    listing = Listing(
        products=(),
        total=total,
        page=page,
        per_page=per_page,
        num_pages=num_pages,
        out_of_range=not 1 <= page <= num_pages,
        sort=sort,
        sort_options=_sort_options(keys, sort, filters, query_text),
        filters=filters,
        facets=Facets(),
        query=query_text,
        searched_for=searched_for,
        base_query=base_query,
    )
    if scores is not None and not scores:
        suggestion = text_search.did_you_mean(ctx, query_text, search_scope)
        listing = replace(listing, did_you_mean=suggestion)
    if listing.out_of_range:
        return listing
    if found is not None:
        facets = found.facets(ctx, filters, counts["stocked"])
    else:
        facets = _facets(ctx, priced, filters, counts["stocked"])
    if total == 0:
        return replace(listing, facets=facets)
    narrowed = with_texts(_narrow(priced, filters), ctx)
    offset = (page - 1) * per_page
    if sort == "relevance" and scores is not None and found is not None:
        ids = sorted(found.ids(filters), key=lambda pid: (-scores[pid], pid))
        page_ids = ids[offset : offset + per_page]
        products = tuple(ordered_cards(cards_for(ctx, page_ids), page_ids))
    else:
        rows = card_queryset(_sortable(narrowed, sort, category_id, subtree), ctx)
        rows = rows.order_by(*_ORDER[sort])[offset : offset + per_page]
        products = tuple(card_from_row(row, ctx) for row in rows)
    return replace(listing, products=products, facets=facets)


def _category_scope(
    ctx: ShopperContext, category: CategoryPage | int | None
) -> tuple[int | None, tuple[int, ...]]:
    if category is None:
        return None, ()
    if isinstance(category, CategoryPage):
        return category.id, category.subtree_ids
    return category, category_index(ctx).subtree.get(category, (category,))


def _narrow(queryset: QuerySet[Product], filters: ListingFilters, skip: str = "") -> QuerySet:
    """Every filter but ``skip``'s."""
    if filters.brands and skip != "brand":
        queryset = queryset.filter(brand_id__in=filters.brands)
    if filters.collections and skip != "collection":
        queryset = queryset.filter(collection_id__in=filters.collections)
    if filters.sizes and skip != "size":
        queryset = queryset.filter(
            Exists(Item.objects.filter(product=OuterRef("pk"), name__in=filters.sizes))
        )
    if filters.prices and skip != "price":
        condition = Q()
        for price_range in filters.prices:
            condition |= price_range.q()
        queryset = queryset.filter(condition)
    if filters.in_stock and skip != "in_stock":
        queryset = queryset.filter(has_stock())
    return queryset


_ORDER: Final[dict[str, tuple[Any, ...]]] = {
    "centra": (
        F("centra_sort").asc(nulls_last=True),
        F("subtree_sort").asc(nulls_last=True),
        "id",
    ),
    "newest": (F("created_at").desc(nulls_last=True), "-id"),
    "price_asc": (F("price_amount").asc(nulls_last=True), "id"),
    "price_desc": (F("price_amount").desc(nulls_last=True), "id"),
    "name": ("card_name", "id"),
}


def _sortable(
    queryset: QuerySet[Product], sort: str, category_id: int | None, subtree: Sequence[int]
) -> QuerySet[Product]:
    if sort != "centra" or category_id is None:  # only offered in a category
        return queryset
    # Centra's position in the category itself; a product only placed in a subcategory comes
    # after those, by its best position there.
    positions = ProductCategory.objects.filter(product=OuterRef("pk"))
    return queryset.annotate(
        centra_sort=Subquery(positions.filter(category_id=category_id).values("sort_order")[:1]),
        subtree_sort=Subquery(
            positions.filter(category_id__in=subtree)
            .values("product")
            .annotate(best=Min("sort_order"))
            .values("best")[:1]
        ),
    )


def _sort_options(
    keys: Iterable[str], current: str, filters: ListingFilters, query_text: str
) -> tuple[SortOption, ...]:
    options = []
    for key in keys:
        pairs = _base_query(filters, key, None, query_text)
        query = "?" + urlencode(pairs) if pairs else "?"
        options.append(SortOption(key, gettext(SORT_LABELS[key]), key == current, query))
    return tuple(options)


def _base_query(
    filters: ListingFilters, sort: str, default_sort: str | None, query_text: str
) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = [("q", query_text)] if query_text else []
    pairs += filters.to_query()
    if sort != default_sort:
        pairs.append(("sort", sort))
    return tuple(pairs)


# -- facets -----------------------------------------------------------------------------------


def _facets(
    ctx: ShopperContext, priced: QuerySet[Product], filters: ListingFilters, stocked: int
) -> Facets:
    return Facets(
        brands=_brand_facet(priced, filters),
        sizes=_size_facet(priced, filters),
        collections=_collection_facet(priced, filters),
        prices=_price_facet(ctx, priced, filters),
        in_stock=FacetValue("1", gettext("In stock only"), stocked, filters.in_stock),
    )


def _grouped(queryset: QuerySet[Product], key: str, label: str) -> dict[Any, tuple[str, int]]:
    rows = (
        queryset.exclude(**{f"{key}__isnull": True})
        .order_by()
        .values(key, label)
        .annotate(n=Count("id"))
    )
    return {row[key]: (row[label] or "", row["n"]) for row in rows}


def _brand_facet(priced: QuerySet[Product], filters: ListingFilters) -> tuple[FacetValue, ...]:
    found = _grouped(_narrow(priced, filters, skip="brand"), "brand_id", "brand__name")
    return _facet_values(found, filters.brands, Brand)


def _collection_facet(priced: QuerySet[Product], filters: ListingFilters) -> tuple[FacetValue, ...]:
    found = _grouped(
        _narrow(priced, filters, skip="collection"), "collection_id", "collection__name"
    )
    return _facet_values(found, filters.collections, Collection)


def _facet_values(
    found: Mapping[int, tuple[str, int]],
    selected: Sequence[int],
    model: type[Brand] | type[Collection],
) -> tuple[FacetValue, ...]:
    values = [
        FacetValue(str(key), label, count, key in selected) for key, (label, count) in found.items()
    ]
    missing = [key for key in selected if key not in found]
    if missing:
        # A selected value the listing no longer holds stays listed (count 0) so it can be
        # unselected; its name costs a query only in this case.
        names = dict(model.objects.filter(pk__in=missing).values_list("pk", "name"))
        values += [FacetValue(str(key), names.get(key, str(key)), 0, True) for key in missing]
    return tuple(sorted(values, key=lambda v: (v.label.casefold(), v.value)))


def _size_facet(priced: QuerySet[Product], filters: ListingFilters) -> tuple[FacetValue, ...]:
    products = _narrow(priced, filters, skip="size").values("pk")
    rows = (
        Item.objects.filter(product__in=products)
        .exclude(name="")
        .order_by()
        .values("name")
        .annotate(n=Count("product", distinct=True), first=Min("size_id"))
    )
    found = {row["name"]: (row["n"], row["first"]) for row in rows}
    for name in filters.sizes:
        found.setdefault(name, (0, ""))
    ordered = sorted(found.items(), key=lambda kv: (_size_rank(kv[1][1]), kv[0]))
    return tuple(
        FacetValue(name, name, count, name in filters.sizes) for name, (count, _) in ordered
    )


def _size_rank(size_id: str) -> tuple[int, int, str]:
    # Centra's size ids follow the size chart's order; numeric ones compare as numbers.
    if _DIGITS.fullmatch(size_id) and len(size_id) < 10:
        return (0, int(size_id), "")
    return (1, 0, size_id)


def _price_facet(
    ctx: ShopperContext, priced: QuerySet[Product], filters: ListingFilters
) -> tuple[FacetValue, ...]:
    top = priced.aggregate(top=Max("price_amount"))["top"]
    ranges = price_ranges(top)
    wanted = sorted(set(ranges) | set(filters.prices), key=PriceRange.sort_key)
    if not wanted:
        return ()
    narrowed = _narrow(priced, filters, skip="price")
    counts = narrowed.aggregate(
        **{f"r{i}": Count("id", filter=r.q()) for i, r in enumerate(wanted)}
    )
    values = []
    for i, price_range in enumerate(wanted):
        selected = price_range in filters.prices
        if counts[f"r{i}"] or selected:
            values.append(
                FacetValue(
                    price_range.key,
                    price_label(price_range, ctx.currency_format),
                    counts[f"r{i}"],
                    selected,
                )
            )
    return tuple(values)


def price_ranges(top: Decimal | None, buckets: int = PRICE_BUCKETS) -> list[PriceRange]:
    """Ranges of one "nice" width (1, 2, 2.5 or 5 times a power of ten) from 0 past ``top``."""
    if top is None or top <= 0:
        return []
    raw = top / buckets
    magnitude = Decimal(10) ** math.floor(math.log10(raw))
    for multiple in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        # Whole-number edges at least: "0 - 0.5" is no use to a shopper.
        step = max(multiple * magnitude, Decimal(1))
        if step >= raw:
            break
    count = int(top // step) + 1
    return [PriceRange(step * i, step * (i + 1)) for i in range(count)]


def price_label(price_range: PriceRange, currency_format: Mapping[str, Any]) -> str:
    low = format_money(price_range.low, currency_format, whole=True)
    if price_range.high is None:
        return gettext("%(low)s and up") % {"low": low}
    high = format_money(price_range.high, currency_format, whole=True)
    return f"{low} \N{EN DASH} {high}"


# -- facets of a search's results, counted in Python ------------------------------------------
#
# A search finds at most ``catalog.search.MAX_RESULTS`` products. Two queries fetch what the
# facets need of each (brand, collection, price, and its items' sizes and stock), and the
# counts, facets and the ids to rank are counted here: seven aggregate queries over the found
# ids cost ten times as much (``bench/search.py``). The filters and facets mean exactly what
# :func:`_narrow` and :func:`_facets` mean for a category; the tests compare both.


@dataclass(frozen=True, slots=True)
class _FoundRow:
    id: int
    brand: int | None
    brand_name: str
    collection: int | None
    collection_name: str
    price: Decimal | None
    stocked: bool  # :func:`catalog.cards.has_stock`
    sizes: dict[str, str]  # item name -> its smallest size id (names not empty)

    def keeps(self, filters: ListingFilters, skip: str = "") -> bool:
        """Whether every filter but ``skip``'s keeps this product (as :func:`_narrow`)."""
        if filters.brands and skip != "brand" and self.brand not in filters.brands:
            return False
        if (
            filters.collections
            and skip != "collection"
            and self.collection not in filters.collections
        ):
            return False
        if filters.sizes and skip != "size" and not any(s in self.sizes for s in filters.sizes):
            return False
        if (
            filters.prices
            and skip != "price"
            and not any(_in_range(self.price, r) for r in filters.prices)
        ):
            return False
        return not (filters.in_stock and skip != "in_stock" and not self.stocked)


def _in_range(price: Decimal | None, price_range: PriceRange) -> bool:
    """:meth:`PriceRange.q` for one price: an unpriced product is in no range."""
    if price is None or price < price_range.low:
        return False
    return price_range.high is None or price < price_range.high


@dataclass(frozen=True, slots=True)
class _FoundRows:
    rows: tuple[_FoundRow, ...]

    def ids(self, filters: ListingFilters) -> list[int]:
        return [row.id for row in self.rows if row.keeps(filters)]

    def counts(self, filters: ListingFilters) -> dict[str, int]:
        kept = [row for row in self.rows if row.keeps(filters, skip="in_stock")]
        return {"all": len(kept), "stocked": sum(row.stocked for row in kept)}

    def facets(self, ctx: ShopperContext, filters: ListingFilters, stocked: int) -> Facets:
        return Facets(
            brands=self._grouped(filters, "brand"),
            sizes=self._sizes(filters),
            collections=self._grouped(filters, "collection"),
            prices=self._prices(ctx, filters),
            in_stock=FacetValue("1", gettext("In stock only"), stocked, filters.in_stock),
        )

    def _grouped(self, filters: ListingFilters, facet: str) -> tuple[FacetValue, ...]:
        found: dict[int, tuple[str, int]] = {}
        for row in self.rows:
            key = row.brand if facet == "brand" else row.collection
            if key is None or not row.keeps(filters, skip=facet):
                continue
            label = row.brand_name if facet == "brand" else row.collection_name
            found[key] = (label, found.get(key, ("", 0))[1] + 1)
        if facet == "brand":
            return _facet_values(found, filters.brands, Brand)
        return _facet_values(found, filters.collections, Collection)

    def _sizes(self, filters: ListingFilters) -> tuple[FacetValue, ...]:
        found: dict[str, tuple[int, str]] = {}
        for row in self.rows:
            if not row.keeps(filters, skip="size"):
                continue
            for name, first in row.sizes.items():
                count, least = found.get(name, (0, first))
                found[name] = (count + 1, min(least, first))
        for name in filters.sizes:
            found.setdefault(name, (0, ""))
        ordered = sorted(found.items(), key=lambda kv: (_size_rank(kv[1][1]), kv[0]))
        return tuple(
            FacetValue(name, name, count, name in filters.sizes) for name, (count, _) in ordered
        )

    def _prices(self, ctx: ShopperContext, filters: ListingFilters) -> tuple[FacetValue, ...]:
        prices = [row.price for row in self.rows if row.price is not None]
        ranges = price_ranges(max(prices) if prices else None)
        wanted = sorted(set(ranges) | set(filters.prices), key=PriceRange.sort_key)
        kept = [row.price for row in self.rows if row.keeps(filters, skip="price")]
        values = []
        for price_range in wanted:
            count = sum(_in_range(price, price_range) for price in kept)
            selected = price_range in filters.prices
            if count or selected:
                label = price_label(price_range, ctx.currency_format)
                values.append(FacetValue(price_range.key, label, count, selected))
        return tuple(values)


def _found_rows(priced: QuerySet[Product], scores: Mapping[int, float]) -> _FoundRows:
    """What the facets need of every product a search found (two queries; none when it found
    nothing)."""
    if not scores:
        return _FoundRows(())
    products = priced.order_by().values_list(
        "id", "brand_id", "brand__name", "collection_id", "collection__name", F("price_amount")
    )
    rows = list(products)
    ids = [row[0] for row in rows]
    stocked: set[int] = set()
    sizes: dict[int, dict[str, str]] = {}
    items = (
        Item.objects.filter(text_search.IdIn(F("product_id"), ids))
        .order_by()
        .values_list("product_id", "name", "size_id", "stock_state")
    )
    available = {state.value for state in AVAILABLE}
    for pid, name, size_id, state in items:
        if state in available:
            stocked.add(pid)
        if name:
            own = sizes.setdefault(pid, {})
            own[name] = min(own.get(name, size_id), size_id)
    return _FoundRows(
        tuple(
            _FoundRow(
                id=pid,
                brand=brand,
                brand_name=brand_name or "",
                collection=collection,
                collection_name=collection_name or "",
                price=price,
                stocked=pid in stocked,
                sizes=sizes.get(pid, {}),
            )
            for pid, brand, brand_name, collection, collection_name, price in rows
        )
    )
