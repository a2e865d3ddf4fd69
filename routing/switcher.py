"""Changing the shopper's country and language (the header's switcher).

Without a Centra selection the choice is only the shopper's: it goes into the session and the
storefront derives market and pricelist from the country. With a selection, Centra decides:
the change is sent to Centra (``PUT countries/{c}`` with the language, or ``PUT languages/{l}``)
and the market and pricelist it answers with are the ones the storefront uses from then on.

A refused change (unknown or unshippable country, unknown language, Centra refusing or
unreachable) raises :class:`SwitchRefused` with a message for the shopper and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from catalog.context import ShopperContext, localized_path, strip_language_prefix
from catalog.reference import Reference, get_reference
from centra import selection_api
from centra.client import CentraClient
from centra.connection import get_client
from centra.errors import CentraError, CentraNotFound
from storefront.session import CentraSession, Session, ShopperChoices

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


def switch_location(
    session: Session,
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
    centra = CentraSession(session)
    token = centra.token
    if token is None:
        ShopperChoices(session).choose(country=country_code, language=language_code)
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
    centra.keep_token_from(reply)
    location = selection_api.location_of(reply)
    if location is None:
        # Not expected from Centra; the storefront's own defaults for the country still hold.
        logger.warning("selection answer without a usable location; using local defaults")
        ShopperChoices(session).choose(country=country_code, language=language_code)
        return SwitchOutcome(country_code, language_code, None, None, via_centra=True)
    ShopperChoices(session).remember_location(location, language=language_code)
    return SwitchOutcome(
        country=location.country or country_code,
        language=location.language or language_code,
        market=location.market,
        pricelist=location.pricelist,
        via_centra=True,
    )


def _valid_country(ref: Reference, code: str | None) -> str:
    code = (code or "").strip().upper()
    country = ref.countries.get(code)
    if country is None:
        raise SwitchRefused("Please choose a country from the list.")
    if not country.ship_to:
        raise SwitchRefused(f"Sorry, we do not deliver to {country.name}.")
    return country.code


def _valid_language(ref: Reference, code: str | None) -> str:
    code = (code or "").strip().lower()
    if code not in ref.languages:
        raise SwitchRefused("Please choose a language from the list.")
    return code


def _centra_refusal(exc: CentraError) -> str:
    if isinstance(exc, CentraNotFound):
        return "That country or language is not available for your cart."
    if exc.status_code is None or exc.status_code >= 500:
        return "We could not change your country or language just now. Please try again."
    return "That country or language is not available for your cart."


# -- where to go afterwards -------------------------------------------------------------------


def return_path(request: HttpRequest, wanted: str | None, language: str | None = None) -> str:
    """The page the shopper came from (``wanted``, else the Referer), in ``language`` (None: as
    it was).

    Only a path on this site is followed: anything pointing at another host or scheme gives the
    home page. With ``language``, the path's language prefix is replaced by that language's."""
    path, query = (
        _same_site_path(request, wanted)
        or _same_site_path(request, request.headers.get("Referer"))
        or ("/", "")
    )
    if language is not None:
        ref = get_reference()
        path = localized_path(strip_language_prefix(path, ref), language, ref.default_language)
    return f"{path}?{query}" if query else path


def _same_site_path(request: HttpRequest, url: str | None) -> tuple[str, str] | None:
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(url)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path, parts.query
