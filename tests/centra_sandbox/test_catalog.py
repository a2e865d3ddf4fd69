"""The catalog routes over HTTP: POST products (filters, facets, sorting, paging, context,
preview), GET products/{id}, categories, brands, collections, POST uri and media.

Expected values come either from the seed-1 demo catalog directly or from plain SQL over the
sandbox's store, written independently of the code under test.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from centra_sandbox import DEFAULT_SHARED_SECRET, Sandbox, SandboxConfig, Store
from centra_sandbox.catalog_cache import catalog_changed
from centra_sandbox.demo import load_demo
from centra_sandbox.product_context import ProductContext
from centra_sandbox.product_query import parse_query
from centra_sandbox.product_search import search_products
from centra_sandbox.transport import SandboxTransport

# Seed-1 facts (see test_demo for how the demo guarantees their kinds).
INACTIVE = 103  # in the unpublished category womens/capsule
VIP_ONLY = 110
NOT_IN_EUROPE = 102  # sold in North America and VIP only
NO_USD_PRICE = 109
SOLD_OUT = 119
VARIANT_GROUP = [115, 116, 117]  # one backend product (5013) in three colours


def ids(response: httpx.Response) -> list[int]:
    return [int(p["product"]) for p in response.json()["products"]]


def sql_ids(sandbox: Sandbox, sql: str, params: tuple = ()) -> set[int]:
    return {row[0] for row in sandbox.store.all(sql, params)}


def visible_in(sandbox: Sandbox, market: int) -> set[int]:
    return sql_ids(
        sandbox,
        "SELECT p.id FROM products p JOIN product_markets m ON m.product_id = p.id "
        "WHERE p.active = 1 AND m.market_id = ?",
        (market,),
    )


def set_selection(sandbox: Sandbox, token: str, **fields: Any) -> None:
    row = sandbox.store.one("SELECT selection_id FROM sessions WHERE token = ?", (token,))
    for name, value in fields.items():
        sandbox.store.db.execute(
            f"UPDATE selections SET {name} = ? WHERE id = ?",  # noqa: S608
            (value, row[0]),
        )


def facet(response: httpx.Response, name: str) -> dict[str, dict[str, Any]]:
    (found,) = [f for f in response.json()["filter"] if f["field"] == name]
    return {v["value"]: v for v in found["values"]}


# -- listing and context -----------------------------------------------------------------------


def test_empty_body_lists_every_active_product_of_the_default_market(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    response = shopper.post("products")
    assert response.status_code == 200
    body = response.json()
    expected = visible_in(sandbox, 1)
    assert body["productCount"] == len(expected)
    assert set(ids(response)) == expected
    assert {INACTIVE, VIP_ONLY, NOT_IN_EUROPE}.isdisjoint(ids(response))
    assert re.fullmatch(r"[0-9a-f]{32}", body["token"])


def test_default_order_is_the_admin_sort_order(shopper: httpx.Client, sandbox: Sandbox) -> None:
    expected = [
        row[0]
        for row in sandbox.store.all(
            "SELECT p.id FROM products p JOIN product_markets m ON m.product_id = p.id "
            "WHERE p.active = 1 AND m.market_id = 1 ORDER BY p.sort_order"
        )
    ]
    assert ids(shopper.post("products", json={})) == expected


def test_product_object_carries_the_documented_fields(shopper: httpx.Client) -> None:
    product = shopper.get("products/101").json()["product"]
    assert {k: product[k] for k in list(product)[:20]} == {
        "product": "101",
        "name": "Relaxed Blazer",
        "uri": "relaxed-blazer-brown",
        "sku": "P05001BRO",
        "productSku": "P05001",
        "brand": "2",
        "brandName": "Björnstad",
        "brandUri": "bjornstad",
        "collection": "24",
        "collectionName": "Studio Edition",
        "collectionUri": "studio-edition",
        "variantName": "Brown",
        "countryOrigin": "PT",
        "excerpt": "Relaxed Blazer in brown.",
        "excerptHtml": "<p>Relaxed Blazer in brown.</p>",
        "description": "Relaxed Blazer in brown, made from linen. Cut for everyday wear.",
        "descriptionHtml": (
            "<p>Relaxed Blazer in brown, made from linen. Cut for everyday wear.</p>"
        ),
        "metaTitle": "Relaxed Blazer",
        "metaDescription": "Relaxed Blazer in brown.",
        "metaKeywords": "relaxed blazer",
    }
    assert product["category"] == "44"
    assert product["categoryName"] == ["Womens", "Jackets"]
    assert product["categoryUri"] == "womens/jackets"
    assert product["categories"] == [
        {"category": "41", "name": ["Womens"], "uri": "womens", "sortOrder": 9, "pathIds": ["41"]},
        {
            "category": "44",
            "name": ["Womens", "Jackets"],
            "uri": "womens/jackets",
            "sortOrder": 11,
            "pathIds": ["41", "44"],
        },
    ]
    assert (product["centraProduct"], product["centraVariant"]) == ("5001", "9001")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", product["createdAt"])
    assert product["modifiedAt"] >= product["createdAt"]
    assert (product["itemQuantityMinimum"], product["itemQuantityMultipleOf"]) == (1, 1)
    assert {k: product[k] for k in ("price", "priceAsNumber", "discountPercent")} == {
        "price": "2 999.00 SEK",
        "priceAsNumber": 2999.0,
        "discountPercent": 0,
    }
    assert product["priceBeforeDiscount"] == "2 999.00 SEK"
    assert (product["showAsOnSale"], product["showAsNew"], product["available"]) == (
        False,
        False,
        True,
    )
    assert product["lowestPrice"] == [
        {
            "periodDays": 30,
            "price": "2 699.00 SEK",
            "priceAsNumber": 2699.0,
            "priceBeforeDiscount": "2 999.00 SEK",
            "priceBeforeDiscountAsNumber": 2999.0,
        }
    ]
    assert product["items"][0] == {
        "item": "101-1",
        "sizeId": "1",
        "name": "XS",
        "ean": "7300000101015",
        "upc": "",
        "sku": "P05001BROXS",
        "itemTableX": 0,
        "itemTableY": 0,
        "stock": "yes",
    }
    assert [i["name"] for i in product["items"]] == ["XS", "S", "M", "L", "XL", "XXL"]
    assert product["itemTable"]["x"] == ["XS", "S", "M", "L", "XL", "XXL"]
    assert product["measurementChart"]["y"] == ["Chest", "Waist", "Length"]
    assert product["media"] == {
        size: [f"http://sandbox.test/media/{size}/p101-{n}.svg" for n in (1, 2)]
        for size in ("standard", "full", "thumb")
    }
    assert product["preview"] is False
    assert product["swatch"] == {"desc": "Brown", "hex": "6b4226"}
    assert product["pr_material"] == "Linen"
    assert "prices" not in product
    assert "markets" not in product


def test_discounted_product_shows_its_sale_price(shopper: httpx.Client, sandbox: Sandbox) -> None:
    row = sandbox.store.one(
        "SELECT pp.* FROM product_prices pp JOIN products p ON p.id = pp.product_id "
        "JOIN product_markets m ON m.product_id = p.id AND m.market_id = 1 "
        "WHERE p.active = 1 AND pp.pricelist_id = 1 AND pp.price < pp.price_before_discount "
        "ORDER BY p.id LIMIT 1"
    )
    product = shopper.get(f"products/{row['product_id']}").json()["product"]
    before, price = row["price_before_discount"], row["price"]
    assert product["priceAsNumber"] == price
    assert product["priceBeforeDiscountAsNumber"] == before
    assert product["discountPercent"] == round((before - price) * 100 / before)
    assert product["discountPercent"] > 0
    assert product["showAsOnSale"] is True


def test_stock_is_reported_as_yes_few_or_no(shopper: httpx.Client, sandbox: Sandbox) -> None:
    few = sandbox.store.one(
        "SELECT i.id, i.product_id FROM items i JOIN products p ON p.id = i.product_id "
        "JOIN product_markets m ON m.product_id = p.id AND m.market_id = 1 "
        "WHERE p.active = 1 AND i.stock BETWEEN 1 AND 3 ORDER BY i.id LIMIT 1"
    )
    items = shopper.get(f"products/{few['product_id']}").json()["product"]["items"]
    assert {i["item"]: i["stock"] for i in items}[few["id"]] == "few"
    sold_out = shopper.get(f"products/{SOLD_OUT}").json()["product"]
    assert {i["stock"] for i in sold_out["items"]} == {"no"}
    assert sold_out["available"] is False


def test_product_without_a_price_is_listed_but_not_available(server: httpx.Client) -> None:
    response = server.post("products", json={"pricelist": 3, "products": [NO_USD_PRICE, 101]})
    products = {p["product"]: p for p in response.json()["products"]}
    unpriced = products[str(NO_USD_PRICE)]
    assert {k: unpriced[k] for k in ("price", "priceAsNumber", "priceBeforeDiscount")} == {
        "price": None,
        "priceAsNumber": None,
        "priceBeforeDiscount": None,
    }
    assert unpriced["priceBeforeDiscountAsNumber"] is None
    assert (unpriced["discountPercent"], unpriced["showAsOnSale"]) == (0, False)
    assert unpriced["lowestPrice"] == []
    assert unpriced["available"] is False
    assert products["101"]["price"] == "$300.99"


def test_session_selection_sets_pricelist_and_language(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    token = shopper.post("products", json={"limit": 1}).json()["token"]
    set_selection(sandbox, token, pricelist=2, language="sv")
    product = shopper.get("products/101").json()["product"]
    assert (product["name"], product["price"]) == ("Avslappnad Kavaj", "€273,95")
    assert product["categoryName"] == ["Dam", "Jackor"]


def test_session_market_decides_which_products_exist(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    token = shopper.post("products", json={"limit": 1}).json()["token"]
    set_selection(sandbox, token, market=2, pricelist=3)
    response = shopper.post("products")
    assert set(ids(response)) == visible_in(sandbox, 2)
    assert NOT_IN_EUROPE in ids(response)


def test_context_fields_in_the_body_are_ignored_without_the_secret(shopper: httpx.Client) -> None:
    response = shopper.post(
        "products",
        json={"products": [101], "market": 3, "pricelist": 2, "language": "de", "preview": True},
    )
    (product,) = response.json()["products"]
    assert (product["name"], product["price"]) == ("Relaxed Blazer", "2 999.00 SEK")
    assert (
        shopper.post("products", json={"products": [VIP_ONLY], "market": 3}).json()["productCount"]
        == 0
    )


def test_secret_chooses_market_pricelist_and_language(
    server: httpx.Client, sandbox: Sandbox
) -> None:
    response = server.post("products", json={"market": 3, "pricelist": 4, "language": "de"})
    assert set(ids(response)) == visible_in(sandbox, 3)
    assert VIP_ONLY in ids(response)
    product = next(p for p in response.json()["products"] if p["product"] == "101")
    assert (product["name"], product["price"]) == ("Lässig Blazer", "2 399.00 SEK")


def test_market_all_and_pricelist_all(server: httpx.Client, sandbox: Sandbox) -> None:
    response = server.post("products", json={"market": "all", "pricelist": "all"})
    expected = sql_ids(sandbox, "SELECT id FROM products WHERE active = 1")
    assert set(ids(response)) == expected
    products = {p["product"]: p for p in response.json()["products"]}
    assert products[str(VIP_ONLY)]["markets"] == [3]
    assert products["101"]["markets"] == [1, 2, 3]
    assert products["101"]["prices"]["2"] == {
        "price": "€273,95",
        "priceAsNumber": 273.95,
        "priceBeforeDiscount": "€273,95",
        "priceBeforeDiscountAsNumber": 273.95,
        "discountPercent": 0,
        "showAsOnSale": False,
        "showAsNew": False,
    }
    assert sorted(products["101"]["prices"]) == ["1", "2", "3", "4"]
    assert sorted(products[str(NO_USD_PRICE)]["prices"]) == ["1", "2", "4"]
    for field in ("price", "priceAsNumber", "discountPercent", "showAsOnSale", "lowestPrice"):
        assert field not in products["101"]


def test_token_none_reads_the_catalog_in_the_store_defaults(
    sandbox: Sandbox, server: httpx.Client
) -> None:
    with httpx.Client(
        transport=SandboxTransport(sandbox), base_url="http://sandbox.test/api/checkout/"
    ) as client:
        response = client.post("products", json={"products": [101]}, headers={"API-token": "none"})
    assert "token" not in response.json()
    assert response.json()["products"][0]["price"] == "2 999.00 SEK"
    sessions = sandbox.store.one("SELECT COUNT(*) FROM sessions")[0]
    server_answer = server.post(
        "products", json={"products": [101], "pricelist": 2}, headers={"API-token": "none"}
    ).json()
    assert server_answer["products"][0]["price"] == "€273,95"
    assert sandbox.store.one("SELECT COUNT(*) FROM sessions")[0] == sessions


# -- filters -----------------------------------------------------------------------------------


def test_filter_by_product_ids_accepts_ints_and_strings(shopper: httpx.Client) -> None:
    response = shopper.post("products", json={"products": [101, "106", 999999]})
    assert sorted(ids(response)) == [101, 106]
    assert response.json()["productCount"] == 2


def test_filter_by_category_brand_and_collection(shopper: httpx.Client, sandbox: Sandbox) -> None:
    europe = visible_in(sandbox, 1)
    in_jackets = sql_ids(
        sandbox, "SELECT product_id FROM product_categories WHERE category_id = 44"
    )
    assert set(ids(shopper.post("products", json={"categories": ["44"]}))) == europe & in_jackets
    brands = sql_ids(sandbox, "SELECT id FROM products WHERE brand_id IN (2, 5)")
    assert set(ids(shopper.post("products", json={"brands": [2, 5]}))) == europe & brands
    collection = sql_ids(sandbox, "SELECT id FROM products WHERE collection_id = 21")
    assert set(ids(shopper.post("products", json={"collections": [21]}))) == europe & collection
    both = shopper.post("products", json={"categories": [44], "brands": [2, 5]})
    assert set(ids(both)) == europe & in_jackets & brands


def test_filter_by_backend_product_gives_its_variants(shopper: httpx.Client) -> None:
    assert sorted(ids(shopper.post("products", json={"silkProduct": 5013}))) == VARIANT_GROUP


def test_search_folds_case_and_accents(server: httpx.Client, sandbox: Sandbox) -> None:
    europe = visible_in(sandbox, 1)
    fjall = sql_ids(
        sandbox,
        "SELECT product_id FROM product_texts WHERE language = 'en' AND name LIKE 'Fjäll %'",
    )
    assert set(ids(server.post("products", json={"search": "FJALL"}))) == europe & fjall
    green_sv = sql_ids(
        sandbox,
        "SELECT product_id FROM product_texts "
        "WHERE language = 'sv' AND description LIKE '% grön,%'",
    )
    assert len(europe & green_sv) >= 3
    found = server.post("products", json={"search": "gron", "language": "sv"})
    assert set(ids(found)) == europe & green_sv
    # The same word is not in the English texts.
    assert ids(server.post("products", json={"search": "gron"})) == []


def test_search_matches_every_word_and_skus(shopper: httpx.Client, sandbox: Sandbox) -> None:
    europe = visible_in(sandbox, 1)
    both = sql_ids(
        sandbox,
        "SELECT product_id FROM product_texts WHERE language = 'en' "
        "AND name LIKE '%Crème%' AND name LIKE '%Parka%'",
    )
    assert set(ids(shopper.post("products", json={"search": "creme parka"}))) == europe & both
    assert ids(shopper.post("products", json={"search": "p05001bro"})) == [101]
    assert ids(shopper.post("products", json={"search": "P05001BROXL"})) == [101]
    assert ids(shopper.post("products", json={"search": "7300000101053"})) == [101]
    assert ids(shopper.post("products", json={"search": "%"})) == []


def test_only_available_keeps_priced_products_in_stock(
    server: httpx.Client, sandbox: Sandbox
) -> None:
    expected = sql_ids(
        sandbox,
        "SELECT p.id FROM products p JOIN product_markets m ON m.product_id = p.id "
        "WHERE p.active = 1 AND m.market_id = 2 "
        "AND EXISTS (SELECT 1 FROM items i WHERE i.product_id = p.id AND i.stock > 0) "
        "AND EXISTS (SELECT 1 FROM product_prices pp WHERE pp.product_id = p.id "
        "AND pp.pricelist_id = 3)",
    )
    response = server.post("products", json={"market": 2, "pricelist": 3, "onlyAvailable": True})
    assert set(ids(response)) == expected
    assert all(p["available"] for p in response.json()["products"])
    assert NO_USD_PRICE not in ids(response)


def test_item_name_filter_alone_and_with_only_available(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    europe = visible_in(sandbox, 1)
    sized = sql_ids(sandbox, "SELECT product_id FROM items WHERE name IN ('W28/L32', '45')")
    assert set(ids(shopper.post("products", json={"items.name": ["W28/L32", "45"]}))) == (
        europe & sized
    )
    in_stock = sql_ids(sandbox, "SELECT product_id FROM items WHERE name = 'W30/L32' AND stock > 0")
    response = shopper.post("products", json={"items.name": "W30/L32", "onlyAvailable": True})
    assert set(ids(response)) == europe & in_stock


def test_custom_attribute_filter_takes_a_list_or_a_string(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    europe = visible_in(sandbox, 1)
    red_or_blue = sql_ids(sandbox, "SELECT id FROM products WHERE variant_name IN ('Red', 'Blue')")
    listed = shopper.post("products", json={"swatch.desc": ["Red", "Blue"]})
    assert set(ids(listed)) == europe & red_or_blue
    red = sql_ids(sandbox, "SELECT id FROM products WHERE variant_name = 'Red'")
    response = shopper.post("products", json={"swatch.desc": "Red"})
    assert set(ids(response)) == europe & red
    assert {p["swatch"]["hex"] for p in response.json()["products"]} == {"ff0000"}


def test_uri_filter_finds_a_product_or_a_category(shopper: httpx.Client, sandbox: Sandbox) -> None:
    body = {"uri": {"uri": "relaxed-blazer-brown", "for": ["product", "category"]}}
    assert ids(shopper.post("products", json=body)) == [101]
    in_hats = sql_ids(sandbox, "SELECT product_id FROM product_categories WHERE category_id = 54")
    body = {"uri": {"uri": "accessories/hats", "for": ["category"]}}
    assert set(ids(shopper.post("products", json=body))) == visible_in(sandbox, 1) & in_hats
    body = {"uri": {"uri": "accessories/hats", "for": ["product"]}}
    assert ids(shopper.post("products", json=body)) == []


# -- paging and sorting ------------------------------------------------------------------------


def test_pages_cover_the_list_without_overlap(shopper: httpx.Client) -> None:
    everything = ids(shopper.post("products"))
    pages = []
    for skip in range(0, len(everything), 7):
        response = shopper.post("products", json={"limit": 7, "skipFirst": skip})
        assert response.json()["productCount"] == len(everything)
        pages.extend(ids(response))
    assert pages == everything
    beyond = shopper.post("products", json={"limit": 5, "skipFirst": 10_000}).json()
    assert (beyond["products"], beyond["productCount"]) == ([], len(everything))
    nothing = shopper.post("products", json={"limit": 0}).json()
    assert (nothing["products"], nothing["productCount"]) == ([], len(everything))
    assert ids(shopper.post("products", json={"limit": "3"})) == everything[:3]


@pytest.mark.parametrize(
    ("field", "key"),
    [("uri", "uri"), ("createdAt", "createdAt"), ("modifiedAt", "modifiedAt")],
)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sort_by_product_fields(shopper: httpx.Client, field: str, key: str, order: str) -> None:
    body = {"sortOrder": [{"field": field, "order": order}]}
    values = [p[key] for p in shopper.post("products", json=body).json()["products"]]
    assert values == sorted(values, reverse=order == "desc")
    assert len(set(values)) > 10


def test_sort_by_price_puts_unpriced_products_last(server: httpx.Client) -> None:
    for order in ("asc", "desc"):
        body = {"pricelist": 3, "sortOrder": [{"field": "priceAsNumber", "order": order}]}
        prices = [p["priceAsNumber"] for p in server.post("products", json=body).json()["products"]]
        priced = [p for p in prices if p is not None]
        assert prices == priced + [None] * (len(prices) - len(priced))
        assert priced == sorted(priced, reverse=order == "desc")
        assert len(priced) < len(prices)


def test_sort_by_collection_uri_then_price(shopper: httpx.Client) -> None:
    body = {
        "sortOrder": [
            {"field": "collectionUri", "order": "asc"},
            {"field": "priceAsNumber", "order": "desc"},
        ]
    }
    products = shopper.post("products", json=body).json()["products"]
    keys = [(p["collectionUri"] or "~", -p["priceAsNumber"]) for p in products]
    assert keys == sorted(keys)


def test_category_item_sort_follows_the_category_order(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    expected = [
        row[0]
        for row in sandbox.store.all(
            "SELECT pc.product_id FROM product_categories pc JOIN products p "
            "ON p.id = pc.product_id JOIN product_markets m ON m.product_id = p.id "
            "AND m.market_id = 1 WHERE pc.category_id = 41 AND p.active = 1 "
            "ORDER BY pc.sort_order DESC"
        )
    ]
    body = {"categories": [41], "sortOrder": [{"field": "categoryItemSort", "order": "desc"}]}
    assert ids(shopper.post("products", json=body)) == expected


# -- facets ------------------------------------------------------------------------------------


def test_facets_without_filters_count_the_whole_catalog(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    response = shopper.post("products", json={"limit": 1})
    fields = [f["field"] for f in response.json()["filter"]]
    assert fields == ["brands", "categories", "collections", "swatch.desc", "items.name"]
    for entry in response.json()["filter"]:
        for value in entry["values"]:
            assert value["count"] == value["totalCount"]
    europe = visible_in(sandbox, 1)
    brands = facet(response, "brands")
    for value, entry in brands.items():
        members = sql_ids(sandbox, "SELECT id FROM products WHERE brand_id = ?", (int(value),))
        assert entry["totalCount"] == len(europe & members)
    assert brands["2"]["data"] == {"brand": "2", "brandName": "Björnstad"}
    assert sum(v["totalCount"] for v in brands.values()) == len(europe)
    assert facet(response, "collections")["21"]["data"] == {
        "collection": "21",
        "collectionName": "Spring Summer 2024",
    }
    assert facet(response, "categories")["44"]["data"] == {
        "category": "44",
        "name": ["Womens", "Jackets"],
        "uri": "womens/jackets",
        "inCategory": "41",
        "metaKeywords": "womens jackets",
        "metaTitle": "Womens Jackets",
        "metaDescription": "Womens Jackets: shop online",
    }
    # The unpublished category is no facet value.
    assert "46" not in facet(response, "categories")
    assert facet(response, "swatch.desc")["Red"]["data"] == {"desc": "Red", "hex": "ff0000"}
    sizes = facet(response, "items.name")
    assert "" not in sizes
    assert list(sizes)[:6] == ["XS", "S", "M", "L", "XL", "XXL"]
    with_m = sql_ids(sandbox, "SELECT product_id FROM items WHERE name = 'M'")
    assert sizes["M"]["totalCount"] == len(europe & with_m)


def test_facet_counts_follow_the_filters_and_totals_do_not(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    unfiltered = shopper.post("products", json={"limit": 0})
    response = shopper.post("products", json={"brands": [2], "limit": 0})
    brands = facet(response, "brands")
    assert brands["2"]["count"] == response.json()["productCount"]
    assert all(v["count"] == 0 for k, v in brands.items() if k != "2")
    assert {k: v["totalCount"] for k, v in brands.items()} == {
        k: v["totalCount"] for k, v in facet(unfiltered, "brands").items()
    }
    europe = visible_in(sandbox, 1)
    red_brand_2 = sql_ids(
        sandbox, "SELECT id FROM products WHERE brand_id = 2 AND variant_name = 'Red'"
    )
    assert facet(response, "swatch.desc").get("Red", {"count": 0})["count"] == len(
        europe & red_brand_2
    )


# -- related products --------------------------------------------------------------------------


def test_related_products_default_to_variants_in_short_form(shopper: httpx.Client) -> None:
    product = shopper.post("products", json={"products": [115]}).json()["products"][0]
    assert [r["product"] for r in product["relatedProducts"]] == ["116", "117"]
    first = product["relatedProducts"][0]
    assert set(first) == {"product", "available", "media", "relation"}
    assert first["relation"] == "variant"
    assert first["media"]["standard"][0] == "http://sandbox.test/media/standard/p116-1.svg"


def test_related_products_true_adds_standard_relations_as_full_objects(
    shopper: httpx.Client,
) -> None:
    body = {"products": [115], "relatedProducts": True}
    related = shopper.post("products", json=body).json()["products"][0]["relatedProducts"]
    assert [(r["product"], r["relation"]) for r in related] == [
        ("116", "variant"),
        ("117", "variant"),
        ("136", "standard"),
        ("152", "standard"),
    ]
    assert related[2]["items"][0]["item"].startswith("136-")
    assert related[2]["price"].endswith(" SEK")
    # Their own relations: variants only, in the short form (never nested deeper).
    for entry in related:
        for nested in entry["relatedProducts"]:
            assert set(nested) == {"product", "available", "media", "relation"}
            assert nested["relation"] == "variant"
    assert [r["product"] for r in related[0]["relatedProducts"]] == ["115", "117"]


def test_related_products_hide_what_the_market_does_not_sell(shopper: httpx.Client) -> None:
    # 110 and 111 are variants; 110 is sold in the VIP market only.
    product = shopper.get("products/111").json()["product"]
    assert product["relatedProducts"] == []


def test_subscription_plans_are_priced_in_the_pricelist_or_not_at_all(
    shopper: httpx.Client, server: httpx.Client
) -> None:
    # Seed 1: 150 is a subscribable accessory at 399 SEK (its plans: 10, 15 and 20 % off).
    plans = shopper.get("products/150").json()["product"]["subscriptionPlans"]
    every = server.post("products", json={"products": [150], "pricelist": "all"}).json()
    plain = shopper.get("products/101").json()["product"]

    assert [(p["subscriptionPlan"], p["intervalValue"], p["intervalType"]) for p in plans] == [
        (1, 1, "month"),
        (2, 3, "month"),
        (3, 1, "year"),
    ]
    assert [p["priceAfterDiscount"] for p in plans] == ["359.10 SEK", "339.15 SEK", "319.20 SEK"]
    assert {p["price"] for p in plans} == {"399.00 SEK"}
    [across] = every["products"]
    assert [set(p) for p in across["subscriptionPlans"]] == [
        {
            "subscriptionPlan",
            "name",
            "intervalValue",
            "intervalType",
            "discountPercent",
            "shippingType",
            "status",
        }
    ] * 3
    assert plain["subscriptionPlans"] == []


# -- preview -----------------------------------------------------------------------------------


def test_preview_with_the_secret_adds_inactive_products(
    server: httpx.Client, sandbox: Sandbox
) -> None:
    response = server.post("products", json={"preview": True})
    expected = sql_ids(
        sandbox,
        "SELECT p.id FROM products p JOIN product_markets m ON m.product_id = p.id "
        "WHERE m.market_id = 1",
    )
    assert set(ids(response)) == expected
    products = {int(p["product"]): p for p in response.json()["products"]}
    assert products[INACTIVE]["preview"] is True
    assert products[101]["preview"] is False
    assert products[INACTIVE]["categoryUri"] == "womens/capsule"
    assert INACTIVE not in ids(server.post("products", json={}))


def test_preview_flag_name_comes_from_the_config(demo_db_template: str) -> None:
    store = Store(":memory:")
    template = Store(demo_db_template)
    template.db.backup(store.db)
    sandbox = Sandbox(store, SandboxConfig(public_url="http://sandbox.test", preview_flag="draft"))
    with httpx.Client(
        transport=SandboxTransport(sandbox),
        base_url="http://sandbox.test/api/checkout/",
        headers={"Authorization": f"Bearer {DEFAULT_SHARED_SECRET}"},
    ) as client:
        ignored = client.post("products", json={"products": [INACTIVE], "preview": True})
        assert ignored.json()["productCount"] == 0
        found = client.post("products", json={"products": [INACTIVE], "draft": True}).json()
    assert found["products"][0]["draft"] is True
    assert "preview" not in found["products"][0]


def test_get_product_hides_inactive_and_unsold_products(shopper: httpx.Client) -> None:
    for product_id in (INACTIVE, VIP_ONLY):
        response = shopper.get(f"products/{product_id}")
        assert response.status_code == 404
        assert response.json()["errors"] == {"product": "not found"}


@pytest.mark.parametrize(
    "path",
    ["products/999999", "products/abc", "products/..%2F..%2Fcountries", "products/1" + "0" * 40],
)
def test_unknown_product_is_a_404(shopper: httpx.Client, path: str) -> None:
    response = shopper.get(path)
    assert response.status_code == 404
    assert response.json()["errors"] == {"product": "not found"}
    assert "token" in response.json()


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"limit": -1}, "limit"),
        ({"limit": 10**40}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": True}, "limit"),
        ({"skipFirst": 1.5}, "skipFirst"),
        ({"products": ["abc"]}, "products"),
        ({"products": [-3]}, "products"),
        ({"categories": {"a": 1}}, "categories"),
        ({"brands": [10**20]}, "brands"),
        ({"products": list(range(1001))}, "products"),
        ({"silkProduct": "x"}, "silkProduct"),
        ({"search": 123}, "search"),
        ({"search": "x" * 201}, "search"),
        ({"onlyAvailable": "yes"}, "onlyAvailable"),
        ({"relatedProducts": 1}, "relatedProducts"),
        ({"sortOrder": [{"field": "name"}]}, "sortOrder"),
        ({"sortOrder": [{"field": "uri", "order": "up"}]}, "sortOrder"),
        ({"sortOrder": "uri"}, "sortOrder"),
        ({"uri": "womens"}, "uri"),
        ({"uri": {"uri": 5, "for": ["category"]}}, "uri.uri"),
        ({"items.name": [1]}, "items.name"),
        ({"swatch.desc": {"desc": "Red"}}, "swatch.desc"),
        ({"measurementChart": "false"}, "measurementChart"),
        ({"measurementChart": 0}, "measurementChart"),
        ({"measurementChart": [False]}, "measurementChart"),
    ],
)
def test_bad_product_queries_answer_400(
    shopper: httpx.Client, body: dict[str, Any], key: str
) -> None:
    response = shopper.post("products", json=body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [key]


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        ({"market": "everything"}, 400, {"market": "must be an integer"}),
        ({"market": 99}, 404, {"market": "not found"}),
        ({"pricelist": 99}, 404, {"pricelist": "not found"}),
        ({"pricelist": -1}, 400, {"pricelist": "must be between 0 and 2147483647"}),
        ({"language": "xx"}, 404, {"language": "not found"}),
        ({"language": ["en"]}, 400, {"language": "must be a language code"}),
        ({"preview": "yes"}, 400, {"preview": "must be true or false"}),
    ],
)
def test_bad_context_fields_with_the_secret(
    server: httpx.Client, body: dict[str, Any], status: int, errors: dict[str, str]
) -> None:
    response = server.post("products", json=body)
    assert response.status_code == status
    assert response.json()["errors"] == errors


def test_malformed_json_and_non_object_bodies(shopper: httpx.Client) -> None:
    response = shopper.post(
        "products", content=b'{"limit": ', headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["errors"]) == (400, {"body": "malformed JSON"})
    response = shopper.post("products", json=[1, 2])
    assert response.status_code == 400
    assert response.json()["errors"] == {"body": "must be a JSON object"}


# -- categories, brands, collections -----------------------------------------------------------


def test_categories_in_tree_order_with_full_path_names(shopper: httpx.Client) -> None:
    categories = shopper.get("categories").json()["categories"]
    assert [c["uri"] for c in categories] == [
        "womens",
        "womens/shoes",
        "womens/dresses",
        "womens/jackets",
        "womens/jeans",
        "mens",
        "mens/shoes",
        "mens/shirts",
        "mens/jackets",
        "mens/jeans",
        "accessories",
        "accessories/bags",
        "accessories/hats",
        "sale",
    ]
    assert categories[0] == {
        "category": "41",
        "name": ["Womens"],
        "uri": "womens",
        "metaKeywords": "womens",
        "metaTitle": "Womens",
        "metaDescription": "Womens: shop online",
    }
    assert categories[1]["name"] == ["Womens", "Shoes"]
    assert categories[1]["inCategory"] == "41"


def test_post_categories_with_the_secret_chooses_language_and_preview(
    server: httpx.Client, shopper: httpx.Client
) -> None:
    swedish = server.post("categories", json={"language": "sv"}).json()["categories"]
    assert swedish[1]["name"] == ["Dam", "Skor"]
    preview = server.post("categories", json={"preview": True}).json()["categories"]
    capsule = next(c for c in preview if c["uri"] == "womens/capsule")
    assert capsule["preview"] is True
    assert len(preview) == 15
    ignored = shopper.post("categories", json={"language": "sv", "preview": True}).json()
    assert ignored["categories"][1]["name"] == ["Womens", "Shoes"]
    assert len(ignored["categories"]) == 14


def test_brands_and_collections(shopper: httpx.Client) -> None:
    brands = shopper.get("brands").json()["brands"]
    assert [b["name"] for b in brands] == [
        "Atelier Lumière",
        "Björnstad",
        "Hale & Co",
        "Kestrel",
        "Maison Éclair",
        "Nordvik",
        "Solberg",
        "Vanta",
    ]
    assert brands[1] == {
        "brand": "2",
        "uri": "bjornstad",
        "name": "Björnstad",
        "metaKeywords": "björnstad",
        "metaTitle": "Björnstad",
        "metaDescription": "Shop Björnstad online",
    }
    collections = shopper.get("collections").json()["collections"]
    assert collections[0] == {"collection": "22", "uri": "aw24", "name": "Autumn Winter 2024"}
    assert len(collections) == 4


# -- POST uri ----------------------------------------------------------------------------------


def test_uri_resolves_a_product(shopper: httpx.Client) -> None:
    response = shopper.post("uri", json={"uri": "/relaxed-blazer-brown", "for": ["product"]})
    assert response.status_code == 200
    assert response.json()["found"] == "product"
    assert response.json()["product"]["product"] == "101"
    prefixed = {"uri": "womens/jackets/relaxed-blazer-brown", "for": ["product", "category"]}
    assert shopper.post("uri", json=prefixed).json()["product"]["product"] == "101"
    wrong_prefix = {"uri": "mens/jackets/relaxed-blazer-brown", "for": ["product"]}
    assert shopper.post("uri", json=wrong_prefix).status_code == 404


def test_uri_resolves_a_category_page(shopper: httpx.Client, sandbox: Sandbox) -> None:
    body = {"uri": "womens/jackets/", "for": ["product", "category"], "limit": 4, "skipFirst": 2}
    answer = shopper.post("uri", json=body).json()
    in_jackets = sql_ids(
        sandbox, "SELECT product_id FROM product_categories WHERE category_id = 44"
    )
    members = visible_in(sandbox, 1) & in_jackets
    assert answer["found"] == "category"
    assert answer["category"]["category"] == "44"
    assert answer["category"]["name"] == ["Womens", "Jackets"]
    assert answer["productCount"] == len(members)
    order = [
        row[0]
        for row in sandbox.store.all(
            "SELECT product_id FROM product_categories WHERE category_id = 44 ORDER BY sort_order"
        )
        if row[0] in members
    ]
    assert [int(p["product"]) for p in answer["products"]] == order[2:6]
    assert facet_from(answer, "categories")["44"]["count"] == len(members)


def facet_from(answer: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    (found,) = [f for f in answer["filter"] if f["field"] == name]
    return {v["value"]: v for v in found["values"]}


def test_uri_category_page_takes_further_filters(shopper: httpx.Client, sandbox: Sandbox) -> None:
    body = {"uri": "womens", "for": ["category"], "brands": [2]}
    answer = shopper.post("uri", json=body).json()
    expected = (
        visible_in(sandbox, 1)
        & sql_ids(sandbox, "SELECT product_id FROM product_categories WHERE category_id = 41")
        & sql_ids(sandbox, "SELECT id FROM products WHERE brand_id = 2")
    )
    assert {int(p["product"]) for p in answer["products"]} == expected
    assert answer["productCount"] == len(expected)


def test_uri_resolves_cms_articles_and_the_home_page(server: httpx.Client) -> None:
    home = server.post("uri", json={"uri": "/", "for": ["cmsArticle"]}).json()
    assert home["found"] == "cmsArticle"
    assert home["cmsArticle"] == {
        "article": "1",
        "uri": "home",
        "title": "Welcome",
        "metaTitle": "Welcome",
        "metaDescription": "Welcome",
        "parts": [
            {"type": "text", "html": "<p>New arrivals every week, delivered from Stockholm.</p>"},
            {
                "type": "image",
                "url": "http://sandbox.test/media/standard/cms-home.svg",
                "alt": "Welcome",
            },
            {"type": "products", "products": ["101", "106", "107", "108"]},
        ],
    }
    body = {"uri": "customer-service/shipping", "for": ["cmsArticle"], "language": "de"}
    article = server.post("uri", json=body).json()["cmsArticle"]
    assert (article["article"], article["title"]) == ("3", "Versand")


def test_unpublished_article_needs_preview_and_the_secret(
    server: httpx.Client, shopper: httpx.Client
) -> None:
    body = {"uri": "summer-preview", "for": ["cmsArticle"], "preview": True}
    assert shopper.post("uri", json=body).status_code == 404
    assert server.post("uri", json={**body, "preview": False}).status_code == 404
    article = server.post("uri", json=body).json()["cmsArticle"]
    assert (article["uri"], article["preview"]) == ("summer-preview", True)


def test_uri_preview_finds_unpublished_products_and_categories(server: httpx.Client) -> None:
    body = {"uri": "studio-capsule-top-navy", "for": ["product"]}
    assert server.post("uri", json=body).status_code == 404
    product = server.post("uri", json={**body, "preview": True}).json()["product"]
    assert (product["product"], product["preview"]) == (str(INACTIVE), True)
    category = {"uri": "womens/capsule", "for": ["category"]}
    assert server.post("uri", json=category).status_code == 404
    answer = server.post("uri", json={**category, "preview": True}).json()
    assert answer["category"]["preview"] is True
    assert {p["product"] for p in answer["products"]} >= {str(INACTIVE)}


@pytest.mark.parametrize(
    "body",
    [
        {"uri": "relaxed-blazer-brown", "for": ["category", "cmsArticle"]},
        {"uri": "womens", "for": ["product"]},
        {"uri": "about", "for": ["product", "category"]},
        {"uri": "no-such-page", "for": ["product", "category", "cmsArticle"]},
        {"uri": "", "for": ["product", "category"]},
        {"uri": "womens", "for": []},
        {"uri": "womens", "for": ["brand"]},
    ],
)
def test_uri_not_found_for_the_asked_kinds(shopper: httpx.Client, body: dict[str, Any]) -> None:
    response = shopper.post("uri", json=body)
    assert response.status_code == 404
    assert response.json()["errors"] == {"uri": "not found"}
    assert "token" in response.json()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"for": ["product"]}, {"uri": "required"}),
        ({"uri": "womens"}, {"for": "required"}),
        ({"uri": 12, "for": ["product"]}, {"uri": "must be a string"}),
        ({"uri": "x" * 1001, "for": ["product"]}, {"uri": "must be a string"}),
        ({"uri": "womens", "for": "category"}, None),
        ({"uri": "womens", "for": [1]}, {"for": "must be a string or a list of strings"}),
        (
            {"uri": "womens", "for": ["category"], "limit": -5},
            {"limit": "must be between 0 and 2147483647"},
        ),
        (
            {"uri": "womens", "for": ["category"], "measurementChart": "no"},
            {"measurementChart": "must be true or false"},
        ),
    ],
)
def test_uri_bad_bodies(
    shopper: httpx.Client, body: dict[str, Any], errors: dict[str, str] | None
) -> None:
    response = shopper.post("uri", json=body)
    if errors is None:
        # A single kind as a string is accepted like a one-element list.
        assert response.json()["found"] == "category"
    else:
        assert response.status_code == 400
        assert response.json()["errors"] == errors


# -- size charts: itemTable and measurementChart ------------------------------------------------

# The demo's charts as a Centra admin would have set them up (see size_charts): the whole chart,
# not just the sizes a product has.
ITEM_TABLES = {
    "clothing": {
        "unit": "",
        "x": ["XS", "S", "M", "L", "XL", "XXL"],
        "y": [],
        "dividerSymbol": "x",
        "original": {"x": ["XS", "S", "M", "L", "XL", "XXL"], "y": []},
        "desc": "Clothing",
    },
    "shoes": {
        "unit": "EU",
        "x": [str(size) for size in range(36, 46)],
        "y": [],
        "dividerSymbol": "x",
        "original": {"x": [str(size) for size in range(36, 46)], "y": []},
        "desc": "Shoes",
    },
    "jeans": {
        "unit": "inch",
        "x": ["W28", "W30", "W32", "W34", "W36", "W38"],
        "y": ["L32"],
        "dividerSymbol": "/",
        "original": {"x": ["W28", "W30", "W32", "W34", "W36", "W38"], "y": ["L32"]},
        "desc": "Jeans",
    },
    "one-size": {
        "unit": "",
        "x": [""],
        "y": [],
        "dividerSymbol": "x",
        "original": {"x": [""], "y": []},
        "desc": "One Size",
    },
}
EMPTY_CHART = {"unit": "", "contents": [], "x": [], "y": []}
# The sizes along a measurement chart: the size labels as items name them.
MEASURED_SIZES = {
    "clothing": ITEM_TABLES["clothing"]["x"],
    "shoes": ITEM_TABLES["shoes"]["x"],
    "jeans": [f"{waist}/L32" for waist in ITEM_TABLES["jeans"]["x"]],
}


def chart_of(sandbox: Sandbox, product_id: int) -> str:
    return sandbox.store.one("SELECT size_chart FROM products WHERE id = ?", (product_id,))[0]


def all_products(server: httpx.Client, **body: Any) -> list[dict[str, Any]]:
    """Every product of the demo, inactive and unsold ones too."""
    query = {"market": "all", "pricelist": "all", "preview": True, **body}
    return server.post("products", json=query).json()["products"]


def cell_name(table: dict[str, Any], item: dict[str, Any]) -> str:
    """The size an item's itemTableX/itemTableY point at, as Centra names it."""
    across = table["x"][item["itemTableX"]]
    if not table["y"]:
        assert item["itemTableY"] == 0
        return across
    return across + table["dividerSymbol"] + table["y"][item["itemTableY"]]


def test_every_item_points_at_its_size_in_the_item_table(
    server: httpx.Client, sandbox: Sandbox
) -> None:
    products = all_products(server)
    assert len(products) == 60
    seen = set()
    for product in products:
        chart = chart_of(sandbox, int(product["product"]))
        seen.add(chart)
        assert product["itemTable"] == ITEM_TABLES[chart], product["product"]
        assert product["items"], product["product"]
        for item in product["items"]:
            assert cell_name(product["itemTable"], item) == item["name"], item["item"]
    assert seen == set(ITEM_TABLES)


def test_items_of_a_partial_size_run_point_into_the_whole_chart(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    # A shoe with fewer sizes than the chart, the first of them not the chart's first.
    product_id, first = sandbox.store.one(
        "SELECT p.id, MIN(i.size_id) FROM products p JOIN items i ON i.product_id = p.id "
        "JOIN product_markets m ON m.product_id = p.id AND m.market_id = 1 "
        "WHERE p.size_chart = 'shoes' AND p.active = 1 GROUP BY p.id "
        "HAVING MIN(i.size_id) > 36 ORDER BY p.id LIMIT 1"
    )
    product = shopper.get(f"products/{product_id}").json()["product"]
    assert len(product["itemTable"]["x"]) == 10
    assert len(product["items"]) < 10
    assert product["items"][0]["itemTableX"] == first - 36
    assert [i["itemTableX"] for i in product["items"]] == [
        int(i["name"]) - 36 for i in product["items"]
    ]


def test_a_jeans_item_has_a_cell_in_both_dimensions(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    (product_id,) = sandbox.store.one(
        "SELECT p.id FROM products p JOIN product_markets m ON m.product_id = p.id "
        "AND m.market_id = 1 WHERE p.size_chart = 'jeans' AND p.active = 1 ORDER BY p.id"
    )
    product = shopper.get(f"products/{product_id}").json()["product"]
    table = product["itemTable"]
    for item in product["items"]:
        waist, length = item["name"].split("/")
        assert (table["x"][item["itemTableX"]], table["y"][item["itemTableY"]]) == (waist, length)
        assert item["itemTableY"] == 0


def test_one_size_product(shopper: httpx.Client, sandbox: Sandbox) -> None:
    (product_id,) = sandbox.store.one(
        "SELECT p.id FROM products p JOIN product_markets m ON m.product_id = p.id "
        "AND m.market_id = 1 WHERE p.size_chart = 'one-size' AND p.active = 1 ORDER BY p.id"
    )
    product = shopper.get(f"products/{product_id}").json()["product"]
    assert product["itemTable"] == ITEM_TABLES["one-size"]
    [item] = product["items"]
    assert (item["item"], item["name"], item["itemTableX"], item["itemTableY"]) == (
        f"{product_id}-90",
        "",
        0,
        0,
    )
    # No sizes to compare, so no measurements, in the documented shape.
    assert product["measurementChart"] == EMPTY_CHART


def test_single_product_measurement_chart(shopper: httpx.Client) -> None:
    chart = shopper.get("products/101").json()["product"]["measurementChart"]
    assert chart["unit"] == "cm"
    assert chart["x"] == ["XS", "S", "M", "L", "XL", "XXL"]
    assert chart["y"] == ["Chest", "Waist", "Length"]
    cells = {(c["x"], c["y"]): c["content"] for c in chart["contents"]}
    # One numeric string per size and measurement, each point growing with the size.
    assert len(cells) == len(chart["contents"]) == 18
    assert set(cells) == {(x, y) for x in range(6) for y in range(3)}
    for y in range(3):
        values = [float(cells[x, y]) for x in range(6)]
        assert values == sorted(set(values))
    assert [cells[x, 0] for x in range(6)] == ["82", "88", "94", "100", "106", "112"]


def test_measurement_charts_follow_the_chart_kind(server: httpx.Client, sandbox: Sandbox) -> None:
    by_chart: dict[str, list[dict[str, Any]]] = {}
    for product in all_products(server):
        by_chart.setdefault(chart_of(sandbox, int(product["product"])), []).append(product)
    for chart, products in by_chart.items():
        charts = [p["measurementChart"] for p in products]
        assert all(c == charts[0] for c in charts), chart
        if chart == "one-size":
            assert charts[0] == EMPTY_CHART
            continue
        assert charts[0]["unit"] == "cm"
        assert charts[0]["x"] == MEASURED_SIZES[chart]
        assert charts[0]["y"]
        cells = {(c["x"], c["y"]) for c in charts[0]["contents"]}
        assert cells == {
            (x, y) for x in range(len(charts[0]["x"])) for y in range(len(charts[0]["y"]))
        }
        assert all(float(c["content"]) > 0 for c in charts[0]["contents"])
    assert set(by_chart) == set(ITEM_TABLES)


def test_measurement_chart_false_drops_it_from_listings_only(
    shopper: httpx.Client, server: httpx.Client
) -> None:
    listed = shopper.post("products", json={"limit": 10}).json()["products"]
    assert listed
    assert all("measurementChart" in p for p in listed)

    dropped = shopper.post("products", json={"limit": 10, "measurementChart": False})
    assert dropped.status_code == 200
    assert all("measurementChart" not in p for p in dropped.json()["products"])
    # Nothing else changes.
    assert [
        {k: v for k, v in p.items() if k != "measurementChart"} for p in listed
    ] == dropped.json()["products"]
    kept = shopper.post("products", json={"limit": 10, "measurementChart": True}).json()
    assert kept["products"] == listed
    # null counts as not sent.
    unset = shopper.post("products", json={"limit": 10, "measurementChart": None}).json()
    assert unset["products"] == listed

    # The single-product view always has it, whatever a listing asked for.
    assert shopper.get("products/101").json()["product"]["measurementChart"]["x"]
    # As do the full related products of a listing that keeps it, and not of one that drops it.
    body = {"products": [115], "relatedProducts": True}
    related = shopper.post("products", json=body).json()["products"][0]["relatedProducts"]
    assert all("measurementChart" in r for r in related)
    body["measurementChart"] = False
    related = shopper.post("products", json=body).json()["products"][0]["relatedProducts"]
    assert related
    assert all("measurementChart" not in r for r in related)
    # With the secret and every pricelist (the catalog sync's listing) too.
    synced = server.post("products", json={"pricelist": "all", "measurementChart": False})
    assert synced.json()["products"]
    assert all("measurementChart" not in p for p in synced.json()["products"])


def test_uri_category_pages_take_the_flag_and_a_product_keeps_its_chart(
    shopper: httpx.Client,
) -> None:
    body = {"uri": "womens/jackets", "for": ["category"], "measurementChart": False}
    page = shopper.post("uri", json=body).json()
    assert page["found"] == "category"
    assert page["products"]
    assert all("measurementChart" not in p for p in page["products"])
    product = shopper.post(
        "uri", json={"uri": "relaxed-blazer-brown", "for": ["product"], "measurementChart": False}
    ).json()
    assert product["found"] == "product"
    assert product["product"]["measurementChart"]["y"] == ["Chest", "Waist", "Length"]


def test_a_product_without_a_chart_gets_a_table_of_its_own_items(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.store.db.execute("UPDATE products SET size_chart = '' WHERE id = 101")
    product = shopper.get("products/101").json()["product"]
    names = [i["name"] for i in product["items"]]
    assert product["itemTable"] == {
        "unit": "",
        "x": names,
        "y": [],
        "dividerSymbol": "x",
        "original": {"x": names, "y": []},
    }
    assert [(i["itemTableX"], i["itemTableY"]) for i in product["items"]] == [
        (n, 0) for n in range(len(names))
    ]
    assert product["measurementChart"] == EMPTY_CHART


def test_an_item_outside_the_chart_gives_the_product_a_table_of_its_own(
    server: httpx.Client, sandbox: Sandbox
) -> None:
    (other,) = sandbox.store.one(
        "SELECT id FROM products WHERE size_chart = 'clothing' AND id != 101 ORDER BY id"
    )
    # A size the clothing chart lacks, first in position order.
    sandbox.store.db.execute(
        "INSERT INTO items (id, product_id, size_id, name, ean, sku, stock, position) "
        "VALUES ('101-7', 101, 7, 'XXXS', '7300000101077', 'P05001BROXXXS', 5, 0)"
    )
    products = {p["product"]: p for p in all_products(server, products=[101, other])}
    product = products["101"]
    assert product["itemTable"]["x"] == ["XXXS", "XS", "S", "M", "L", "XL", "XXL"]
    assert "desc" not in product["itemTable"]
    assert [i["itemTableX"] for i in product["items"]] == list(range(7))
    for item in product["items"]:
        assert cell_name(product["itemTable"], item) == item["name"]
    # Its measurement chart still is the clothing one.
    assert product["measurementChart"]["x"] == ITEM_TABLES["clothing"]["x"]
    # Another clothing product on the same page keeps the chart's table.
    assert products[str(other)]["itemTable"] == ITEM_TABLES["clothing"]


def test_a_store_file_from_before_size_charts_gets_the_column(tmp_path: Path) -> None:
    path = str(tmp_path / "old.sqlite3")
    old = sqlite3.connect(path)
    # The products table as an older sandbox made it.
    old.execute(
        "CREATE TABLE products (id INTEGER PRIMARY KEY, centra_product INTEGER NOT NULL, "
        "centra_variant INTEGER NOT NULL, uri TEXT NOT NULL UNIQUE, sku TEXT NOT NULL, "
        "product_sku TEXT NOT NULL, variant_name TEXT NOT NULL DEFAULT '', brand_id INTEGER, "
        "collection_id INTEGER, category_id INTEGER, country_origin TEXT NOT NULL DEFAULT '', "
        "active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, modified_at TEXT NOT NULL, "
        "sort_order INTEGER NOT NULL DEFAULT 0, attributes TEXT NOT NULL DEFAULT '{}')"
    )
    old.commit()
    old.close()

    store = Store(path)
    columns = [row[1] for row in store.all("PRAGMA table_info(products)")]
    assert columns[-1] == "size_chart"
    load_demo(store, products=5, seed=1)
    assert store.one("SELECT size_chart FROM products WHERE id = 101")[0] == "clothing"
    store.close()
    # Opening it again finds the column there and leaves it.
    again = Store(path)
    assert [row[1] for row in again.all("PRAGMA table_info(products)")] == columns
    again.close()


# -- media -------------------------------------------------------------------------------------


def test_every_media_url_of_a_product_loads(shopper: httpx.Client, sandbox: Sandbox) -> None:
    media = shopper.get("products/101").json()["product"]["media"]
    with httpx.Client(transport=SandboxTransport(sandbox)) as browser:
        for urls in media.values():
            for url in urls:
                response = browser.get(url)
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("image/svg+xml")
                assert response.text.startswith("<svg")
                assert 'fill="#6b4226"' in response.text
                assert "Relaxed Blazer, brown" in response.text
        thumb = browser.get(media["thumb"][0]).text
        assert 'width="150" height="200"' in thumb
        first = browser.get(media["standard"][0])
        again = browser.get(media["standard"][0], headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert browser.get(media["standard"][0]).text == first.text


@pytest.mark.parametrize(
    "path",
    [
        "/media/standard/p999-1.svg",
        "/media/huge/p101-1.svg",
        "/media/standard/p101-1.png",
        "/media/standard/..%2F..%2Fetc.svg",
        "/media/standard/P101-1.svg",
    ],
)
def test_unknown_media_is_a_404(sandbox: Sandbox, path: str) -> None:
    with httpx.Client(transport=SandboxTransport(sandbox)) as browser:
        assert browser.get("http://sandbox.test" + path).status_code == 404


def test_products_without_media_carry_an_empty_list(shopper: httpx.Client) -> None:
    assert shopper.post("products", json={"products": [112]}).json()["products"][0]["media"] == []


# -- size --------------------------------------------------------------------------------------


def test_ten_thousand_products_answer_a_page_query(ten_thousand_store: Store) -> None:
    store = ten_thousand_store
    sandbox = Sandbox(store, SandboxConfig(public_url="http://sandbox.test"))
    with httpx.Client(
        transport=SandboxTransport(sandbox),
        base_url="http://sandbox.test/api/checkout/",
        headers={"API-token": "none"},
    ) as client:
        response = client.post("products", json={"limit": 40, "skipFirst": 4000})
        expected = store.one(
            "SELECT COUNT(*) FROM products p JOIN product_markets m ON m.product_id = p.id "
            "WHERE p.active = 1 AND m.market_id = 1"
        )[0]
        assert response.status_code == 200
        assert response.json()["productCount"] == expected
        assert len(response.json()["products"]) == 40
        search = client.post("products", json={"search": "fjall sneaker", "limit": 5}).json()
        assert search["productCount"] > 5
        assert all("Fjäll Sneaker" in p["name"] for p in search["products"])


# -- caching: every catalog change shows on the very next request -------------------------------
#
# Listings cache their ids, counts and facets per catalog version. Each test first asks once so
# the cache is warm, changes the catalog one way or another, and expects the next answer to
# match the changed catalog.

PLAIN = 101  # active, priced everywhere, in stock, in the public markets; brand 2


def listing(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("products", json=body)
    assert response.status_code == 200
    return response.json()


def test_control_changes_show_in_the_next_listing(
    shopper: httpx.Client, control: httpx.Client, sandbox: Sandbox
) -> None:
    before = listing(shopper)
    brand_2 = listing(shopper, brands=[2])
    assert PLAIN in [int(p["product"]) for p in before["products"]]

    control.put(f"products/{PLAIN}", json={"active": False})

    after = listing(shopper)
    assert after["productCount"] == before["productCount"] - 1
    assert PLAIN not in [int(p["product"]) for p in after["products"]]
    brands_before, brands_after = facet_of(before, "brands"), facet_of(after, "brands")
    assert brands_after["2"]["totalCount"] == brands_before["2"]["totalCount"] - 1
    assert listing(shopper, brands=[2])["productCount"] == brand_2["productCount"] - 1

    control.put(f"products/{PLAIN}", json={"active": True, "prices": {"1": {"price": 1}}})
    cheapest = listing(shopper, sortOrder={"field": "priceAsNumber"}, limit=1)["products"][0]
    assert (int(cheapest["product"]), cheapest["priceAsNumber"]) == (PLAIN, 1.0)
    assert listing(shopper)["productCount"] == before["productCount"]


def test_stock_names_and_categories_changed_by_control_show_in_listings(
    shopper: httpx.Client, control: httpx.Client, sandbox: Sandbox
) -> None:
    available = listing(shopper, onlyAvailable=True)
    assert listing(shopper, search="Stormrock")["productCount"] == 0
    items = [r[0] for r in sandbox.store.all("SELECT id FROM items WHERE product_id = ?", (PLAIN,))]

    control.put(
        f"products/{PLAIN}",
        json={"stock": dict.fromkeys(items, 0), "names": {"en": "Stormrock"}},
    )

    sold_out = listing(shopper, onlyAvailable=True)
    assert sold_out["productCount"] == available["productCount"] - 1
    found = listing(shopper, search="stormrock")
    assert [(p["product"], p["name"]) for p in found["products"]] == [(str(PLAIN), "Stormrock")]

    categories = facet_of(listing(shopper, limit=0), "categories")
    control.put("categories/44", json={"names": {"en": "Coats"}})
    renamed = facet_of(listing(shopper, limit=0), "categories")
    assert renamed["44"]["data"]["name"] == ["Womens", "Coats"]
    assert {k: v["totalCount"] for k, v in renamed.items()} == {
        k: v["totalCount"] for k, v in categories.items()
    }


def test_direct_sql_writes_show_in_the_next_listing(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    before = listing(shopper, limit=0)
    sandbox.store.db.execute("UPDATE brands SET name = 'Renamed Brand' WHERE id = 2")
    sandbox.store.db.execute(
        "DELETE FROM product_markets WHERE product_id = ? AND market_id = 1", (PLAIN,)
    )

    after = listing(shopper, limit=0)
    assert after["productCount"] == before["productCount"] - 1
    assert facet_of(after, "brands")["2"]["data"]["brandName"] == "Renamed Brand"
    assert shopper.get("categories").status_code == 200


def test_a_rolled_back_change_leaves_no_stale_listing(
    shopper: httpx.Client, sandbox: Sandbox
) -> None:
    before = listing(shopper, limit=0)
    ctx = ProductContext(market=1, pricelist=1, language="en")

    def change_then_fail() -> None:
        with sandbox.store.transaction() as db:
            db.execute("UPDATE products SET active = 0 WHERE id = ?", (PLAIN,))
            # A listing inside the doomed transaction sees (and caches) the change...
            assert search_products(db, parse_query({}), ctx).count == before["productCount"] - 1
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError, match="roll back"):
        change_then_fail()
    # ...and after the rollback the catalog, and so the listing, is as before.
    after = listing(shopper)
    assert after["productCount"] == before["productCount"]
    assert PLAIN in [int(p["product"]) for p in after["products"]]
    # A later, different change must not meet what the doomed transaction cached.
    other = next(int(p["product"]) for p in after["products"] if int(p["product"]) != PLAIN)
    sandbox.store.db.execute("UPDATE products SET active = 0 WHERE id = ?", (other,))
    changed = [int(p["product"]) for p in listing(shopper)["products"]]
    assert (PLAIN in changed, other in changed) == (True, False)


def test_writes_from_another_connection_show_in_the_next_listing(
    demo_db_template: str, tmp_path: Any
) -> None:
    path = str(tmp_path / "shared.sqlite3")
    template = Store(demo_db_template)
    first = Store(path)
    template.db.backup(first.db)
    template.close()
    sandbox = Sandbox(first, SandboxConfig(public_url="http://sandbox.test"))
    with httpx.Client(
        transport=SandboxTransport(sandbox),
        base_url="http://sandbox.test/api/checkout/",
        headers={"API-token": "none"},
    ) as client:
        before = listing(client, limit=0)
        second = Store(path)
        second.db.execute("UPDATE products SET active = 0 WHERE id = ?", (PLAIN,))
        second.close()
        assert listing(client, limit=0)["productCount"] == before["productCount"] - 1
    first.close()


def test_catalog_changed_covers_a_restore_the_triggers_cannot_see(
    shopper: httpx.Client, sandbox: Sandbox, demo_db_template: str
) -> None:
    before = listing(shopper, limit=0)
    changed = Store(":memory:")
    template = Store(demo_db_template)
    template.db.backup(changed.db)
    template.close()
    changed.db.execute("UPDATE products SET active = 0 WHERE id = ?", (PLAIN,))
    changed.db.backup(sandbox.store.db)
    changed.close()

    catalog_changed(sandbox.store.db)

    assert listing(shopper, limit=0)["productCount"] == before["productCount"] - 1


def test_sandboxes_do_not_share_cached_listings(
    shopper: httpx.Client, demo_db_template: str
) -> None:
    before = listing(shopper, limit=0)
    other = Store(":memory:")
    template = Store(demo_db_template)
    template.db.backup(other.db)
    template.close()
    other.db.execute("UPDATE products SET active = 0 WHERE id = ?", (PLAIN,))
    with httpx.Client(
        transport=SandboxTransport(Sandbox(other, SandboxConfig(public_url="http://x.test"))),
        base_url="http://x.test/api/checkout/",
        headers={"API-token": "none"},
    ) as client:
        assert listing(client, limit=0)["productCount"] == before["productCount"] - 1
    assert listing(shopper, limit=0)["productCount"] == before["productCount"]


def test_pages_of_a_filtered_listing_match_the_whole_list(server: httpx.Client) -> None:
    body = {"market": "all", "pricelist": "all", "onlyAvailable": True}
    everything = listing(server, **body)
    pages = []
    for skip in range(0, everything["productCount"], 9):
        page = listing(server, **body, limit=9, skipFirst=skip)
        assert (page["productCount"], page["filter"]) == (
            everything["productCount"],
            everything["filter"],
        )
        pages.extend(page["products"])
    assert pages == everything["products"]


def facet_of(body: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    (found,) = [f for f in body["filter"] if f["field"] == name]
    return {v["value"]: v for v in found["values"]}


@pytest.mark.parametrize("value", ["²", "١٢", "1234567890123", "-1"])
def test_an_id_that_is_not_ascii_digits_or_too_long_is_a_400_not_a_crash(
    shopper: httpx.Client, value: str
) -> None:
    # "²" and "١٢" are digits to str.isdigit but not to int(): Centra answers 400, not 500.
    response = shopper.post("products", json={"products": [value]})
    assert response.status_code == 400
    assert "products" in response.json()["errors"]
