"""The interface speaks German and Swedish: the catalogs in locale/ are complete and compiled,
and every kind of page rendered in ``de`` and ``sv`` shows none of the catalog's English."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import polib
import pytest
from django.test import Client

from tests.cart.helpers import buyable_items, product_url
from tests.processes import BASE_DIR

LANGUAGES = ("de", "sv")
LOCALE = BASE_DIR / "locale"


def catalog(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(language: str) -> None:
    po = polib.pofile(str(catalog(language)))
    live = [entry for entry in po if not entry.obsolete]
    assert len(live) > 150  # the shop's interface, not an empty file
    assert [e.msgid for e in live if "fuzzy" in e.flags] == [], "fuzzy: check and unmark them"
    assert [e.msgid for e in live if not e.translated()] == [], "untranslated: run make messages"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_file_is_compiled_from_its_po(language: str) -> None:
    """The .mo files are committed (a fresh laptop needs no gettext); `make messages` compiles
    them. This fails when a .po was edited without compiling."""
    po = polib.pofile(str(catalog(language)))
    mo = polib.mofile(str(catalog(language).with_suffix(".mo")))

    def messages(entries) -> dict[tuple[str, str], object]:
        return {
            (e.msgctxt or "", e.msgid): (dict(e.msgstr_plural) if e.msgid_plural else e.msgstr)
            for e in entries
            if e.msgid and not e.obsolete and "fuzzy" not in e.flags
        }

    assert messages(mo) == messages(po)


# -- every page type in German and Swedish ------------------------------------------------------


class VisibleText(HTMLParser):
    """The text nodes a shopper sees or hears (aria-label and placeholder too), one by one;
    nothing from <head>, <script> or <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("head", "script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "alt") and value:
                self.nodes.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.nodes.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.nodes


def english_patterns(language: str) -> dict[str, re.Pattern[str]]:
    """A pattern for each English msgid (and plural) whose translation differs: it matches a
    text node that starts with the English text (placeholders match anything)."""
    patterns = {}
    for entry in polib.pofile(str(catalog(language))):
        translations = set(entry.msgstr_plural.values()) if entry.msgid_plural else {entry.msgstr}
        for english in filter(None, (entry.msgid, entry.msgid_plural)):
            if english in translations:
                continue  # the same word in both languages ("Name", "Sale")
            text = english.split("<", 1)[0].strip()  # up to the first tag of a blocktranslate
            if len(text) < 2:
                continue
            pieces = re.split(r"%\(\w+\)[sd]", text)
            body = ".+?".join(re.escape(piece) for piece in pieces)
            # One word ("New") stands alone or before punctuation ("Size: 38"), so that a
            # name that starts with it ("New York") is not taken for it.
            end = r"(?:\s*[^\w\s]|$)" if " " not in text else r"(?![^\W\d_])"
            patterns[english] = re.compile(rf"^{body}{end}")
    return patterns


def english_left(html: str, language: str) -> list[str]:
    patterns = english_patterns(language)
    return sorted(
        {
            f"{english!r} in {node!r}"
            for node in visible_text(html)
            for english, pattern in patterns.items()
            if pattern.search(node)
        }
    )


def test_the_check_finds_english_in_a_page() -> None:
    html = "<html><head><title>Cart</title></head><body><h1>Your cart</h1><p>Größe</p></body>"
    assert english_left(html, "de") == ["'Your cart' in 'Your cart'"]
    assert english_left("<body><button aria-label='One more Hat'>+</button></body>", "sv") == [
        "'One more %(name)s' in 'One more Hat'"
    ]
    assert english_left("<body><h1>Ihr Warenkorb</h1></body>", "de") == []


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


CHECKOUT = {
    "address.email": "ada@example.com",
    "address.firstName": "Ada",
    "address.lastName": "Lovelace",
    "address.address1": "Storgatan 1",
    "address.zipCode": "111 22",
    "address.city": "Stockholm",
    "address.country": "SE",
    "address.phoneNumber": "+46 8 123 456",
    "shippingMethod": "standard",
    "termsAndConditions": "on",
    "action": "pay",
}


def shop_pages(client: Client, language: str) -> dict[str, str]:
    """Every kind of page a shopper meets, in ``language``, as HTML."""
    prefix = f"/{language}"

    def get(path: str, status: int = 200) -> str:
        response = client.get(path, follow=True)
        assert response.status_code == status, (path, response.status_code)
        return response.content.decode()

    [item] = buyable_items(1)
    product = prefix + product_url(item)
    pages = {
        "home": get(prefix + "/"),
        "category": get(prefix + "/womens?page=1&sort=name"),
        "product": get(product),
        "cms": get(prefix + "/about"),
        "search": get(prefix + "/search?q=loafer"),
        "search-empty": get(prefix + "/search"),
        "search-nothing": get(prefix + "/search?q=zzzzzz"),
        "404": get(prefix + "/no/such/page", 404),
        "empty-cart": get(prefix + "/cart/"),
    }
    added = client.post(
        prefix + "/cart/add", {"item": item.id, "quantity": 1, "next": product}, follow=True
    )
    pages["product-added"] = added.content.decode()
    pages["cart"] = get(prefix + "/cart/")
    pages["checkout"] = get(prefix + "/checkout/")
    pages["checkout-errors"] = client.post(
        prefix + "/checkout/", {"action": "pay"}
    ).content.decode()

    # The hosted form's page, then a declined payment's page, then a receipt.
    started = client.post(prefix + "/checkout/", {**CHECKOUT, "paymentMethod": "sandbox-form"})
    assert started.status_code == 302, started.content.decode()[:500]
    pages["payment"] = get(local(started["Location"]))
    started = client.post(prefix + "/checkout/", {**CHECKOUT, "paymentMethod": "sandbox-redirect"})
    hosted = client.get(local(started["Location"])).content.decode()
    decline = re.search(r'action="([^"]+/decline)"', hosted)[1]
    declined = client.post(decline, {"decision": "decline"})
    pages["payment-failed"] = get(local(declined["Location"]))
    started = client.post(prefix + "/checkout/", {**CHECKOUT, "paymentMethod": "sandbox-direct"})
    pages["receipt"] = get(local(started["Location"]))
    pages.update(account_pages(client, prefix, product))
    return pages


def account_pages(client: Client, prefix: str, product: str) -> dict[str, str]:
    """The account pages, signed out and then signed in as a customer with an order."""

    def get(path: str) -> str:
        response = client.get(path, follow=True)
        assert response.status_code == 200, (path, response.status_code)
        return response.content.decode()

    pages = {
        "sign-in": get(prefix + "/account/sign-in"),
        "register": get(prefix + "/account/register"),
        "forgot-password": get(prefix + "/account/forgot-password"),
        "sign-in-failed": client.post(
            prefix + "/account/sign-in", {"email": "nobody@example.com", "password": "wrong"}
        ).content.decode(),
    }
    email = "grace@example.com"
    registered = client.post(
        prefix + "/account/register",
        {
            "email": email,
            "password": "a long secret",
            "firstName": "Grace",
            "lastName": "Hopper",
            "privacy": "on",
        },
    )
    assert registered.status_code == 302, registered.content.decode()[:500]
    [item] = buyable_items(1)
    client.post(prefix + "/cart/add", {"item": item.id, "quantity": 1, "next": product})
    bought = client.post(
        prefix + "/checkout/",
        {**CHECKOUT, "address.email": email, "paymentMethod": "sandbox-direct"},
    )
    assert bought.status_code == 302, bought.content.decode()[:500]
    client.post(prefix + "/account/wishlist/add", {"product": item.product_id, "next": product})
    for page in ("", "profile", "address", "email", "password", "orders/", "wishlist/"):
        pages[f"account/{page}"] = get(f"{prefix}/account/{page}")
    order = re.search(rf'href="{prefix}/account/orders/([0-9A-Za-z-]+)/"', pages["account/orders/"])
    assert order, "the order is listed, linked in the shopper's language"
    pages["account/order"] = get(f"{prefix}/account/orders/{order[1]}/")
    return pages


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_type_speaks_the_shoppers_language(
    client: Client, centra_sandbox, language: str
) -> None:
    pages = shop_pages(client, language)

    for name, html in pages.items():
        assert f'<html lang="{language}">' in html, name
        assert english_left(html, language) == [], f"English on the {name} page"
    # Translated, not merely not English: a few of each page's own words.
    expected = {
        "de": {"cart": "Ihr Warenkorb", "checkout": "Kasse", "receipt": "Vielen Dank"},
        "sv": {"cart": "Din varukorg", "checkout": "Kassa", "receipt": "Tack för din beställning"},
    }[language]
    for name, words in expected.items():
        assert words in pages[name], name
    assert "Centra Storefront</title>" in pages["receipt"]
