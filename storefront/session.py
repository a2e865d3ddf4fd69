"""The shopper's state in the Django session, each part under one namespaced key and read and
written only through these classes:

- ``shopper``: the shopper's own choices (country, state, language) and, once Centra placed
  their selection, the market and pricelist it chose (:class:`ShopperChoices`);
- ``centra``: the shopper's Centra selection token (:class:`CentraSession`).
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib.sessions.backends.base import SessionBase

from centra.client import CentraResponse
from centra.selection_api import SelectionLocation

SHOPPER_KEY: Final = "shopper"
CENTRA_KEY: Final = "centra"

Session = SessionBase | dict[str, Any]


class ShopperChoices:
    """``shopper = {"country", "state", "language"}``, plus ``market`` and ``pricelist`` when
    Centra chose them for the shopper's selection."""

    def __init__(self, session: Session | None) -> None:
        self._session = session

    def _data(self) -> dict[str, Any]:
        if self._session is None:
            return {}
        data = self._session.get(SHOPPER_KEY)
        return data if isinstance(data, dict) else {}

    @property
    def country(self) -> str | None:
        return _str_or_none(self._data().get("country"))

    @property
    def state(self) -> str | None:
        return _str_or_none(self._data().get("state"))

    @property
    def language(self) -> str | None:
        return _str_or_none(self._data().get("language"))

    @property
    def centra_location(self) -> tuple[int, int] | None:
        """(market, pricelist) Centra answered for the shopper's selection, if any."""
        data = self._data()
        market, pricelist = data.get("market"), data.get("pricelist")
        if isinstance(market, int) and isinstance(pricelist, int):
            return market, pricelist
        return None

    def choose(self, *, country: str, language: str, state: str | None = None) -> None:
        """The shopper's choice without a selection: the storefront derives market and
        pricelist from the country, so none is kept."""
        self._write({"country": country, "state": state, "language": language})

    def remember_location(self, location: SelectionLocation, *, language: str) -> None:
        """Keep what Centra answered for the shopper's selection; call it after any selection
        answer that may have moved it."""
        self._write(
            {
                "country": location.country,
                "state": location.state,
                "language": location.language or language,
                "market": location.market,
                "pricelist": location.pricelist,
            }
        )

    def _write(self, data: dict[str, Any]) -> None:
        if self._session is None:
            raise RuntimeError("no session to store the shopper's choice in")
        self._session[SHOPPER_KEY] = data


class CentraSession:
    """``centra = {"token": ...}``: the shopper's Centra selection token."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _data(self) -> dict[str, Any]:
        data = self._session.get(CENTRA_KEY)
        return dict(data) if isinstance(data, dict) else {}

    @property
    def token(self) -> str | None:
        token = self._data().get("token")
        return token if isinstance(token, str) and token else None

    def set_token(self, token: str) -> None:
        data = self._data()
        data["token"] = token
        self._session[CENTRA_KEY] = data

    def keep_token_from(self, response: CentraResponse) -> None:
        """Centra may answer with a new token (the old one expired): store it."""
        if response.token_changed and response.token:
            self.set_token(response.token)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
