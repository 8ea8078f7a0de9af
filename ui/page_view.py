"""The Ask tab's page view: a cited source's PDF page, rendered, with the quote's rectangles laid over it.

A citation [n] or a source card asks for (turn, n); the answer of that turn (its `to_dict()`, kept in the
session's history) says which paper, page and highlights. The page image is rendered once per file
version and page and kept; highlights are absolutely positioned boxes in percent of the image, so they
scale with it and the script can scroll to them. Abstract-only papers show the abstract with the quote
marked; a PDF that has moved since it was added gets a clear message and the passage as stored.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import gradio as gr

from rag.answers.highlights import pdf_path
from rag.index.records import PaperRecord
from ui.answer_export import source_hit
from ui.app_render import highlighted
from ui.app_text import page_language, say, t
from ui.escape import esc, one_line
from ui.page_image import PageUnavailable, pixel_boxes, render_page

EMPTY_PAGE = f'<div class="pv empty"><p class="muted">{t("page_help")}</p></div>'
_REQUEST = re.compile(r"^\s*(\d+)\s*:\s*(\d+)")


@lru_cache(maxsize=24)
def _page_png(path: str, mtime_ns: int, page: int, dpi: float) -> tuple[str, int, int, int]:
    """(base64 PNG, width, height, page count) of a rendered page; keyed by the file's version."""
    rendered = render_page(Path(path), page, dpi=dpi)
    buffer = io.BytesIO()
    rendered.image.save(buffer, format="PNG", optimize=False)
    width, height = rendered.image.size
    return base64.b64encode(buffer.getvalue()).decode("ascii"), width, height, rendered.pages


def parse_request(text: str) -> tuple[int, int] | None:
    """'turn:n' (what the page script sends) → (turn, n); None for anything else."""
    match = _REQUEST.match(text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def source_of(history: list[Any] | None, turn: int, n: int) -> dict[str, Any] | None:
    """The source [n] of a turn's answer, as `Answer.to_dict()` stored it (None if there is none)."""
    if not history or not 0 <= turn < len(history):
        return None
    answer = history[turn][1] if len(history[turn]) > 1 else None
    if not isinstance(answer, dict):
        return None
    return next((s for s in answer.get("sources", []) if s.get("n") == n), None)


def _marked(text: str, quotes: list[str]) -> str:
    """`text` escaped, with each quote that occurs in it in <mark>."""
    return highlighted(text, [(at, at + len(q)) for q in quotes if q and (at := text.find(q)) >= 0])


def _head(source: dict[str, Any], detail: str, links: list[str]) -> str:
    link_html = f'<span class="src-links">{" ".join(links)}</span>' if links else ""
    return (
        f'<header class="src-head"><span class="src-n">[{int(source.get("n", 0))}]</span> '
        f'<span class="src-title">{esc(one_line(str(source.get("title", ""))))}</span></header>'
        f'<div class="src-meta">{detail} {link_html}</div>'
    )


def page_html(
    source: dict[str, Any],
    record: PaperRecord | None,
    page: int | None,
    links: list[str],
    key: str,
    dpi: float,
    lang: str = "en",
) -> tuple[str, int | None]:
    """The view of one source at `page` (None: the first highlighted page, else the passage's first page),
    its own words in `lang`.

    Returns (HTML, the page shown or None when no page is shown)."""
    quotes = [str(q) for q in source.get("quotes", [])]
    path = pdf_path(record)
    section = f"§ {esc(one_line(str(source.get('section', '')), 60))}" if source.get("section") else ""
    if path is None:
        abstract = record.abstract if record is not None else ""
        text = abstract if abstract and any(q in abstract for q in quotes) else str(source.get("text", ""))
        body = f'<p class="muted">{esc(say("abstract_only", lang))}</p>' + (
            f'<blockquote class="src-text pv-abstract">{_marked(text, quotes)}</blockquote>'
        )
        return f'<div class="pv">{_head(source, section, links)}{body}</div>', None
    highlights = source.get("highlights") or []
    if page is None:
        page = int(highlights[0]["page"]) if highlights else int(source.get("page_start") or 1)
    try:
        stat = path.stat()
        image, width, height, pages = _page_png(str(path), stat.st_mtime_ns, page, dpi)
    except (OSError, PageUnavailable) as err:
        missing = not path.exists()
        why = (
            say("pdf_gone", lang, path=f"<code>{esc(str(path))}</code>")
            if missing
            else say("page_unavailable", lang, why=esc(one_line(str(err), 200)))
        )
        stored = _marked(str(source.get("text", "")), quotes)
        body = f'<p class="pv-missing">{why}</p><blockquote class="src-text">{stored}</blockquote>'
        return f'<div class="pv">{_head(source, section, links)}{body}</div>', None
    rects = [r for h in highlights if int(h["page"]) == page for r in h["rects"]]
    boxes = pixel_boxes(path, page, rects, dpi=dpi) if rects else []
    marks = "".join(
        f'<span class="pv-hl" style="left:{100 * x0 / width:.3f}%;top:{100 * y0 / height:.3f}%;'
        f'width:{100 * (x1 - x0) / width:.3f}%;height:{100 * (y1 - y0) / height:.3f}%"></span>'
        for x0, y0, x1, y1 in boxes
    )
    where = [esc(say("page_of", lang, page=page, pages=pages)), section, esc(say("file", lang, name=path.name))]
    note = "" if boxes or not quotes else f'<p class="muted">{esc(say("quote_not_here", lang))}</p>'
    alt = esc(say("page_n", lang, page=page))
    body = (
        f'<div class="pv-scroll"><div class="pv-page" data-key="{esc(key)}-{page}">'
        f'<img class="pv-img" alt="{alt}" src="data:image/png;base64,{image}">{marks}</div></div>{note}'
    )
    detail = " · ".join(w for w in where if w)
    return f'<div class="pv">{_head(source, detail, links)}{body}</div>', page


class PageView:
    """The handlers of the page view, over the app's catalogue and link rules."""

    def __init__(
        self, records: Callable[[], dict[str, PaperRecord]], links_for: Callable[[Any], list[str]], dpi: float
    ) -> None:
        self._records = records
        self._links_for = links_for
        self.dpi = dpi

    def show(
        self, wanted: str, history: list[Any] | None, lang: str = "", request: gr.Request | None = None
    ) -> tuple[str, dict[str, int] | None]:
        """A citation or source card was clicked: (view HTML, what is shown) for 'turn:n'."""
        asked = parse_request(wanted)
        source = source_of(history, *asked) if asked else None
        if source is None:
            return EMPTY_PAGE, None
        return self._render(asked, source, None, page_language(lang, request))  # type: ignore[arg-type]

    @staticmethod
    def cleared() -> tuple[str, None]:
        return EMPTY_PAGE, None

    def back(
        self, shown: dict[str, int] | None, history: list[Any] | None, lang: str = "", request: gr.Request | None = None
    ) -> tuple[str, Any]:
        """The page before the one shown."""
        return self.turn(-1, shown, history, page_language(lang, request))

    def forward(
        self, shown: dict[str, int] | None, history: list[Any] | None, lang: str = "", request: gr.Request | None = None
    ) -> tuple[str, Any]:
        """The page after the one shown."""
        return self.turn(1, shown, history, page_language(lang, request))

    def turn(
        self, delta: int, shown: dict[str, int] | None, history: list[Any] | None, lang: str = "en"
    ) -> tuple[str, Any]:
        """Previous (-1) or next (+1) page of what is shown; nothing changes at either end or without a page."""
        if not shown or not shown.get("page"):
            return gr_no_change(), shown
        source = source_of(history, shown["turn"], shown["n"])
        if source is None:
            return EMPTY_PAGE, None
        page = shown["page"] + delta
        if page < 1 or page > shown.get("pages", page):
            return gr_no_change(), shown
        return self._render((shown["turn"], shown["n"]), source, page, lang)

    def _render(
        self, asked: tuple[int, int], source: dict[str, Any], page: int | None, lang: str = "en"
    ) -> tuple[str, Any]:
        record = self._records().get(str(source.get("paper_id", "")))
        hit = source_hit(source)
        turn, n = asked
        html, shown = page_html(source, record, page, self._links_for(hit, lang), f"{turn}-{n}", self.dpi, lang)
        if shown is None:
            return html, None
        path = pdf_path(record)
        pages = _page_png(str(path), path.stat().st_mtime_ns, shown, self.dpi)[3] if path else shown
        return html, {"turn": turn, "n": n, "page": shown, "pages": pages}


def gr_no_change() -> Any:
    return gr.skip()
