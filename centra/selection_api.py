"""Named calls that move a shopper's selection to another country or language.

Both answer Centra's SelectionResponse. The caller stores ``response.token`` when
``response.token_changed`` and reads :func:`location_of` for the market and pricelist Centra chose:
Centra, not the storefront, decides which market and pricelist a country gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from centra.client import CentraClient, CentraResponse


@dataclass(frozen=True, slots=True)
class SelectionLocation:
    """``location`` of a SelectionResponse: where the selection now is."""

    country: str | None
    state: str | None
    market: int
    pricelist: int
    language: str | None


def set_country(
    client: CentraClient, token: str, country: str, language: str | None = None
) -> CentraResponse:
    """``PUT countries/{country}``; without ``language`` Centra switches the selection to the
    country's default language, so pass the shopper's language to keep it."""
    body: dict[str, Any] = {"language": language} if language else {}
    return client.put("countries/{country}", params={"country": country}, json=body, token=token)


def set_language(client: CentraClient, token: str, language: str) -> CentraResponse:
    """``PUT languages/{language}``."""
    return client.put("languages/{language}", params={"language": language}, json={}, token=token)


def location_of(response: CentraResponse) -> SelectionLocation | None:
    """The selection's location from a SelectionResponse, or None when the answer has none (or
    it lacks a market or pricelist, which the storefront cannot do without)."""
    location = response.data.get("location")
    if not isinstance(location, dict):
        return None
    market, pricelist = _as_int(location.get("market")), _as_int(location.get("pricelist"))
    if market is None or pricelist is None:
        return None
    language = location.get("language")
    # Since v2.69 ``location.language`` is a Language object; older answers send the code.
    code = language.get("language") if isinstance(language, dict) else language
    return SelectionLocation(
        country=_as_str(location.get("country")),
        state=_as_str(location.get("state")),
        market=market,
        pricelist=pricelist,
        language=_as_str(code),
    )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
