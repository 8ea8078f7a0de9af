"""Untrusted text (titles, passages, URLs from PDFs and feeds) made inert for each place it is shown.

One contract each: `strip_controls` for a terminal, `esc` for HTML text and attributes, `md_literal`
for Gradio's chat Markdown (every character stays literal, entities included), `md_escaped` for the
Markdown files `papers digest` writes (backslash escapes, readable as plain text), and `safe_url`: an
http(s) URL fit for a link, or None.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

# C0/C1 control characters and bidi overrides: they move the cursor, recolour a terminal or reorder text.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Characters Markdown (CommonMark + GFM + Gradio's LaTeX) gives meaning to; an entity is never syntax.
_MD_SPECIAL = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~$<>&\"':=@"}
_MD_ESCAPED = re.compile(r"([\\`*_\[\]<>|#!])")
_URL_SAFE = ":/?#@!$&'*+,;=%-._~"  # kept as they are; anything else in a URL is percent-encoded


def strip_controls(text: object) -> str:
    """Control, escape and bidi-override characters replaced by spaces (for a terminal)."""
    return CONTROL.sub(" ", str(text or ""))


def one_line(text: object, width: int = 0) -> str:
    """On one line, whitespace collapsed, cut to `width` characters with an ellipsis (0: no limit)."""
    flat = " ".join(strip_controls(text).split())
    return flat if not width or len(flat) <= width else flat[: width - 1] + "…"


def esc(text: object) -> str:
    """Untrusted text → inert HTML (quotes too, so it is safe inside attribute values)."""
    return html.escape(strip_controls(text), quote=True)


def md_literal(text: object) -> str:
    """Untrusted text → Markdown that renders as exactly these characters, never as markup or a link."""
    return "".join(_MD_SPECIAL.get(c, c) for c in strip_controls(text))


def md_escaped(text: object) -> str:
    """Untrusted text on one line with Markdown/HTML markup characters backslash-escaped (files people read)."""
    return _MD_ESCAPED.sub(r"\\\1", one_line(text))


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with a host and no whitespace, percent-encoded so it cannot break out of a link;
    None for anything else (`javascript:`, `data:`, relative URLs never become links)."""
    url = (url or "").strip()
    if not url or any(c.isspace() for c in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


def link(url: str, label: str, cls: str = "") -> str:
    """An external link opening in a new tab (escaped URL and label; no referrer, no opener)."""
    klass = f' class="{esc(cls)}"' if cls else ""
    return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer"{klass}>{esc(label)}</a>'


def quote_path(path: str) -> str:
    return quote(path, safe="/")
