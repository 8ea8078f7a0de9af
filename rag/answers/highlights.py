"""Where each quote of an answer is drawn in its PDF, so a citation can show the sentence on the page.

The passage's page span says where to look; `ingest.pdf.glyphs` finds the quote among the PDF's own
characters there (one page either side too, for a passage whose page attribution is off by one). A
source that is not a PDF passage, or whose file is gone, gets no highlights: nothing is ever guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.pdf.glyphs import GlyphCache, locate
from rag.answers.types import Answer, Highlight, Source
from rag.index.records import Hit, PaperRecord


def pdf_path(record: PaperRecord | None) -> Path | None:
    """The file a paper was read from (None for abstract-only records and indexes made before paths were kept)."""
    if record is None:
        return None
    stored = record.extra.get("pdf_path")
    return Path(stored) if stored else None


class HighlightLocator:
    """Finds quotes on PDF pages; keeps the pages it has read (per file version) for the next answer."""

    def __init__(self, paper: Callable[[str], PaperRecord | None], cache: GlyphCache | None = None) -> None:
        self._paper = paper
        self.cache = cache or GlyphCache()

    def add_to(self, answer: Answer) -> Answer:
        """Fill `highlights` of every source of `answer` whose passage comes from a readable PDF."""
        for source in answer.sources:
            source.highlights = self.for_source(source)
        return answer

    def for_source(self, source: Source) -> list[Highlight]:
        hit = source.hit
        if hit.page_start is None or not source.quotes:  # not a PDF passage: no catalogue look-up needed
            return []
        path = pdf_path(self._paper(hit.paper_id))
        if path is None or not path.is_file():
            return []
        found: list[Highlight] = []
        for a, b in source.quotes:
            found.extend(self.find(path, hit.text[a:b], _pages_of(hit)))
        return found

    def find(self, path: Path, text: str, pages: range) -> list[Highlight]:
        """Highlights of `text` in the PDF at `path` on `pages` (1-based); looks one page either side when the
        text is not there. [] when it cannot be found or the file cannot be read."""
        for window in (pages, range(max(1, pages.start - 1), pages.stop + 1)):
            try:
                glyphs = self.cache.pages(path, window)
            except OSError:
                return []
            placements = locate(glyphs, text)
            if placements:
                return [Highlight(text, p.page, [list(r) for r in p.rects]) for p in placements]
        return []


def _pages_of(hit: Hit) -> range:
    start = hit.page_start or 1
    return range(start, (hit.page_end or start) + 1)
