"""Quotes found on real PDF pages (../shared/pdfs): two columns, line-end hyphens, a quote running onto the
next page. Each highlight is read back with pdfplumber (pdfminer's parser, not PDFium, which found it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.highlights import ReadBack, overlap
from ingest.pdf.glyphs import GlyphCache, line_rects, locate, reduced_words
from rag.answers.highlights import HighlightLocator
from rag.answers.types import Source
from rag.index.records import Hit, PaperRecord
from tests.conftest import shared_path

# Page 1 of arXiv:1111.2011 is set in two columns; these sentences are quoted as ingest extracted them
# (hyphenated words rejoined: "in-|clude", "interac-|tions", "Al-|though", "ap-|proximation", "lat-|tice").
LEFT_COLUMN = (
    "The most obvious examples include the high temperature superconductors, where bulk theories are often "
    "constructed by studying an individual copper-oxygen plane and completely neglecting interactions between "
    "such planes."
)
RIGHT_COLUMN = (
    "Although there is of course no physical realization of such a lattice in Nature, it can sometimes serve as "
    "a useful approximation to real world systems in certain situations."
)
# arXiv:2206.10883: from the foot of page 3 to the top of page 4, over the page number.
ACROSS_PAGES = (
    "Perhaps the most similar work is BookSum [35]; however in contrast to our work, BookSum’s multiple summaries "
    "consider different lengths of the source to be summarized—paragraphs, chapters, and the whole content in a "
    "book."
)


def _read(reader: ReadBack, found) -> str:
    return " ".join(reader.text_in(p.page, [list(r) for r in p.rects]) for p in found)


@pytest.fixture(scope="module")
def bethe() -> Path:
    return shared_path("pdfs", "1111.2011v2.pdf")


def test_two_column_quotes_stay_in_their_column_and_read_back(bethe: Path) -> None:
    cache = GlyphCache()
    reader = ReadBack(bethe)
    try:
        for quote, column in ((LEFT_COLUMN, "left"), (RIGHT_COLUMN, "right")):
            found = locate(cache.pages(bethe, [1]), quote)
            assert [p.page for p in found] == [1]
            rects = found[0].rects
            assert len(rects) >= 3  # one rectangle per line of the column
            middle = 612 / 2
            if column == "left":
                assert all(x1 < middle for _, _, x1, _ in rects), rects
            else:
                assert all(x0 > middle for x0, _, _, _ in rects), rects
            read = _read(reader, found)
            assert overlap(quote, read) >= 0.95, read
    finally:
        reader.close()


def test_line_end_hyphens_are_inside_the_highlight(bethe: Path) -> None:
    """PDFium marks a line-end hyphen as U+FFFE; the quote has the word whole, the rectangles cover both halves."""
    reader = ReadBack(bethe)
    try:
        found = locate(GlyphCache().pages(bethe, [1]), LEFT_COLUMN)
        read = _read(reader, found)
        assert "include" in read and "interactions" in read, read
    finally:
        reader.close()


def test_a_quote_runs_onto_the_next_page_without_the_page_number() -> None:
    path = shared_path("pdfs", "2206.10883v3.pdf")
    found = locate(GlyphCache().pages(path, [3, 4]), ACROSS_PAGES)
    assert [p.page for p in found] == [3, 4]
    reader = ReadBack(path)
    try:
        assert overlap(ACROSS_PAGES, _read(reader, found)) >= 0.95
        assert "3" not in reader.text_in(3, [list(r) for r in found[0].rects]).split()  # the folio is not marked
    finally:
        reader.close()


def test_text_not_on_the_pages_is_not_found(bethe: Path) -> None:
    pages = GlyphCache().pages(bethe, [1])
    assert locate(pages, "Bananas ripen twice as fast under coherent laser light in orchards at night.") == []
    assert locate(pages, "") == []


def test_words_split_alike_in_quote_and_page() -> None:
    assert reduced_words("BookSum’s copper-oxygen ﬁnal Teˇsanovi´c") == [
        "booksum",
        "s",
        "copper",
        "oxygen",
        "final",
        "tesanovic",
    ]
    assert reduced_words("free\ufffedom") == ["freedom"]


def test_char_boxes_merge_per_line() -> None:
    boxes = [(10, 100, 15, 110), (15, 100, 20, 110), (22, 100, 27, 110), (10, 112, 15, 122), (300, 100, 305, 110)]
    assert line_rects(boxes) == [(10, 100, 27, 110), (10, 112, 15, 122), (300, 100, 305, 110)]


def test_sources_get_highlights_and_a_moved_pdf_gets_none(bethe: Path, tmp_path: Path) -> None:
    copy = tmp_path / "bethe.pdf"
    shutil.copyfile(bethe, copy)
    record = PaperRecord(id="arxiv:1111.2011", title="Bethe", extra={"pdf_path": str(copy)})
    passage = f"Some text before. {LEFT_COLUMN} And after."
    at = passage.index(LEFT_COLUMN)
    hit = Hit(chunk_id="c", text=passage, paper_id=record.id, title="Bethe", page_start=1, page_end=1)
    source = Source(n=1, hit=hit, quotes=[(at, at + len(LEFT_COLUMN))])
    locator = HighlightLocator(lambda pid: record if pid == record.id else None)
    highlights = locator.for_source(source)
    assert [(h.quote, h.page) for h in highlights] == [(LEFT_COLUMN, 1)]
    assert all(len(r) == 4 and r[0] < r[2] and r[1] < r[3] for r in highlights[0].rects)
    copy.unlink()
    assert HighlightLocator(lambda pid: record).for_source(source) == []
    abstract_only = Hit(chunk_id="a", text=passage, paper_id="x", title="X")
    assert locator.for_source(Source(n=2, hit=abstract_only, quotes=[(0, 10)])) == []


def test_highlights_land_on_the_text_of_rotated_pages() -> None:
    """Pages turned 90/180/270 degrees: the rectangle, turned like the page, covers the word's ink."""
    from ui.page_image import render_page

    path = shared_path("pdfs", "odd", "pypdf-samples-habibi-rotated.pdf")
    cache = GlyphCache()
    for page in (1, 2, 3, 4):
        found = locate(cache.pages(path, [page]), "habibi")
        assert [p.page for p in found] == [page]
        rendered = render_page(path, page, found[0].rects, dpi=100)
        (box,) = rendered.boxes
        ink = rendered.image.convert("L").crop(tuple(round(v) for v in box))
        dark = sum(1 for v in ink.getdata() if v < 128)
        assert dark > 0.1 * ink.width * ink.height, (page, box)
