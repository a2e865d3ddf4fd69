"""CMS articles from Centra's routing (``POST uri`` with ``for: ["cmsArticle"]``), as typed blocks.

The local catalog holds no CMS content, so an article is always a live call. Public answers
(found or not) are kept in Django's cache for ``CMS_CACHE_SECONDS`` per language and URI, so a
popular article or a flood of unknown URLs costs Centra one call per minute, not one per view.
Preview answers are never cached.

Block ``html`` is printed unescaped: it is written by the shop's own staff in Centra's admin,
the same trust as the product descriptions Centra sends as HTML. It is not shopper input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.utils.safestring import SafeString, mark_safe

from catalog.cards import ProductCard

TEXT: Final = "text"
IMAGE: Final = "image"
PRODUCTS: Final = "products"


@dataclass(frozen=True, slots=True)
class Block:
    """One part of an article; ``type`` picks the template partial, unknown types none."""

    type: str
    html: SafeString | None = None
    url: str = ""
    alt: str = ""
    cards: Sequence[ProductCard] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    uri: str
    title: str
    meta_title: str
    meta_description: str
    blocks: Sequence[Block]
    preview: bool = False


CardLookup = Callable[[list[str]], list[ProductCard]]


def product_ids(data: dict[str, Any]) -> list[str]:
    """Every product id the article's ``products`` blocks name, in order, once each."""
    ids: list[str] = []
    for part in data.get("parts") or []:
        if isinstance(part, dict) and part.get("type") == PRODUCTS:
            for pid in part.get("products") or []:
                if str(pid) not in ids:
                    ids.append(str(pid))
    return ids


def article_from_json(data: dict[str, Any], cards: CardLookup, *, preview_flag: str) -> Article:
    """Centra's ``cmsArticle`` object as an :class:`Article`; blocks of unknown type, or
    missing what they need, are dropped."""
    found = {card.id: card for card in cards(product_ids(data))}
    blocks = [_block(part, found) for part in data.get("parts") or [] if isinstance(part, dict)]
    return Article(
        id=str(data.get("article") or ""),
        uri=str(data.get("uri") or ""),
        title=_text(data.get("title")),
        meta_title=_text(data.get("metaTitle")),
        meta_description=_text(data.get("metaDescription")),
        blocks=[block for block in blocks if block is not None],
        preview=data.get(preview_flag) is True,
    )


def _block(part: dict[str, Any], cards: dict[int, ProductCard]) -> Block | None:
    kind = part.get("type")
    if kind == TEXT and isinstance(part.get("html"), str):
        return Block(TEXT, html=mark_safe(part["html"]))  # noqa: S308 (staff-written, see above)
    if kind == IMAGE and isinstance(part.get("url"), str):
        return Block(IMAGE, url=part["url"], alt=_text(part.get("alt")))
    if kind == PRODUCTS:
        ids = [
            int(pid)
            for pid in part.get("products") or []
            if str(pid).isascii() and str(pid).isdigit()
        ]
        chosen = [cards[pid] for pid in ids if pid in cards]
        return Block(PRODUCTS, cards=chosen) if chosen else None
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
