"""Version tokens are read from the shared cache once per request (catalog.request_tokens)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from catalog import reference, search_index
from catalog.request_tokens import OneReadPerRequest


def in_a_request(view: Callable[[], None]) -> None:
    def respond(request: HttpRequest) -> HttpResponse:
        view()
        return HttpResponse()

    OneReadPerRequest(respond)(RequestFactory().get("/"))


def test_a_change_made_elsewhere_during_a_request_is_seen_by_the_next_one() -> None:
    seen: list[str] = []

    def view() -> None:
        seen.append(reference.catalog_version())
        cache.set(reference.VERSION_KEY, "set-by-another-process")
        seen.append(reference.catalog_version())

    in_a_request(view)
    in_a_request(lambda: seen.append(reference.catalog_version()))

    assert seen[0] == seen[1] != "set-by-another-process"
    assert seen[2] == "set-by-another-process"


def test_a_change_this_process_makes_is_seen_at_once_in_the_same_request() -> None:
    seen: list[str] = []

    def view() -> None:
        seen.append(reference.catalog_version())
        reference.invalidate()
        seen.append(reference.catalog_version())

    in_a_request(view)

    assert seen[0] != seen[1]
    assert seen[1] == cache.get(reference.VERSION_KEY)


@pytest.mark.django_db
def test_a_rebuilt_search_index_is_seen_at_once_in_the_same_request() -> None:
    seen: list[str] = []

    def view() -> None:
        seen.append(search_index.version())
        cache.set(search_index.VERSION_KEY, "stale-token")
        seen.append(search_index.version())  # remembered: still the first
        search_index._bump()
        seen.append(search_index.version())  # dropped here: computed again from the table

    in_a_request(view)

    assert seen[0] == seen[1] == seen[2] != "stale-token"


def test_outside_a_request_every_read_goes_to_the_cache() -> None:
    first = reference.catalog_version()
    cache.set(reference.VERSION_KEY, "changed")
    assert first != "changed"
    assert reference.catalog_version() == "changed"
