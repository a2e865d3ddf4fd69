"""The content security policy of a page that shows Centra's payment markup.

A payment provider's ``formHtml`` (an auto-submitting form, a widget) or ``code`` (a
``javascript`` action) runs on our page. The policy allows exactly that: the hashes of its
inline scripts, the origins its scripts, frames and images load from and its forms post to, and
our own static script. Nothing else runs, loads or posts. Inline style is allowed only when the
markup uses it (widgets style themselves), as CSP cannot hash a style attribute usefully.
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from urllib.parse import urlsplit


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.script_origins: set[str] = set()
        self.frame_origins: set[str] = set()
        self.image_origins: set[str] = set()
        self.form_origins: set[str] = set()
        self.inline_style = False
        self._in_script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "style" in values or tag == "style":
            self.inline_style = True
        if tag == "script":
            if values.get("src"):
                self.script_origins.add(_origin(values["src"]))
            else:
                self._in_script = []
        elif tag == "iframe" and values.get("src"):
            self.frame_origins.add(_origin(values["src"]))
        elif tag == "img" and values.get("src"):
            self.image_origins.add(_origin(values["src"]))
        elif tag == "form":
            self.form_origins.add(_origin(values.get("action", "")))

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._in_script.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script is not None:
            self.scripts.append("".join(self._in_script))
            self._in_script = None


def policy_for(html: str = "", scripts: tuple[str, ...] = ()) -> str:
    """The policy for a page showing ``html`` (Centra's ``formHtml``) and running ``scripts``
    (a ``javascript`` action's ``code``) inline, besides our own static files."""
    found = _Collector()
    found.feed(html)
    found.close()
    hashes = [_hash(text) for text in (*found.scripts, *scripts)]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *hashes, *sorted(found.script_origins - {"'self'"})],
        "style-src": ["'self'", *(["'unsafe-inline'"] if found.inline_style else [])],
        "img-src": ["'self'", "data:", *sorted(found.image_origins - {"'self'"})],
        "frame-src": ["'self'", *sorted(found.frame_origins - {"'self'"})],
        "form-action": ["'self'", *sorted(found.form_origins - {"'self'"})],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _origin(url: str) -> str:
    """The origin a URL loads from, as a CSP source; our own pages and relative URLs are
    ``'self'``."""
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return "'self'"
