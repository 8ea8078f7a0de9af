"""Which pages need OCR: those whose text layer is missing or unusable and that show an image.

A page with almost no text layer but a raster image is a scan (or a photographed page); a page with
almost no text and no image is blank or a vector drawing, where OCR finds nothing worth the time.
A text layer made of symbols that are not words (a broken font's glyph codes) is no text either, nor one
whose words are a font's glyph codes throughout (a letter-for-letter substitution): every page of such a
document is read by OCR.
"""

from __future__ import annotations

import re
import statistics
from typing import Any

from ingest.pdf.extract import Line

_LETTER = re.compile(r"[^\W\d_]")
_WORDISH = re.compile(r"[^\W\d_]{2,}")
_MIN_LETTERS = 40  # fewer letters than a short sentence: the page's text layer says nothing


def letters(pages: list[list[Line]]) -> int:
    """How many letters the lines hold (digits, symbols and spaces do not count)."""
    return sum(len(_LETTER.findall(ln.text)) for lines in pages for ln in lines)


def usable_text(lines: list[Line]) -> bool:
    """A page's text layer is usable when it holds a sentence's worth of letters, mostly in words."""
    text = " ".join(ln.text for ln in lines)
    n_letters = len(_LETTER.findall(text))
    in_words = sum(len(w) for w in _WORDISH.findall(text))
    return n_letters >= _MIN_LETTERS and in_words >= 0.6 * n_letters


def pages_to_ocr(reader: Any, pages: list[list[Line]], mode: str) -> list[int]:
    """0-based indexes of the pages to OCR: every page ("always"), none ("never"), or ("auto") the pages
    without a usable text layer that draw an image, and every page of a document whose text layer is glyph
    codes (`glyph_codes`)."""
    if mode == "never":
        return []
    if mode == "always" or glyph_codes(pages):
        return list(range(len(pages)))
    return [i for i, lines in enumerate(pages) if not usable_text(lines) and has_image(reader.pages[i])]


_LATIN = re.compile(r"[a-z]")
_TOKEN = re.compile(r"[^\W\d_]+")
_MIN_LATIN = 200  # a page with fewer Latin letters (a figure, a page of another script) says nothing either way


def glyph_codes(pages: list[list[Line]]) -> bool:
    """The document's text layer is a font's glyph codes, not its words: a font without a map to Unicode (Type 3
    bitmap fonts of old TeX output) gives a letter-for-letter substitution ("ª S \\ KA^ Up²" for "The package")
    that reads as words to `usable_text` and draws no image. Its pages of Latin letters have few vowels among them
    (words of any Latin-script language have a third or more), many symbols among the characters and mostly
    one-letter tokens; judged by the medians over the document, so that a page of formulas or a table does not count
    (of 88 PDFs here, the training papers, the shared ones and a German book, only such a guide is; judged page by
    page, 3 of their 2 000 pages would be)."""
    rows = []
    for lines in pages:
        text = " ".join(ln.text for ln in lines)
        latin = _LATIN.findall(text.lower())
        if len(latin) < _MIN_LATIN:
            continue
        chars = [ch for ch in text if not ch.isspace()]
        tokens = _TOKEN.findall(text)
        vowels = sum(ch in "aeiouy" for ch in latin) / len(latin)
        symbols = sum(not ch.isalnum() for ch in chars) / len(chars)
        single = sum(len(t) == 1 for t in tokens) / len(tokens)
        rows.append((vowels, symbols, single))
    if not rows:
        return False
    vowels, symbols, single = (statistics.median(column) for column in zip(*rows, strict=True))
    return vowels < 0.27 and symbols > 0.2 and single > 0.35


def has_image(page: Any) -> bool:
    """True when the page draws a raster image, directly or inside a form XObject (one level down)."""
    try:
        return _has_image(page.get("/Resources"), depth=2)
    except Exception:  # damaged resources: no evidence of a scan
        return False


def _has_image(resources: Any, depth: int) -> bool:
    if resources is None or depth == 0:
        return False
    resources = resources.get_object()
    xobjects = resources.get("/XObject")
    if xobjects is None:
        return False
    for ref in xobjects.get_object().values():
        xobject = ref.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            return True
        if subtype == "/Form" and _has_image(xobject.get("/Resources"), depth - 1):
            return True
    return False
