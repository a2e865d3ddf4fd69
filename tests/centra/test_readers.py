"""Reading Centra's answers (centra.readers): the one rule for printing an address, which the
receipt and the account's order page share."""

from __future__ import annotations

from centra.readers import address_lines


def test_an_address_prints_its_filled_lines_in_postal_order() -> None:
    address = {
        "firstName": "Ada",
        "lastName": " Lovelace ",
        "company": "",
        "address1": "Storgatan 1",
        "address2": None,
        "zipCode": "11122",
        "city": "Stockholm",
        "countryName": "Sweden",
        "country": "SE",
    }

    assert address_lines(address) == ("Ada Lovelace", "Storgatan 1", "11122 Stockholm", "Sweden")


def test_a_missing_half_leaves_no_stray_space_and_a_missing_country_name_shows_the_code() -> None:
    address = {"lastName": "Lovelace", "city": "Stockholm", "country": "SE", "zipCode": 111}

    assert address_lines(address) == ("Lovelace", "Stockholm", "SE")


def test_nothing_usable_prints_nothing() -> None:
    assert address_lines({"firstName": "  ", "country": ["SE"]}) == ()
