"""A category page's meta description: Centra's ``metaDescription`` when the category has one
(in the shopper's language, else the default language's), otherwise one made from its names."""

from __future__ import annotations

import re

import pytest

from catalog.models import CategoryText
from catalog.reference import invalidate

pytestmark = pytest.mark.django_db

_DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')


def _description(client, path: str) -> str:
    found = _DESCRIPTION.findall(client.get(path).content.decode())
    assert len(found) == 1, path
    return found[0]


def _set(uri: str, language: str, text: str) -> None:
    updated = CategoryText.objects.filter(category__uri=uri, language_id=language).update(
        meta_description=text
    )
    assert updated == 1
    invalidate()


def test_centras_meta_description_is_used_in_the_shoppers_language(client) -> None:
    _set("womens/shoes", "en", "Handmade shoes for every day.")
    _set("womens/shoes", "sv", "Handgjorda skor för varje dag.")
    assert _description(client, "/womens/shoes") == "Handmade shoes for every day."
    assert _description(client, "/sv/womens/shoes") == "Handgjorda skor för varje dag."
    german = CategoryText.objects.get(category__uri="womens/shoes", language_id="de")
    assert german.meta_description  # the demo's own
    assert _description(client, "/de/womens/shoes") == german.meta_description


def test_without_one_a_parent_category_names_its_subcategories(client) -> None:
    CategoryText.objects.update(meta_description="")
    invalidate()
    description = _description(client, "/womens")
    children = list(
        CategoryText.objects.filter(category__parent__uri="womens", language_id="en")
        .order_by("category__sort_order", "category_id")
        .values_list("name_path", flat=True)
    )
    assert children
    assert description.startswith("Shop Womens at Centra Storefront: ")
    for path in children[:6]:
        assert path[-1] in description


def test_without_one_a_leaf_category_gets_a_sentence_with_its_full_name(client) -> None:
    CategoryText.objects.update(meta_description="")
    invalidate()
    assert _description(client, "/womens/shoes") == (
        "Shop Womens Shoes at Centra Storefront: see every style, size and price."
    )


def test_every_category_page_has_a_description(client) -> None:
    CategoryText.objects.update(meta_description="")
    invalidate()
    for uri in CategoryText.objects.filter(language_id="en").values_list(
        "category__uri", flat=True
    ):
        assert _description(client, f"/{uri}").startswith("Shop "), uri
