"""Where a piece of extracted text sits on a PDF's pages: the rectangles of the characters that drew it.

Why pypdfium2: PDFium gives every character of a page its Unicode value and box straight from the
content stream, in C, at a few ms per page (pdfplumber/pdfminer computes the same in Python, ~20x
slower, and needs PDFium anyway to render). The same library renders the page the rectangles are drawn
on, so both agree on the geometry.

Matching does not trust the extracted text to equal the page's characters: both are reduced to a stream
of lower-case letters and digits (ligatures expanded by NFKC, accents and every space, hyphen and
punctuation mark dropped), so a line-end hyphen, a ligature glyph or a LaTeX accent cannot break a
match. Each kept character remembers the PDF character it came from, so a match in the stream is a set
of character boxes, merged into one rectangle per line. A quote found nowhere verbatim (text that the
stream interleaves, e.g. a footnote in the middle of a two-column paragraph) is aligned word by word.

Coordinates are PDF points with the origin at the page's top-left (pdfplumber's convention):
`(x0, top, x1, bottom)`, relative to the page's visible box (its CropBox, which is its MediaBox unless
the PDF crops the page).
"""

from __future__ import annotations

import difflib
import itertools
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.pdf.tex_fonts import decode_char, encoding_of, ligature_votes

Rect = tuple[float, float, float, float]
_NO_BOX: Rect = (0.0, 0.0, 0.0, 0.0)
# PDFium is not thread-safe, and the app answers several sessions at once: every call into it holds this.
PDFIUM_LOCK = threading.RLock()
# What PDFium (and PDFs) put where a word was hyphenated at a line end: not a word break.
HYPHENATION_MARKS = frozenset("\ufffe\u00ad\x02")
_MARKS = {"Lm", "Sk", "Mn"}  # modifier letters and symbols (spacing accents), combining marks

# A word-aligned match must cover this share of the quote's words to count as found.
MIN_ALIGNED_SHARE = 0.6


@dataclass(frozen=True)
class PageGlyphs:
    """One page's text reduced to a matching stream: `stream[i]` was drawn by PDF character `source[i]`."""

    page: int  # 1-based
    stream: str
    source: tuple[int, ...]
    word_starts: tuple[int, ...]  # stream offsets where a word of the page begins
    boxes: tuple[Rect, ...]  # per PDF character index, top-left origin; (0,0,0,0) for spaces and line breaks
    width: float
    height: float


@dataclass(frozen=True)
class Placement:
    """Where (part of) a text was found: a page and the rectangles that cover it there."""

    page: int  # 1-based
    rects: list[Rect]


@lru_cache(maxsize=8192)
def reduce_char(ch: str) -> str:
    """A character as the matching stream sees it: lower-case letters and digits only, accents removed
    (LaTeX's spacing accents too: "teˇsanovi´c" reads "tesanovic", as ingest's "Tešanović" does)."""
    out = []
    for c in unicodedata.normalize("NFKD", ch):
        if c.isalnum() and unicodedata.category(c) != "Lm":
            out.append(c.lower())
    return "".join(out)


@lru_cache(maxsize=1024)
def joins_word(ch: str) -> bool:
    """A character that is not a letter yet does not end a word: a line-end hyphenation mark, an accent."""
    if ch in HYPHENATION_MARKS:
        return True
    marks = unicodedata.normalize("NFKD", ch).strip()  # "´" decomposes to a space and a combining accent
    return bool(marks) and all(unicodedata.category(c) in _MARKS for c in marks)


def reduce_text(text: str) -> str:
    return "".join(reduce_char(ch) for ch in text)


def reduced_words(text: str) -> list[str]:
    """Words of `text` in matching form, split as page words are: at anything but a letter, a digit or a
    hyphenation mark (so "BookSum’s" is two words on the page and in the quote)."""
    words, current = [], []
    for ch in text:
        reduced = reduce_char(ch)
        if reduced:
            current.append(reduced)
        elif not joins_word(ch) and current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


class GlyphCache:
    """Pages' matching streams, read once per (file, modification time, page) and kept for reuse."""

    def __init__(self, max_pages: int = 64) -> None:
        self._pages: OrderedDict[tuple[str, int, int], PageGlyphs] = OrderedDict()
        self._max = max_pages
        self._lock = threading.Lock()

    def pages(self, path: Path, numbers: Iterable[int]) -> list[PageGlyphs]:
        """The glyphs of the 1-based pages `numbers` that exist in `path` (OSError if it cannot be read)."""
        stat = path.stat()
        wanted = list(dict.fromkeys(numbers))
        found: dict[int, PageGlyphs] = {}
        missing = []
        with self._lock:
            for number in wanted:
                key = (str(path), stat.st_mtime_ns, number)
                if key in self._pages:
                    self._pages.move_to_end(key)
                    found[number] = self._pages[key]
                else:
                    missing.append(number)
        if missing:
            for glyphs in read_pages(path, missing):
                found[glyphs.page] = glyphs
                with self._lock:
                    self._pages[(str(path), stat.st_mtime_ns, glyphs.page)] = glyphs
                    while len(self._pages) > self._max:
                        self._pages.popitem(last=False)
        return [found[n] for n in wanted if n in found]


@contextmanager
def open_pdf(path: Path) -> Iterator[Any]:
    """A PDFium document of `path`, used and closed under PDFIUM_LOCK; OSError with a one-line reason if the
    file cannot be opened."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise OSError(f"{path}: cannot open the PDF ({exc})") from None
        try:
            yield document
        finally:
            document.close()


def read_pages(path: Path, numbers: Iterable[int]) -> list[PageGlyphs]:
    """Read the matching streams of some 1-based pages of a PDF (pages out of range are left out)."""
    with open_pdf(path) as document:
        return [_read_page(document, n) for n in numbers if 1 <= n <= len(document)]


def _read_page(document, number: int) -> PageGlyphs:
    import pypdfium2.raw as pdfium_c

    page = document[number - 1]
    textpage = page.get_textpage()
    try:
        # get_bbox: the page box PDFium draws, inherited boxes resolved (get_mediabox falls back to US Letter)
        left, bottom, right, top = page.get_bbox()
        stream: list[str] = []
        source: list[int] = []
        starts: list[int] = []
        boxes: list[Rect] = []
        at_break = True
        raw, box = textpage.raw, pdfium_c.FS_RECTF()
        unicode_of, loose_box = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetLooseCharBox
        # Characters PDFium generates (line breaks: "\r\n") are spaces here, so that only drawn codes are
        # read as TeX's: a font without a ToUnicode map draws "fi" as a control code (ingest.pdf.tex_fonts).
        generated = pdfium_c.FPDFText_IsGenerated
        text = "".join(
            " " if generated(raw, index) == 1 else chr(unicode_of(raw, index) or 32)
            for index in range(textpage.count_chars())
        )
        encoding = encoding_of(ligature_votes(text))
        for index in range(len(text)):
            char = decode_char(text, index, encoding)
            if char.isspace() or not loose_box(raw, index, box):  # generated spaces and line breaks
                boxes.append(_NO_BOX)
                at_break = True
                continue
            boxes.append((box.left - left, top - box.top, box.right - left, top - box.bottom))
            reduced = reduce_char(char)
            if not reduced:
                at_break = at_break or not joins_word(char)  # "free-|dom" and "Teˇsanovi´c" stay one word
                continue
            if at_break:
                starts.append(len(source))
                at_break = False
            stream.append(reduced)
            source.extend([index] * len(reduced))
        return PageGlyphs(
            number, "".join(stream), tuple(source), tuple(starts), tuple(boxes), right - left, top - bottom
        )
    finally:
        textpage.close()
        page.close()


def locate(pages: list[PageGlyphs], text: str) -> list[Placement]:
    """Where `text` is drawn on `pages` (consecutive pages, in order; a match may run from one to the next).

    An exact match of the reduced text is tried first, then a word-level alignment; [] when neither
    finds it."""
    target = reduce_text(text)
    if not target or not pages:
        return []
    joined = "".join(p.stream for p in pages)
    at = joined.find(target)
    if at >= 0:
        return _placements(pages, [(at, at + len(target))])
    return _placements(pages, _aligned_spans(pages, text))


def _aligned_spans(pages: list[PageGlyphs], text: str) -> list[tuple[int, int]]:
    """Spans of the joined stream that word-align with `text`, when enough of its words are found in order."""
    quote = reduced_words(text)
    if not quote:
        return []
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    offset = 0
    for glyphs in pages:
        # Words of the page stream are the PDF's own words: split where PDFium puts a space or line break.
        for start, end in _word_spans(glyphs):
            words.append(glyphs.stream[start:end])
            spans.append((offset + start, offset + end))
        offset += len(glyphs.stream)
    matcher = difflib.SequenceMatcher(None, words, quote, autojunk=False)
    anchor = matcher.find_longest_match(0, len(words), 0, len(quote))
    if anchor.size == 0:
        return []
    lo = max(0, anchor.a - anchor.b - 2 * len(quote))
    hi = min(len(words), anchor.a + (len(quote) - anchor.b) + 2 * len(quote))
    matcher.set_seqs(words[lo:hi], quote)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if sum(b.size for b in blocks) < MIN_ALIGNED_SHARE * len(quote):
        return []
    # Only matched words are drawn: what lies between two matched runs (a page number, a footnote) is not the quote.
    return [(spans[lo + b.a][0], spans[lo + b.a + b.size - 1][1]) for b in blocks]


def _word_spans(glyphs: PageGlyphs) -> list[tuple[int, int]]:
    """Stream spans of the page's words (split where the PDF had a space, line break or punctuation)."""
    bounds = [*glyphs.word_starts, len(glyphs.stream)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _placements(pages: list[PageGlyphs], spans: list[tuple[int, int]]) -> list[Placement]:
    """The rectangles, per page, of the characters behind stream spans of the joined pages."""
    out: list[Placement] = []
    offset = 0
    for glyphs in pages:
        chars: list[int] = []
        for start, end in spans:
            lo, hi = max(start - offset, 0), min(end - offset, len(glyphs.stream))
            if lo < hi:  # every PDF character from the span's first to its last: its hyphens and commas too
                chars.extend(range(glyphs.source[lo], glyphs.source[hi - 1] + 1))
        if chars:
            out.append(Placement(glyphs.page, line_rects([glyphs.boxes[c] for c in chars])))
        offset += len(glyphs.stream)
    return out


def line_rects(boxes: list[Rect]) -> list[Rect]:
    """Character boxes in reading order merged into one rectangle per line (a new line starts where a
    box does not overlap the current line vertically, or jumps left or far right: the next line or column)."""
    rects: list[list[float]] = []
    for x0, top, x1, bottom in boxes:
        if x1 <= x0 and bottom <= top:
            continue
        if rects:
            r = rects[-1]
            height = max(r[3] - r[1], bottom - top, 1.0)
            overlap = min(r[3], bottom) - max(r[1], top)
            if overlap > 0.5 * min(r[3] - r[1], bottom - top) and r[2] - height <= x0 <= r[2] + 3 * height:
                r[0], r[1], r[2], r[3] = min(r[0], x0), min(r[1], top), max(r[2], x1), max(r[3], bottom)
                continue
        rects.append([x0, top, x1, bottom])
    return [(round(a, 2), round(b, 2), round(c, 2), round(d, 2)) for a, b, c, d in rects]
