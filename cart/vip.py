"""The VIP rule: shoppers with certain email addresses or domains shop in another market (a
hidden one with its own prices, say), which only a server-side call with the shared secret can
choose (``PUT selection`` with ``market``, ``docs/centra.md#authentication-and-tokens``).

``VIP_MARKETS`` lists ``<email or domain>=<market id>`` rules, e.g.
``press.example.com=3,ceo@example.com=3``. An exact address wins over its domain.
"""

from __future__ import annotations

from django.conf import settings


def rules() -> dict[str, int]:
    """``{email or domain: market}`` from ``VIP_MARKETS`` (checked when settings load)."""
    found: dict[str, int] = {}
    for rule in settings.VIP_MARKETS:
        who, _, market = rule.rpartition("=")
        found[who.strip().lower()] = int(market)
    return found


def market_for(email: str) -> int | None:
    """The market ``email`` earns, or None."""
    address = email.strip().lower()
    if "@" not in address:
        return None
    table = rules()
    return table.get(address, table.get(address.rpartition("@")[2]))


def vip_markets() -> frozenset[int]:
    return frozenset(rules().values())
