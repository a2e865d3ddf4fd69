"""The product catalog's public names, importable from one place.

The code lives in modules named for what they hold; this one keeps ``centra_sandbox.products``
a stable import path for the routes (``catalog``, ``selections``) and for code written against
it:

- ``product_context``: ``ProductContext`` (market, pricelist, language) and its parsing.
- ``request_args``: validation of body values (400 answers).
- ``product_query``: the ``POST products`` body parsed into a ``ProductQuery``.
- ``product_filters``: the SQL of visibility, filters and sort order; search folding.
- ``product_search``: ``search_products``, a page with its count and facets.
- ``product_facets``: the ``filter`` list (facet counts and totals).
- ``product_json``: Product JSON, serialized a page at a time; ``product_prices`` its price
  fields, ``size_charts`` its ``itemTable`` and ``measurementChart``.
- ``catalog_lookups`` / ``catalog_cache``: shared small tables, and the cache that holds them
  until the catalog changes.
"""

from centra_sandbox.catalog_lookups import CatalogLookups, catalog_lookups
from centra_sandbox.product_context import ALL, ProductContext, product_context, store_defaults
from centra_sandbox.product_filters import fold, visible_product_by_uri, visible_product_id
from centra_sandbox.product_json import (
    FEW_STOCK,
    MEDIA_SIZES,
    item_stock,
    media_url,
    selection_item_product,
    serialize_product,
    serialize_products,
    stock_label,
)
from centra_sandbox.product_query import (
    ATTRIBUTE_FILTERS,
    MAX_SEARCH,
    MAX_URI,
    SORT_FIELDS,
    ProductQuery,
    parse_query,
)
from centra_sandbox.product_search import ProductPage, search_products
from centra_sandbox.request_args import MAX_INT, MAX_LIST, bool_arg, id_list, int_arg, string_list

__all__ = [
    "ALL",
    "ATTRIBUTE_FILTERS",
    "FEW_STOCK",
    "MAX_INT",
    "MAX_LIST",
    "MAX_SEARCH",
    "MAX_URI",
    "MEDIA_SIZES",
    "SORT_FIELDS",
    "CatalogLookups",
    "ProductContext",
    "ProductPage",
    "ProductQuery",
    "bool_arg",
    "catalog_lookups",
    "fold",
    "id_list",
    "int_arg",
    "item_stock",
    "media_url",
    "parse_query",
    "product_context",
    "search_products",
    "selection_item_product",
    "serialize_product",
    "serialize_products",
    "stock_label",
    "store_defaults",
    "string_list",
    "visible_product_by_uri",
    "visible_product_id",
]
