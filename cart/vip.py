"""The VIP rule: shoppers with certain email addresses or domains shop in another market and
pricelist (a hidden market with its own prices, say), which only a server-side call with the
shared secret can choose (``PUT selection`` with ``market`` and ``pricelist``,
``docs/centra.md#authentication-and-tokens``).

``VIP_MARKETS`` lists ``<email or domain>=<market id>[:<pricelist id>]`` rules, e.g.
``press.example.com=3:4,ceo@example.com=3``. An exact address wins over its domain; without a
pricelist the selection keeps the one Centra chose for its country.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True, slots=True)
class Placement:
    market: int
    pricelist: int | None


def parse_rule(rule: str) -> tuple[str, Placement]:
    """``"vip.example.com=3:4"`` -> ``("vip.example.com", Placement(3, 4))``; ValueError for
    anything else (settings check the rules at start-up with this)."""
    who, sep, where = rule.rpartition("=")
    market, colon, pricelist = where.strip().partition(":")
    who = who.strip().lower()
    if not sep or not who or not market.isdigit() or (colon and not pricelist.isdigit()):
        raise ValueError(f"{rule!r} is not <email or domain>=<market id>[:<pricelist id>]")
    return who, Placement(int(market), int(pricelist) if colon else None)


def rules() -> dict[str, Placement]:
    return dict(parse_rule(rule) for rule in settings.VIP_MARKETS)


def placement_for(email: str) -> Placement | None:
    """Where ``email`` shops, or None (the country's own market)."""
    address = email.strip().lower()
    if "@" not in address:
        return None
    table = rules()
    return table.get(address, table.get(address.rpartition("@")[2]))


def vip_markets() -> frozenset[int]:
    return frozenset(placement.market for placement in rules().values())
