"""Changing the shopper's country and language (the header's switcher).

Without a Centra selection the choice is only the shopper's: it goes into the shopper cookie and the
storefront derives market and pricelist from the country. With a selection, Centra decides:
the change is sent to Centra (``PUT countries/{c}`` with the language, or ``PUT languages/{l}``)
and the market and pricelist it answers with are the ones the storefront uses from then on.

A refused change (unknown or unshippable country, unknown language, Centra refusing or
unreachable) raises :class:`SwitchRefused` with a message for the shopper and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils.translation import gettext as _

from catalog.context import ShopperContext
from catalog.reference import Reference, get_reference
from centra import selection_api
from centra.client import CentraClient
from centra.connection import get_client
from centra.errors import CentraError, CentraNotFound
from storefront.session import BrowserState, CentraSession, ShopperChoices

logger = logging.getLogger(__name__)


class SwitchRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class SwitchOutcome:
    country: str
    language: str
    market: int | None
    pricelist: int | None
    via_centra: bool
    # Items the change took out of the cart (not sold in the new country).
    items_removed: int = 0


def switch_location(
    browser: BrowserState,
    ctx: ShopperContext,
    *,
    country: str | None,
    language: str | None,
    client: CentraClient | None = None,
) -> SwitchOutcome:
    """Move the shopper to ``country`` and ``language`` (None or "": keep the current one)."""
    ref = get_reference()
    country_code = _valid_country(ref, country or ctx.country)
    language_code = _valid_language(ref, language or ctx.language)
    centra = CentraSession(browser)
    token = centra.token
    if token is None:
        ShopperChoices(browser).choose(country=country_code, language=language_code)
        return SwitchOutcome(country_code, language_code, None, None, via_centra=False)

    client = client or get_client()
    try:
        if country_code != ctx.country:
            reply = selection_api.set_country(client, token, country_code, language=language_code)
        else:
            reply = selection_api.set_language(client, token, language_code)
    except CentraError as exc:
        if exc.token and exc.token != token:
            centra.set_token(exc.token)
        raise SwitchRefused(_centra_refusal(exc)) from exc
    change = centra.remember(reply)
    removed = max(0, change.count_before - change.count_after)
    location = selection_api.location_of(reply)
    if location is None:
        # Not expected from Centra; the storefront's own defaults for the country still hold.
        logger.warning("selection answer without a usable location; using local defaults")
        ShopperChoices(browser).choose(country=country_code, language=language_code)
        return SwitchOutcome(
            country_code, language_code, None, None, via_centra=True, items_removed=removed
        )
    ShopperChoices(browser).remember_location(location, language=language_code)
    return SwitchOutcome(
        country=location.country or country_code,
        language=location.language or language_code,
        market=location.market,
        pricelist=location.pricelist,
        via_centra=True,
        items_removed=removed,
    )


def _valid_country(ref: Reference, code: str | None) -> str:
    code = (code or "").strip().upper()
    country = ref.countries.get(code)
    if country is None:
        raise SwitchRefused(_("Please choose a country from the list."))
    if not country.ship_to:
        raise SwitchRefused(
            _("Sorry, we do not deliver to %(country)s.") % {"country": country.name}
        )
    return country.code


def _valid_language(ref: Reference, code: str | None) -> str:
    code = (code or "").strip().lower()
    if code not in ref.languages:
        raise SwitchRefused(_("Please choose a language from the list."))
    return code


def _centra_refusal(exc: CentraError) -> str:
    if isinstance(exc, CentraNotFound):
        return _("That country or language is not available for your cart.")
    if exc.status_code is None or exc.status_code >= 500:
        return _("We could not change your country or language just now. Please try again.")
    return _("That country or language is not available for your cart.")
