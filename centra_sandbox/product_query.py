"""The ``POST products`` (and ``POST uri``) body, parsed and validated into a ``ProductQuery``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from centra_sandbox.request_args import bad, bool_arg, id_list, int_arg, string_list

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
MAX_SEARCH = 200
MAX_URI = 1000


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
    # ``"measurementChart": false`` leaves the chart out of the listed products.
    measurement_chart: bool = True
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
            raise bad("search", "must be a string")
        if len(body["search"]) > MAX_SEARCH:
            raise bad("search", f"at most {MAX_SEARCH} characters")
        query.search = body["search"]
    query.only_available = bool_arg(body.get("onlyAvailable"), "onlyAvailable")
    query.related = (
        "all" if bool_arg(body.get("relatedProducts"), "relatedProducts") else "variants"
    )
    if body.get("measurementChart") is not None:
        query.measurement_chart = bool_arg(body["measurementChart"], "measurementChart")
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
        raise bad("uri", 'must be an object {"uri": ..., "for": [...]}')
    uri = value.get("uri")
    if not isinstance(uri, str) or len(uri) > MAX_URI:
        raise bad("uri.uri", "must be a string")
    kinds = value.get("for", ["product", "category"])
    return uri.strip("/"), string_list(kinds, "uri.for")


def _sort_order(value: Any) -> list[tuple[str, str]]:
    entries = value if isinstance(value, list) else [value]
    if len(entries) > len(SORT_FIELDS):
        raise bad("sortOrder", f"at most {len(SORT_FIELDS)} fields")
    sort = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("field") not in SORT_FIELDS:
            raise bad("sortOrder", "each entry needs a field among " + ", ".join(SORT_FIELDS))
        order = entry.get("order", "asc")
        if not isinstance(order, str) or order.lower() not in ("asc", "desc"):
            raise bad("sortOrder", 'order must be "asc" or "desc"')
        sort.append((entry["field"], order.lower()))
    return sort
