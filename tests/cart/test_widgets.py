"""The checkout's quick <select>: the same markup Django's own would give, faster."""

from __future__ import annotations

from django import forms

from cart.widgets import QuickSelect


def test_it_renders_what_djangos_select_renders() -> None:
    choices = [
        ("", "No state"),
        ("United States", [("CA", "California"), ("NY", "New York")]),
        ("SE", 'Sweden <"&">'),
    ]
    quick = QuickSelect(attrs={"autocomplete": "billing address-level1"}, choices=choices)
    django = forms.Select(attrs={"autocomplete": "billing address-level1"}, choices=choices)

    html = quick.render("address.state", "NY", attrs={"id": "id_address.state"})
    expected = django.render("address.state", "NY", attrs={"id": "id_address.state"})

    assert _normal(html) == _normal(expected)
    assert '<option value="NY" selected>New York</option>' in html
    assert "Sweden &lt;&quot;&amp;&quot;&gt;" in html
    assert html.count("selected") == 1


def _normal(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines())
