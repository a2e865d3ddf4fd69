"""Products: the catalog context, the ``POST products`` query (filters, sorting, facets) and the
Product JSON that the catalog routes and selection items embed.

Product existence depends on the market, prices on the pricelist and texts on the language, the
same three axes as Centra's; ``ProductContext`` carries one value of each (or ``"all"``).
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from centra.sandbox.http import ApiError
from centra.sandbox.money import money_pair

if TYPE_CHECKING:
    from centra.sandbox.http import Call

ALL = "all"
# The plugin's stock mode: "yes" / "few" / "no" rather than numbers. The raw count stays in
# items.stock for code that needs it (``item_stock``).
FEW_STOCK = 3
MEDIA_SIZES = ("standard", "full", "thumb")
# Centra's "Product Filter Fields": custom attribute filters, "<attribute>.<element>".
ATTRIBUTE_FILTERS = {"swatch.desc": ("swatch", "desc")}
SORT_FIELDS = (
    "uri",
    "categoryItemSort",
    "collectionUri",
    "priceAsNumber",
    "createdAt",
    "modifiedAt",
)
MAX_LIST = 1000
MAX_SEARCH = 200
MAX_URI = 1000
MAX_INT = 2**31 - 1
# SQLite's limit on bound parameters is 32766; stay well under it.
_CHUNK = 5000


@dataclass(frozen=True)
class ProductContext:
    """Where the catalog is read: a market and a pricelist (an id or ``"all"``), a language."""

    market: int | str
    pricelist: int | str
    language: str
    media_base: str = ""
    preview: bool = False
    preview_flag: str = "preview"


# -- folding for search ------------------------------------------------------------------------

_FOLD_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "þ": "th"})


@lru_cache(maxsize=65536)
def fold(text: str | None) -> str:
    """Lowercase without accents, so "Grön" and "gron" compare equal."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# -- small lookups -----------------------------------------------------------------------------


def store_defaults(db: sqlite3.Connection) -> tuple[int, int, str]:
    """The default market, pricelist and language (the first of each when none is marked)."""

    def first(sql: str) -> Any:
        row = db.execute(sql).fetchone()
        return row[0] if row else None

    market = first("SELECT id FROM markets ORDER BY is_default DESC, id LIMIT 1")
    pricelist = first("SELECT id FROM pricelists ORDER BY is_default DESC, id LIMIT 1")
    language = first("SELECT code FROM languages ORDER BY is_default DESC, code LIMIT 1")
    return market or 0, pricelist or 0, language or "en"


def stock_label(stock: int) -> str:
    if stock <= 0:
        return "no"
    return "few" if stock <= FEW_STOCK else "yes"


def item_stock(db: sqlite3.Connection, item_id: str) -> int | None:
    """The raw stock count of an item, or None when it does not exist."""
    row = db.execute("SELECT stock FROM items WHERE id = ?", (item_id,)).fetchone()
    return row[0] if row else None


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _rows_for(
    db: sqlite3.Connection, sql: str, ids: Sequence[int], params: Sequence[Any] = ()
) -> list[sqlite3.Row]:
    """Run ``sql`` (with one ``{ids}`` placeholder for an IN list) over ``ids`` in chunks."""
    rows: list[sqlite3.Row] = []
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows.extend(db.execute(sql.format(ids=marks), (*chunk, *params)).fetchall())
    return rows


# -- request arguments -------------------------------------------------------------------------


def _bad(key: str, message: str) -> ApiError:
    return ApiError(400, {key: message})


def int_arg(value: Any, key: str, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """An int from JSON (digit strings accepted, booleans not), within bounds, or a 400."""
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(key, "must be an integer")
    if value < minimum or value > maximum:
        raise _bad(key, f"must be between {minimum} and {maximum}")
    return value


def bool_arg(value: Any, key: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _bad(key, "must be true or false")
    return value


def id_list(value: Any, key: str) -> list[int]:
    """Ids given as ints or digit strings; a single id is accepted as a one-element list."""
    values = value if isinstance(value, list) else [value]
    if len(values) > MAX_LIST:
        raise _bad(key, f"at most {MAX_LIST} values")
    ids = []
    for entry in values:
        if isinstance(entry, str) and entry.strip().isdigit() and len(entry.strip()) <= 12:
            ids.append(int(entry.strip()))
        elif isinstance(entry, int) and not isinstance(entry, bool) and 0 <= entry < 10**12:
            ids.append(entry)
        else:
            raise _bad(key, "must be a list of ids")
    return ids


def string_list(value: Any, key: str, max_length: int = 200) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if len(values) > MAX_LIST:
        raise _bad(key, f"at most {MAX_LIST} values")
    if not all(isinstance(v, str) and len(v) <= max_length for v in values):
        raise _bad(key, "must be a string or a list of strings")
    return values


# -- context -----------------------------------------------------------------------------------


def _market_arg(db: sqlite3.Connection, value: Any) -> int | str:
    if value == ALL:
        return ALL
    market = int_arg(value, "market")
    if db.execute("SELECT 1 FROM markets WHERE id = ?", (market,)).fetchone() is None:
        raise ApiError(404, {"market": "not found"})
    return market


def _pricelist_arg(db: sqlite3.Connection, value: Any) -> int | str:
    if value == ALL:
        return ALL
    pricelist = int_arg(value, "pricelist")
    if db.execute("SELECT 1 FROM pricelists WHERE id = ?", (pricelist,)).fetchone() is None:
        raise ApiError(404, {"pricelist": "not found"})
    return pricelist


def _language_arg(db: sqlite3.Connection, value: Any) -> str:
    if not isinstance(value, str) or len(value) > 20:
        raise _bad("language", "must be a language code")
    if db.execute("SELECT 1 FROM languages WHERE code = ?", (value,)).fetchone() is None:
        raise ApiError(404, {"language": "not found"})
    return value


def product_context(call: Call) -> ProductContext:
    """The session's market, pricelist and language; with the shared secret the body may choose
    others (``"all"`` included) and turn on preview. Without the secret those fields are ignored,
    as Centra ignores what a browser may not set."""
    db = call.db
    market, pricelist, language = store_defaults(db)
    session = call.session
    if session is not None:
        selection = db.execute(
            "SELECT market, pricelist, language FROM selections WHERE id = ?",
            (session["selection_id"],),
        ).fetchone()
        if selection is not None:
            market = selection["market"] if selection["market"] is not None else market
            pricelist = selection["pricelist"] if selection["pricelist"] is not None else pricelist
            language = selection["language"] or language
    preview = False
    flag = call.sandbox.config.preview_flag
    if call.server:
        body = call.body
        if body.get("market") is not None:
            market = _market_arg(db, body["market"])
        if body.get("pricelist") is not None:
            pricelist = _pricelist_arg(db, body["pricelist"])
        if body.get("language") is not None:
            language = _language_arg(db, body["language"])
        preview = bool_arg(body.get(flag), flag)
    return ProductContext(
        market=market,
        pricelist=pricelist,
        language=language,
        media_base=call.sandbox.public_url(call.request),
        preview=preview,
        preview_flag=flag,
    )


# -- the query ---------------------------------------------------------------------------------


@dataclass
class ProductQuery:
    """A parsed ``POST products`` body (filters AND'd across fields, OR'd within one)."""

    products: list[int] | None = None
    categories: list[int] | None = None
    brands: list[int] | None = None
    collections: list[int] | None = None
    silk_product: int | None = None
    search: str = ""
    only_available: bool = False
    uri: str | None = None
    uri_for: list[str] = field(default_factory=list)
    item_names: list[str] | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)
    sort: list[tuple[str, str]] = field(default_factory=list)
    limit: int | None = None
    skip_first: int = 0
    related: Literal["variants", "all"] = "variants"
    # Set by POST uri for a category page: its products, sorted in its own order by default.
    within_category: int | None = None


def parse_query(body: dict[str, Any]) -> ProductQuery:
    """Validate a ``POST products`` (or ``POST uri``) body; bad values answer 400."""
    query = ProductQuery()
    for key in ("products", "categories", "brands", "collections"):
        if body.get(key) is not None:
            setattr(query, key, id_list(body[key], key))
    if body.get("silkProduct") is not None:
        query.silk_product = int_arg(body["silkProduct"], "silkProduct", maximum=10**12)
    if body.get("search") is not None:
        if not isinstance(body["search"], str):
            raise _bad("search", "must be a string")
        if len(body["search"]) > MAX_SEARCH:
            raise _bad("search", f"at most {MAX_SEARCH} characters")
        query.search = body["search"]
    query.only_available = bool_arg(body.get("onlyAvailable"), "onlyAvailable")
    query.related = (
        "all" if bool_arg(body.get("relatedProducts"), "relatedProducts") else "variants"
    )
    if body.get("uri") is not None:
        query.uri, query.uri_for = _uri_filter(body["uri"])
    if body.get("items.name") is not None:
        query.item_names = string_list(body["items.name"], "items.name")
    for key in ATTRIBUTE_FILTERS:
        if body.get(key) is not None:
            query.attributes[key] = string_list(body[key], key)
    if body.get("sortOrder") is not None:
        query.sort = _sort_order(body["sortOrder"])
    if body.get("limit") is not None:
        query.limit = int_arg(body["limit"], "limit")
    if body.get("skipFirst") is not None:
        query.skip_first = int_arg(body["skipFirst"], "skipFirst")
    return query


def _uri_filter(value: Any) -> tuple[str, list[str]]:
    if not isinstance(value, dict):
        raise _bad("uri", 'must be an object {"uri": ..., "for": [...]}')
    uri = value.get("uri")
    if not isinstance(uri, str) or len(uri) > MAX_URI:
        raise _bad("uri.uri", "must be a string")
    kinds = value.get("for", ["product", "category"])
    return uri.strip("/"), string_list(kinds, "uri.for")


def _sort_order(value: Any) -> list[tuple[str, str]]:
    entries = value if isinstance(value, list) else [value]
    if len(entries) > len(SORT_FIELDS):
        raise _bad("sortOrder", f"at most {len(SORT_FIELDS)} fields")
    sort = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("field") not in SORT_FIELDS:
            raise _bad("sortOrder", "each entry needs a field among " + ", ".join(SORT_FIELDS))
        order = entry.get("order", "asc")
        if not isinstance(order, str) or order.lower() not in ("asc", "desc"):
            raise _bad("sortOrder", 'order must be "asc" or "desc"')
        sort.append((entry["field"], order.lower()))
    return sort


class _Where:
    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "1"


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def _visible(ctx: ProductContext) -> _Where:
    """The catalog as the context sees it, before any filter."""
    where = _Where()
    if not ctx.preview:
        where.add("p.active = 1")
    if ctx.market != ALL:
        where.add(
            "EXISTS (SELECT 1 FROM product_markets m WHERE m.product_id = p.id "
            "AND m.market_id = ?)",
            ctx.market,
        )
    return where


def _priced_clause(ctx: ProductContext) -> tuple[str, list[Any]]:
    if ctx.pricelist == ALL:
        return "EXISTS (SELECT 1 FROM product_prices pp WHERE pp.product_id = p.id)", []
    return (
        "EXISTS (SELECT 1 FROM product_prices pp WHERE pp.product_id = p.id "
        "AND pp.pricelist_id = ?)",
        [ctx.pricelist],
    )


def _filters(db: sqlite3.Connection, query: ProductQuery, ctx: ProductContext) -> _Where:
    where = _visible(ctx)
    if query.products is not None:
        where.add(f"p.id IN ({_marks(query.products)})", *query.products)
    if query.categories is not None:
        where.add(
            "p.id IN (SELECT product_id FROM product_categories "  # noqa: S608
            f"WHERE category_id IN ({_marks(query.categories)}))",
            *query.categories,
        )
    if query.within_category is not None:
        where.add(
            "p.id IN (SELECT product_id FROM product_categories WHERE category_id = ?)",
            query.within_category,
        )
    if query.brands is not None:
        where.add(f"p.brand_id IN ({_marks(query.brands)})", *query.brands)
    if query.collections is not None:
        where.add(f"p.collection_id IN ({_marks(query.collections)})", *query.collections)
    if query.silk_product is not None:
        where.add("p.centra_product = ?", query.silk_product)
    if query.uri is not None:
        alternatives = []
        params: list[Any] = []
        if "product" in query.uri_for:
            alternatives.append("p.uri = ?")
            params.append(query.uri)
        if "category" in query.uri_for:
            alternatives.append(
                "p.id IN (SELECT pc.product_id FROM product_categories pc "
                "JOIN categories c ON c.id = pc.category_id WHERE c.uri = ?)"
            )
            params.append(query.uri)
        where.add("(" + (" OR ".join(alternatives) or "0") + ")", *params)
    for key, values in query.attributes.items():
        path = "$." + ".".join(f'"{part}"' for part in ATTRIBUTE_FILTERS[key])
        where.add(f"json_extract(p.attributes, ?) IN ({_marks(values)})", path, *values)
    if query.item_names is not None or query.only_available:
        item_where = "i.product_id = p.id"
        item_params: list[Any] = []
        if query.item_names is not None:
            item_where += f" AND i.name IN ({_marks(query.item_names)})"
            item_params.extend(query.item_names)
        if query.only_available:
            item_where += " AND i.stock > 0"
        where.add(f"EXISTS (SELECT 1 FROM items i WHERE {item_where})", *item_params)  # noqa: S608
    if query.only_available:
        clause, params = _priced_clause(ctx)
        where.add(clause, *params)
    words = fold(query.search).split()
    if words:
        db.create_function("sandbox_fold", 1, fold, deterministic=True)
        default_language = store_defaults(db)[2]
        for word in words:
            # Texts in the context language, or the default language's where one is missing.
            where.add(
                "(p.id IN (SELECT t.product_id FROM product_texts t WHERE t.language = "
                "COALESCE((SELECT x.language FROM product_texts x WHERE x.product_id = "
                "t.product_id AND x.language = ?), ?) AND (instr(sandbox_fold(t.name), ?) "
                "OR instr(sandbox_fold(t.description), ?))) "
                "OR instr(sandbox_fold(p.sku), ?) OR instr(sandbox_fold(p.product_sku), ?) "
                "OR p.id IN (SELECT product_id FROM items WHERE instr(sandbox_fold(sku), ?) "
                "OR ean = ?))",
                ctx.language,
                default_language,
                word,
                word,
                word,
                word,
                word,
                word,
            )
    return where


def _category_sort_ids(query: ProductQuery, db: sqlite3.Connection) -> list[int]:
    if query.within_category is not None:
        return [query.within_category]
    if query.categories:
        return query.categories
    if query.uri is not None and "category" in query.uri_for:
        row = db.execute("SELECT id FROM categories WHERE uri = ?", (query.uri,)).fetchone()
        return [row[0]] if row else []
    return []


def _order_by(db: sqlite3.Connection, query: ProductQuery, ctx: ProductContext) -> tuple[str, list]:
    sort = query.sort or [("categoryItemSort", "asc")]
    terms: list[str] = []
    params: list[Any] = []
    category_ids = _category_sort_ids(query, db)
    for name, order in sort:
        direction = "DESC" if order == "desc" else "ASC"
        expr_params: list[Any] = []
        if name == "uri":
            expr = "p.uri"
        elif name == "createdAt":
            expr = "p.created_at"
        elif name == "modifiedAt":
            expr = "p.modified_at"
        elif name == "collectionUri":
            expr = "(SELECT uri FROM collections WHERE id = p.collection_id)"
        elif name == "priceAsNumber":
            pricelist = ctx.pricelist if ctx.pricelist != ALL else store_defaults(db)[1]
            expr = "(SELECT price FROM product_prices WHERE product_id = p.id AND pricelist_id = ?)"
            expr_params = [pricelist]
        elif category_ids:
            expr = (
                "(SELECT MIN(sort_order) FROM product_categories WHERE product_id = p.id "  # noqa: S608
                f"AND category_id IN ({_marks(category_ids)}))"
            )
            expr_params = list(category_ids)
        else:
            expr = "p.sort_order"
        # Products without a value (no price, no collection) go last either way.
        terms.append(f"{expr} IS NULL, {expr} {direction}")
        params.extend(expr_params * 2)
    terms.append("p.sort_order, p.id")
    return ", ".join(terms), params


@dataclass
class ProductPage:
    products: list[dict[str, Any]]
    count: int
    filter: list[dict[str, Any]]


def search_products(
    db: sqlite3.Connection, query: ProductQuery, ctx: ProductContext
) -> ProductPage:
    """Filter, count, facet, sort and page the catalog, like ``POST products``."""
    visible = _visible(ctx)
    filtered = _filters(db, query, ctx)
    # Temporary id sets let each facet count the filtered and the whole catalog in one pass.
    db.execute("CREATE TEMP TABLE IF NOT EXISTS sandbox_visible (id INTEGER PRIMARY KEY)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS sandbox_filtered (id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.sandbox_visible")
    db.execute("DELETE FROM temp.sandbox_filtered")
    db.execute(
        f"INSERT INTO temp.sandbox_visible SELECT p.id FROM products p WHERE {visible.sql}",  # noqa: S608
        visible.params,
    )
    narrowed = filtered.clauses != visible.clauses
    if narrowed:
        db.execute(
            f"INSERT INTO temp.sandbox_filtered SELECT p.id FROM products p WHERE {filtered.sql}",  # noqa: S608
            filtered.params,
        )
    else:
        db.execute("INSERT INTO temp.sandbox_filtered SELECT id FROM temp.sandbox_visible")
    count = db.execute("SELECT COUNT(*) FROM temp.sandbox_filtered").fetchone()[0]
    order_sql, order_params = _order_by(db, query, ctx)
    limit = query.limit if query.limit is not None else -1
    ids = [
        row[0]
        for row in db.execute(
            "SELECT p.id FROM temp.sandbox_filtered f JOIN products p ON p.id = f.id "  # noqa: S608
            f"ORDER BY {order_sql} LIMIT ? OFFSET ?",
            (*order_params, limit, query.skip_first),
        )
    ]
    facets = _facets(db, ctx, narrowed)
    products = serialize_products(db, ids, ctx, related=query.related)
    return ProductPage(products=products, count=count, filter=facets)


def _facet_values(
    rows: Iterable[sqlite3.Row], data: dict[Any, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    values = []
    for row in rows:
        if row["value"] is None or row["value"] == "":
            continue
        values.append(
            {
                "value": str(row["value"]),
                "count": row["count"],
                "totalCount": row["total"],
                "data": (data or {}).get(row["value"], {}),
            }
        )
    return values


def _facets(db: sqlite3.Connection, ctx: ProductContext, narrowed: bool) -> list[dict[str, Any]]:
    """Facet values with ``count`` in the filtered set and ``totalCount`` in the whole visible
    catalog; without filters both are the same count, and the filtered set is not joined."""
    lookups = CatalogLookups(db, ctx)
    in_filtered = "LEFT JOIN temp.sandbox_filtered f ON f.id = v.id" if narrowed else ""
    counted = "COUNT(f.id)" if narrowed else "COUNT(*)"
    join = f"FROM temp.sandbox_visible v JOIN products p ON p.id = v.id {in_filtered}"
    brands = db.execute(
        f"SELECT p.brand_id AS value, {counted} AS count, COUNT(*) AS total {join} "  # noqa: S608
        "GROUP BY p.brand_id ORDER BY (SELECT name FROM brands WHERE id = p.brand_id)"
    ).fetchall()
    collections = db.execute(
        f"SELECT p.collection_id AS value, {counted} AS count, COUNT(*) AS total {join} "  # noqa: S608
        "GROUP BY p.collection_id "
        "ORDER BY (SELECT name FROM collections WHERE id = p.collection_id)"
    ).fetchall()
    categories = db.execute(
        f"SELECT pc.category_id AS value, {counted} AS count, COUNT(*) AS total "  # noqa: S608
        "FROM temp.sandbox_visible v JOIN product_categories pc ON pc.product_id = v.id "
        f"{in_filtered} GROUP BY pc.category_id"
    ).fetchall()
    category_order = {cid: n for n, cid in enumerate(lookups.category_order)}
    categories = sorted(
        (row for row in categories if row["value"] in lookups.categories),
        key=lambda row: category_order.get(row["value"], len(category_order)),
    )
    facets = [
        {
            "field": "brands",
            "values": _facet_values(
                brands,
                {
                    bid: {"brand": str(bid), "brandName": b["name"]}
                    for bid, b in lookups.brands.items()
                },
            ),
        },
        {
            "field": "categories",
            "values": _facet_values(
                categories, {cid: lookups.category_json(cid) for cid in lookups.categories}
            ),
        },
        {
            "field": "collections",
            "values": _facet_values(
                collections,
                {
                    cid: {"collection": str(cid), "collectionName": c["name"]}
                    for cid, c in lookups.collections.items()
                },
            ),
        },
    ]
    for key, (attribute, element) in ATTRIBUTE_FILTERS.items():
        rows = db.execute(
            f"SELECT json_extract(p.attributes, ?) AS value, {counted} AS count, "
            f"COUNT(*) AS total, MIN(json_extract(p.attributes, ?)) AS data {join} "
            "GROUP BY value ORDER BY value",
            (f'$."{attribute}"."{element}"', f'$."{attribute}"'),
        ).fetchall()
        data = {row["value"]: json.loads(row["data"]) for row in rows if row["data"]}
        facets.append({"field": key, "values": _facet_values(rows, data)})
    sizes = db.execute(
        # A product's sizes have distinct names, so rows count products.
        f"SELECT i.name AS value, {counted} AS count, COUNT(*) AS total "  # noqa: S608
        "FROM temp.sandbox_visible v JOIN items i ON i.product_id = v.id "
        f"{in_filtered} "
        "GROUP BY i.name ORDER BY MIN(i.size_id), i.name"
    ).fetchall()
    facets.append(
        {
            "field": "items.name",
            "values": _facet_values(sizes, {row["value"]: {"name": row["value"]} for row in sizes}),
        }
    )
    return facets


# -- visibility --------------------------------------------------------------------------------


def visible_product_id(db: sqlite3.Connection, product: Any, ctx: ProductContext) -> int | None:
    """The id of a product the context may see (a path segment or a URI lookup), or None."""
    if isinstance(product, str):
        if not product.isdigit() or len(product) > 12:
            return None
        product = int(product)
    where = _visible(ctx)
    where.add("p.id = ?", product)
    row = db.execute(f"SELECT p.id FROM products p WHERE {where.sql}", where.params).fetchone()  # noqa: S608
    return row[0] if row else None


def visible_product_by_uri(db: sqlite3.Connection, uri: str, ctx: ProductContext) -> int | None:
    """A product by its URI, also when prefixed with the URI of a category it is in
    ("womens/shoes/classic-sneaker-red")."""
    where = _visible(ctx)
    where.add("p.uri = ?", uri)
    row = db.execute(f"SELECT p.id FROM products p WHERE {where.sql}", where.params).fetchone()  # noqa: S608
    if row:
        return row[0]
    prefix, _, last = uri.rpartition("/")
    if not prefix:
        return None
    where = _visible(ctx)
    where.add("p.uri = ?", last)
    where.add(
        "p.id IN (SELECT pc.product_id FROM product_categories pc JOIN categories c "
        "ON c.id = pc.category_id WHERE c.uri = ?)",
        prefix,
    )
    row = db.execute(f"SELECT p.id FROM products p WHERE {where.sql}", where.params).fetchone()  # noqa: S608
    return row[0] if row else None


# -- serialization -----------------------------------------------------------------------------


class CatalogLookups:
    """The small tables a product refers to, loaded once per serialization."""

    def __init__(self, db: sqlite3.Connection, ctx: ProductContext) -> None:
        self.ctx = ctx
        default_language = store_defaults(db)[2]
        languages = (ctx.language, default_language)
        self.brands = {r["id"]: r for r in db.execute("SELECT * FROM brands")}
        self.collections = {r["id"]: r for r in db.execute("SELECT * FROM collections")}
        self.currencies = {
            r["id"]: r
            for r in db.execute(
                "SELECT p.id, c.* FROM pricelists p JOIN currencies c ON c.code = p.currency"
            )
        }
        rows = db.execute(
            "SELECT * FROM categories ORDER BY sort_order, id"
            if ctx.preview
            else "SELECT * FROM categories WHERE active = 1 ORDER BY sort_order, id"
        ).fetchall()
        self.categories = {r["id"]: r for r in rows}
        texts: dict[int, sqlite3.Row] = {}
        for row in db.execute(
            "SELECT * FROM category_texts WHERE language IN (?, ?) ORDER BY language = ?",
            (*languages, ctx.language),
        ):
            # Ordered so the context language, when present, overwrites the default's.
            texts[row["category_id"]] = row
        self.category_texts = texts
        # Depth-first admin order: each root followed by its children.
        children: dict[int | None, list[int]] = {}
        for row in rows:
            parent = row["parent_id"] if row["parent_id"] in self.categories else None
            children.setdefault(parent, []).append(row["id"])
        self.category_order: list[int] = []

        def walk(parent: int | None) -> None:
            for cid in children.get(parent, []):
                self.category_order.append(cid)
                walk(cid)

        walk(None)

    def category_path(self, category_id: int) -> list[int]:
        path = []
        seen = set()
        current: int | None = category_id
        while current is not None and current in self.categories and current not in seen:
            seen.add(current)
            path.insert(0, current)
            current = self.categories[current]["parent_id"]
        return path

    def category_names(self, category_id: int) -> list[str]:
        return [
            self.category_texts[cid]["name"] if cid in self.category_texts else ""
            for cid in self.category_path(category_id)
        ]

    def category_json(self, category_id: int) -> dict[str, Any]:
        row = self.categories[category_id]
        texts = self.category_texts.get(category_id)
        data: dict[str, Any] = {
            "category": str(category_id),
            "name": self.category_names(category_id),
            "uri": row["uri"],
        }
        if row["parent_id"] is not None:
            data["inCategory"] = str(row["parent_id"])
        data["metaKeywords"] = texts["meta_keywords"] if texts else ""
        data["metaTitle"] = texts["meta_title"] if texts else ""
        data["metaDescription"] = texts["meta_description"] if texts else ""
        if not row["active"]:
            data[self.ctx.preview_flag] = True
        return data


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n") if part)


def _discount_percent(price: float, before: float) -> int:
    if before <= 0 or price >= before:
        return 0
    return round((before - price) * 100 / before)


def _price_fields(row: sqlite3.Row | None, currency: Any) -> dict[str, Any]:
    if row is None or currency is None:
        return {
            "price": None,
            "priceAsNumber": None,
            "priceBeforeDiscount": None,
            "priceBeforeDiscountAsNumber": None,
            "discountPercent": 0,
            "showAsOnSale": False,
            "showAsNew": False,
        }
    return {
        **money_pair("price", row["price"], currency),
        **money_pair("priceBeforeDiscount", row["price_before_discount"], currency),
        "discountPercent": _discount_percent(row["price"], row["price_before_discount"]),
        "showAsOnSale": bool(row["show_as_on_sale"]),
        "showAsNew": bool(row["show_as_new"]),
    }


def _lowest_price(row: sqlite3.Row | None, currency: Any) -> list[dict[str, Any]]:
    if row is None or currency is None or row["lowest_price"] is None:
        return []
    return [
        {
            "periodDays": 30,
            **money_pair("price", row["lowest_price"], currency),
            **money_pair("priceBeforeDiscount", row["price_before_discount"], currency),
        }
    ]


def media_url(base: str, size: str, key: str) -> str:
    return f"{base}/media/{size}/{key}.svg"


def _group(rows: Iterable[sqlite3.Row], key: str = "product_id") -> dict[Any, list[sqlite3.Row]]:
    grouped: dict[Any, list[sqlite3.Row]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row)
    return grouped


def serialize_products(
    db: sqlite3.Connection,
    ids: Sequence[int],
    ctx: ProductContext,
    related: Literal["none", "variants", "all"] = "variants",
    embedded: bool = False,
) -> list[dict[str, Any]]:
    """Product objects for ``ids``, in that order (unknown ids are skipped).

    ``related``: "variants" gives the small ``{product, available, media, relation}`` form of
    variant relations; "all" gives full objects for variant and standard relations; "none"
    leaves ``relatedProducts`` out. ``embedded`` drops the listing-only fields (``available``,
    ``prices``, ``markets``, ``relatedProducts``), as in selection items.
    """
    if not ids:
        return []
    ids = list(dict.fromkeys(ids))
    lookups = CatalogLookups(db, ctx)
    default_language = store_defaults(db)[2]
    products = {
        r["id"]: r for r in _rows_for(db, "SELECT * FROM products WHERE id IN ({ids})", ids)
    }
    texts: dict[int, sqlite3.Row] = {}
    for row in _rows_for(
        db,
        "SELECT * FROM product_texts WHERE product_id IN ({ids}) AND language IN (?, ?) "
        "ORDER BY language = ?",
        ids,
        (ctx.language, default_language, ctx.language),
    ):
        texts[row["product_id"]] = row
    if ctx.pricelist == ALL:
        price_rows = _rows_for(
            db,
            "SELECT * FROM product_prices WHERE product_id IN ({ids}) ORDER BY pricelist_id",
            ids,
        )
    else:
        price_rows = _rows_for(
            db,
            "SELECT * FROM product_prices WHERE product_id IN ({ids}) AND pricelist_id = ?",
            ids,
            (ctx.pricelist,),
        )
    prices = _group(price_rows)
    markets = _group(
        _rows_for(
            db,
            "SELECT product_id, market_id FROM product_markets WHERE product_id IN ({ids}) "
            "ORDER BY market_id",
            ids,
        )
    )
    memberships = _group(
        _rows_for(
            db,
            "SELECT product_id, category_id, sort_order FROM product_categories "
            "WHERE product_id IN ({ids})",
            ids,
        )
    )
    items = _group(
        _rows_for(
            db, "SELECT * FROM items WHERE product_id IN ({ids}) ORDER BY product_id, position", ids
        )
    )
    media = _group(
        _rows_for(
            db, "SELECT * FROM media WHERE product_id IN ({ids}) ORDER BY product_id, position", ids
        )
    )
    relations: dict[int, list[sqlite3.Row]] = {}
    if related != "none" and not embedded:
        relations = _group(
            _rows_for(
                db,
                "SELECT r.product_id, r.related_id, r.relation FROM related_products r "
                "JOIN products p ON p.id = r.related_id WHERE r.product_id IN ({ids}) "
                "ORDER BY r.product_id, r.relation = 'standard', p.sort_order, p.id",
                ids,
            )
        )

    result = []
    for pid in ids:
        row = products.get(pid)
        if row is None:
            continue
        data = _product_json(
            row,
            texts.get(pid),
            prices.get(pid, []),
            [m["market_id"] for m in markets.get(pid, [])],
            memberships.get(pid, []),
            items.get(pid, []),
            media.get(pid, []),
            lookups,
            embedded,
        )
        result.append(data)
    if relations:
        _attach_related(db, result, relations, ctx, related)
    return result


def _product_json(
    row: sqlite3.Row,
    text: sqlite3.Row | None,
    prices: list[sqlite3.Row],
    markets: list[int],
    memberships: list[sqlite3.Row],
    items: list[sqlite3.Row],
    media: list[sqlite3.Row],
    lookups: CatalogLookups,
    embedded: bool,
) -> dict[str, Any]:
    ctx = lookups.ctx
    brand = lookups.brands.get(row["brand_id"])
    collection = lookups.collections.get(row["collection_id"])
    category_id = row["category_id"] if row["category_id"] in lookups.categories else None
    name = text["name"] if text else ""
    excerpt = text["excerpt"] if text else ""
    description = text["description"] if text else ""
    data: dict[str, Any] = {
        "product": str(row["id"]),
        "name": name,
        "uri": row["uri"],
        "sku": row["sku"],
        "productSku": row["product_sku"],
        "brand": str(brand["id"]) if brand else "",
        "brandName": brand["name"] if brand else "",
        "brandUri": brand["uri"] if brand else "",
        "collection": str(collection["id"]) if collection else "",
        "collectionName": collection["name"] if collection else "",
        "collectionUri": collection["uri"] if collection else "",
        "variantName": row["variant_name"],
        "countryOrigin": row["country_origin"],
        "excerpt": excerpt,
        "excerptHtml": _paragraphs(excerpt),
        "description": description,
        "descriptionHtml": _paragraphs(description),
        "metaTitle": text["meta_title"] if text else "",
        "metaDescription": text["meta_description"] if text else "",
        "metaKeywords": text["meta_keywords"] if text else "",
        "stockUnit": "",
        "category": str(category_id) if category_id is not None else "",
        "categoryName": lookups.category_names(category_id) if category_id is not None else [],
        "categoryUri": lookups.categories[category_id]["uri"] if category_id is not None else "",
        "categories": [
            {
                "category": str(m["category_id"]),
                "name": lookups.category_names(m["category_id"]),
                "uri": lookups.categories[m["category_id"]]["uri"],
                "sortOrder": m["sort_order"],
                "pathIds": [str(cid) for cid in lookups.category_path(m["category_id"])],
            }
            for m in sorted(
                memberships,
                key=lambda m: (lookups.category_path(m["category_id"]), m["category_id"]),
            )
            if m["category_id"] in lookups.categories
        ],
        "centraProduct": str(row["centra_product"]),
        "centraVariant": str(row["centra_variant"]),
        "createdAt": row["created_at"],
        "modifiedAt": row["modified_at"],
        "itemQuantityMinimum": 1,
        "itemQuantityMultipleOf": 1,
    }
    in_stock = any(item["stock"] > 0 for item in items)
    if ctx.pricelist == ALL:
        if not embedded:
            data["prices"] = {
                str(p["pricelist_id"]): _price_fields(p, lookups.currencies.get(p["pricelist_id"]))
                for p in prices
            }
        priced = bool(prices)
    else:
        price = prices[0] if prices else None
        currency = lookups.currencies.get(ctx.pricelist)
        data.update(_price_fields(price, currency))
        data["lowestPrice"] = _lowest_price(price, currency)
        priced = price is not None
    if not embedded:
        data["available"] = priced and in_stock
        if ctx.market == ALL:
            data["markets"] = markets
    data["items"] = [
        {
            "item": item["id"],
            "sizeId": str(item["size_id"]),
            "name": item["name"],
            "ean": item["ean"],
            "upc": "",
            "sku": item["sku"],
            "stock": stock_label(item["stock"]),
        }
        for item in items
    ]
    data["media"] = _media_json(media, ctx.media_base)
    data[ctx.preview_flag] = not row["active"]
    try:
        attributes = json.loads(row["attributes"] or "{}")
    except ValueError:
        attributes = {}
    if isinstance(attributes, dict):
        for key, value in attributes.items():
            data.setdefault(key, value)
    return data


def _media_json(media: list[sqlite3.Row], base: str) -> dict[str, list[str]] | list[Any]:
    if not media:
        return []
    return {size: [media_url(base, size, m["key"]) for m in media] for size in MEDIA_SIZES}


def _attach_related(
    db: sqlite3.Connection,
    products: list[dict[str, Any]],
    relations: dict[int, list[sqlite3.Row]],
    ctx: ProductContext,
    related: str,
) -> None:
    wanted = {
        r["related_id"]
        for rows in relations.values()
        for r in rows
        if related == "all" or r["relation"] == "variant"
    }
    visible_ids = set()
    if wanted:
        where = _visible(ctx)
        ids = sorted(wanted)
        for chunk in _chunks(ids):
            sql = f"SELECT p.id FROM products p WHERE {where.sql} AND p.id IN ({_marks(chunk)})"  # noqa: S608
            visible_ids.update(r[0] for r in db.execute(sql, (*where.params, *chunk)))
    objects = {
        int(p["product"]): p
        for p in serialize_products(db, sorted(visible_ids), ctx, related="none")
    }
    for product in products:
        entries = []
        for rel in relations.get(int(product["product"]), []):
            target = objects.get(rel["related_id"])
            if target is None or (related != "all" and rel["relation"] != "variant"):
                continue
            if related == "all":
                entries.append({**target, "relation": rel["relation"]})
            else:
                entries.append(
                    {
                        "product": target["product"],
                        "available": target["available"],
                        "media": target["media"],
                        "relation": rel["relation"],
                    }
                )
        product["relatedProducts"] = entries


def serialize_product(
    db: sqlite3.Connection,
    product_id: int,
    ctx: ProductContext,
    related: Literal["none", "variants", "all"] = "variants",
    embedded: bool = False,
) -> dict[str, Any] | None:
    """One product object, or None when the id does not exist (visibility is not checked)."""
    found = serialize_products(db, [product_id], ctx, related=related, embedded=embedded)
    return found[0] if found else None


def selection_item_product(
    db: sqlite3.Connection, product_id: int, place: Any, media_base: str = ""
) -> dict[str, Any]:
    """The ``product`` of a selection item: a Product without the listing-only fields, for the
    selection's market, pricelist and language (``place`` has those three attributes)."""
    market, pricelist, language = store_defaults(db)
    ctx = ProductContext(
        market=getattr(place, "market", None) or market,
        pricelist=getattr(place, "pricelist", None) or pricelist,
        language=getattr(place, "language", None) or language,
        media_base=media_base,
    )
    return serialize_product(db, product_id, ctx, related="none", embedded=True) or {}
