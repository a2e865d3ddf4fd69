"""How each catalog model is upserted by the sync (see :class:`catalog.upsert.Spec`)."""

from __future__ import annotations

from django.utils import timezone

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
    RelatedProduct,
    State,
)
from catalog.upsert import DOOMED_ROWS, NONE, Spec

PRODUCT = Spec(
    Product,
    ("id",),
    (
        "uri",
        "sku",
        "product_sku",
        "variant_name",
        "centra_product",
        "centra_variant",
        "brand_id",
        "collection_id",
        "category_id",
        "country_origin",
        "item_quantity_minimum",
        "item_quantity_multiple_of",
        "media",
        "attributes",
        "created_at",
        "modified_at",
    ),
    owner="id",
    also_write={"synced_at": timezone.now},
    # Kept while a market sells it.
    bookkeeping=NONE,
)
TEXT = Spec(
    ProductText,
    ("product_id", "language_id"),
    (
        "name",
        "excerpt",
        "excerpt_html",
        "description",
        "description_html",
        "meta_title",
        "meta_description",
        "meta_keywords",
    ),
    # A product is read in every language of every market that sells it: its texts go with it
    # (or with their language).
    bookkeeping=NONE,
)
PRICE = Spec(
    ProductPrice,
    ("product_id", "pricelist_id"),
    (
        "price",
        "price_before_discount",
        "price_text",
        "price_before_discount_text",
        "discount_percent",
        "on_sale",
        "new",
        "lowest_price",
    ),
    bookkeeping=DOOMED_ROWS,
)
ITEM = Spec(
    Item,
    ("id",),
    ("product_id", "size_id", "name", "sku", "ean", "stock", "stock_state", "position"),
    bookkeeping=DOOMED_ROWS,
)
PRODUCT_CATEGORY = Spec(
    ProductCategory, ("product_id", "category_id"), ("sort_order",), bookkeeping=DOOMED_ROWS
)
# Seen per market: one that no market's answer lists any more is removed.
MARKET_LINK = Spec(ProductMarket, ("product_id", "market_id"), ())
# Seen per market too (a relation shows where both products are sold).
RELATED = Spec(RelatedProduct, ("product_id", "related_id"), ("relation",))
# A product's own rows, the same in every market and language, reconciled when it is read.
PRODUCT_OWN = (ITEM, PRICE, PRODUCT_CATEGORY)

MARKET = Spec(Market, ("id",), ("name", "is_default"), owner=None)
PRICELIST = Spec(
    Pricelist, ("id",), ("name", "is_default", "currency", "currency_format"), owner=None
)
LANGUAGE = Spec(Language, ("code",), ("name", "is_default"), owner=None)
COUNTRY = Spec(
    Country,
    ("code",),
    ("name", "eu", "ship_to", "currency", "market_id", "pricelist_id", "language_id"),
    owner=None,
)
STATE = Spec(State, ("country_id", "code"), ("name",), owner=None)
BRAND = Spec(
    Brand,
    ("id",),
    ("name", "uri", "meta_title", "meta_description", "meta_keywords"),
    owner=None,
)
COLLECTION = Spec(Collection, ("id",), ("name", "uri"), owner=None)
CATEGORY = Spec(Category, ("id",), ("parent_id", "uri", "sort_order"), owner=None)
CATEGORY_TEXT = Spec(
    CategoryText,
    ("category_id", "language_id"),
    ("name_path", "meta_title", "meta_description", "meta_keywords"),
    owner=None,
)

# Reference kinds (the keys of Centra's webhooks, plus three it has no webhook for), in the
# order they are written, with the models each one owns (children first, for removal).
REFERENCE_KINDS: dict[str, tuple[Spec, ...]] = {
    "languages": (LANGUAGE,),
    "markets": (MARKET,),
    "pricelists": (PRICELIST,),
    "countries": (STATE, COUNTRY),
    "brands": (BRAND,),
    "collections": (COLLECTION,),
    "categories": (CATEGORY_TEXT, CATEGORY),
}
REFERENCE_MODELS = frozenset(s.name for specs in REFERENCE_KINDS.values() for s in specs)

# Every model a run counts, in the order summaries list them, with a short label.
COUNT_LABELS = {
    "product": "products",
    "productmarket": "market links",
    "producttext": "texts",
    "productprice": "prices",
    "item": "items",
    "productcategory": "category links",
    "relatedproduct": "relations",
    "market": "markets",
    "pricelist": "pricelists",
    "language": "languages",
    "country": "countries",
    "state": "states",
    "brand": "brands",
    "collection": "collections",
    "category": "categories",
    "categorytext": "category texts",
}
