"""The pages of a full sync, read one step ahead of writing them.

Waiting for Centra and writing to the database take turns otherwise; a reader thread fetches
the next pages while the caller writes the current one, so a sync takes about as long as the
slower of the two instead of their sum. At most ``ahead`` pages wait in the queue (plus the one
being read and the one being written), so memory stays bounded. The reader never touches the
database. A failed read reaches the caller in order: every page before it is handed over first.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

# (market, language, related) for each pass, in order.
Pass = tuple[int, str, bool]
ReadPage = Callable[..., tuple[list[dict[str, Any]], int]]

_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Page:
    market: int
    language: str
    related: bool
    pass_number: int  # 1-based
    number: int  # 1-based within its pass
    products: list[dict[str, Any]]
    total: int  # productCount as this page's answer said
    where: str


class PageReadError(Exception):
    """Reading a page failed; ``where`` names it and ``__cause__`` is the error."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


_DONE = object()


def read_ahead(
    read: ReadPage, passes: Sequence[Pass], page_size: int, ahead: int = 1
) -> Generator[Page, None, None]:
    """Every page of every pass, ``limit``/``skipFirst`` paging until ``productCount``."""
    pending: queue.Queue[Any] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def hand_over(item: Any) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def reader() -> None:
        where = "starting"
        try:
            for pass_number, (market, language, related) in enumerate(passes, start=1):
                skip = number = 0
                while True:
                    number += 1
                    where = f"market {market}, language {language}, page {number}"
                    products, total = read(
                        market=market,
                        language=language,
                        limit=page_size,
                        skip=skip,
                        related=related,
                    )
                    page = Page(
                        market, language, related, pass_number, number, products, total, where
                    )
                    if not hand_over(page):
                        return
                    skip += page_size
                    if not products or skip >= total:
                        break
            hand_over(_DONE)
        except BaseException as exc:
            failure = PageReadError(where)
            failure.__cause__ = exc
            hand_over(failure)

    thread = threading.Thread(target=reader, name="catalog-sync-reader", daemon=True)
    thread.start()
    try:
        while (item := pending.get()) is not _DONE:
            if isinstance(item, PageReadError):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
