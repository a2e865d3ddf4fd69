"""The shopper's state in the Django session, each part under one namespaced key and read and
written only through these classes:

- ``shopper``: the shopper's own choices (country, state, language) and, once Centra placed
  their selection, the market and pricelist it chose (:class:`ShopperChoices`);
- ``centra``: the shopper's Centra selection: its token, its item count and the payments this
  browser started (:class:`CentraSession`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.contrib.sessions.backends.base import SessionBase

from centra.client import CentraResponse
from centra.selection_api import SelectionLocation

SHOPPER_KEY: Final = "shopper"
CENTRA_KEY: Final = "centra"
MAX_PAYMENTS: Final = 20

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
    """``centra = {"token", "count", "payments"}``: the shopper's Centra selection token, how
    many items its cart held at the last answer (for the header, without asking Centra), and
    the ids of the payments this browser started (only these receipts are shown to it)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _data(self) -> dict[str, Any]:
        data = self._session.get(CENTRA_KEY)
        return dict(data) if isinstance(data, dict) else {}

    def _write(self, **changes: Any) -> None:
        data = self._data()
        data.update(changes)
        self._session[CENTRA_KEY] = data

    @property
    def token(self) -> str | None:
        token = self._data().get("token")
        return token if isinstance(token, str) and token else None

    def set_token(self, token: str) -> None:
        self._write(token=token)

    @property
    def item_count(self) -> int:
        count = self._data().get("count")
        return count if isinstance(count, int) and count > 0 else 0

    def remember(self, response: CentraResponse) -> SelectionChange:
        """Keep what a selection answer says about the cart: its token and item count."""
        before = self.item_count
        after = total_quantity(response.data)
        replaced = response.token_changed and response.sent_token is not None
        self._write(count=after, **({"token": response.token} if response.token else {}))
        return SelectionChange(before, after, token_replaced=replaced)

    def forget_selection(self) -> None:
        """The selection became an order (or is gone): the next cart starts afresh."""
        data = self._data()
        data.pop("token", None)
        data.pop("count", None)
        self._session[CENTRA_KEY] = data

    @property
    def payments(self) -> tuple[str, ...]:
        ids = self._data().get("payments")
        return tuple(i for i in ids if isinstance(i, str)) if isinstance(ids, list) else ()

    def add_payment(self, payment_id: str) -> None:
        # The latest few are enough: a receipt is looked at right after paying.
        self._write(payments=[*self.payments, payment_id][-MAX_PAYMENTS:])


@dataclass(frozen=True, slots=True)
class SelectionChange:
    """What one selection answer did to the cart, as far as the shopper's session can tell."""

    count_before: int
    count_after: int
    token_replaced: bool  # Centra answered another token than the one sent

    @property
    def expired(self) -> bool:
        """The selection we had is gone (its token expired): Centra started a new, empty one."""
        return self.token_replaced and self.count_before > 0 and self.count_after == 0


def total_quantity(answer: dict[str, Any]) -> int:
    """How many items the selection in a Centra answer holds (0 when it holds none)."""
    selection = answer.get("selection")
    totals = selection.get("totals") if isinstance(selection, dict) else None
    quantity = totals.get("totalQuantity") if isinstance(totals, dict) else None
    return quantity if isinstance(quantity, int) and quantity > 0 else 0


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
