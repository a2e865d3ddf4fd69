"""General settings over HTTP: countries, languages, markets and pricelists."""

from __future__ import annotations

import httpx
import pytest

from centra_sandbox import Sandbox
from centra_sandbox.transport import SandboxTransport

SHIPPABLE = ["AT", "CA", "DK", "FI", "FR", "DE", "NL", "NO", "SE", "GB", "US"]


def test_countries_lists_shippable_countries_by_name(shopper: httpx.Client) -> None:
    response = shopper.get("countries")
    assert response.status_code == 200
    countries = response.json()["countries"]
    assert [c["country"] for c in countries] == SHIPPABLE
    assert countries[8] == {
        "country": "SE",
        "name": "Sweden",
        "eu": True,
        "language": "sv",
        "currency": "SEK",
    }
    assert "CH" not in [c["country"] for c in countries]
    assert "shipTo" not in countries[0]


def test_countries_with_states_list_them(shopper: httpx.Client) -> None:
    countries = {c["country"]: c for c in shopper.get("countries").json()["countries"]}
    us_states = countries["US"]["states"]
    assert len(us_states) == 51
    assert us_states[:3] == [
        {"state": "AL", "name": "Alabama"},
        {"state": "AK", "name": "Alaska"},
        {"state": "AZ", "name": "Arizona"},
    ]
    assert {"state": "DC", "name": "District of Columbia"} in us_states
    assert [s["name"] for s in us_states] == sorted(s["name"] for s in us_states)
    assert [s["state"] for s in countries["CA"]["states"]] == [
        "AB",
        "BC",
        "MB",
        "NB",
        "NL",
        "NT",
        "NS",
        "NU",
        "ON",
        "PE",
        "QC",
        "SK",
        "YT",
    ]
    assert (countries["US"]["currency"], countries["US"]["eu"]) == ("USD", False)
    assert "states" not in countries["DE"]


def test_all_countries_need_the_secret(shopper: httpx.Client) -> None:
    response = shopper.get("countries/all")
    assert response.status_code == 401
    assert response.json()["errors"] == {"authorization": "shared secret required"}
    assert "countries" not in response.json()


def test_all_countries_add_ship_to_market_and_pricelist(server: httpx.Client) -> None:
    countries = server.get("countries/all").json()["countries"]
    assert len(countries) == 12
    by_code = {c["country"]: c for c in countries}
    assert by_code["CH"] == {
        "country": "CH",
        "name": "Switzerland",
        "eu": False,
        "language": "de",
        "currency": "EUR",
        "shipTo": False,
        "market": "1",
        "pricelist": "2",
    }
    assert (by_code["US"]["shipTo"], by_code["US"]["market"], by_code["US"]["pricelist"]) == (
        True,
        "2",
        "3",
    )
    assert len(by_code["US"]["states"]) == 51
    assert len(by_code["CA"]["states"]) == 13
    assert [c["name"] for c in countries] == sorted(c["name"] for c in countries)


def test_languages_sorted_by_name(shopper: httpx.Client) -> None:
    assert shopper.get("languages").json()["languages"] == [
        {"language": "en", "name": "English", "default": True},
        {"language": "de", "name": "German", "default": False},
        {"language": "sv", "name": "Swedish", "default": False},
    ]


def test_markets_include_the_hidden_vip_market_for_the_secret(server: httpx.Client) -> None:
    response = server.get("markets")
    assert response.json()["markets"] == [
        {"market": "1", "name": "Europe", "default": True},
        {"market": "2", "name": "North America", "default": False},
        {"market": "3", "name": "VIP", "default": False},
    ]


def test_pricelists_carry_their_currency_format(server: httpx.Client) -> None:
    pricelists = server.get("pricelists").json()["pricelists"]
    assert [(p["pricelist"], p["name"], p["default"]) for p in pricelists] == [
        ("1", "Sweden SEK", True),
        ("2", "Europe EUR", False),
        ("3", "North America USD", False),
        ("4", "VIP SEK", False),
    ]
    assert pricelists[2]["currency"] == {
        "currency": "USD",
        "name": "US dollar",
        "prefix": "$",
        "suffix": "",
        "decimalPoint": ".",
        "decimalDigits": "2",
        "thousandsSeparator": ",",
        "denominator": 100,
        "uri": "usd",
    }
    assert pricelists[0]["currency"]["suffix"] == " SEK"


@pytest.mark.parametrize("path", ["markets", "pricelists", "countries/all"])
def test_secret_only_routes_refuse_the_browser(shopper: httpx.Client, path: str) -> None:
    response = shopper.get(path)
    assert response.status_code == 401
    assert response.json()["errors"] == {"authorization": "shared secret required"}


def test_a_wrong_secret_is_refused_even_on_public_routes(sandbox: Sandbox) -> None:
    with httpx.Client(
        transport=SandboxTransport(sandbox),
        base_url="http://sandbox.test/api/checkout/",
        headers={"Authorization": "Bearer not-the-secret"},
    ) as client:
        response = client.get("countries")
    assert response.status_code == 401
    assert response.json()["errors"] == {"authorization": "invalid shared secret"}


def test_token_none_answers_without_a_token(sandbox: Sandbox) -> None:
    with httpx.Client(
        transport=SandboxTransport(sandbox), base_url="http://sandbox.test/api/checkout/"
    ) as client:
        response = client.get("languages", headers={"API-token": "none"})
    assert response.status_code == 200
    assert "token" not in response.json()
    assert len(response.json()["languages"]) == 3


def test_pretty_prints_indented_json(shopper: httpx.Client) -> None:
    response = shopper.get("languages?pretty")
    assert response.text.startswith('{\n  "token": ')
    assert response.json()["languages"][0]["language"] == "en"
