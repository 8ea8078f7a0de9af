"""Where each word of a text-layer line was drawn: its left and right edge, from PDFium's character boxes.

pypdf gives a table row as one run ("Model Full Grobid Subset P R F1") with only its start position, so
the gaps that separate its cells are lost; PDFium knows every character's box. Both read the content
stream in the same order, so each line is matched to the page's characters after the previous line's (both
reduced to letters and digits, as `glyphs` does), and each word gets the span of its characters: also a
cell set lower than its row (a multi-row label) or a line pypdf joined from two. A line not found keeps no
spans: its cells are then not split, which is what a caller falls back to anyway.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ingest.pdf.extract import Line
from ingest.pdf.glyphs import PDFIUM_LOCK, reduce_char

_Char = tuple[str, float, float]  # one reduced letter or digit, and the left and right edge of its glyph
_WINDOW = 400  # how far past the previous line a line's first character is looked for
_MAX_SKIP = 3  # characters PDFium has and the line has not (a generated hyphen), between two matched ones


def with_word_spans(path: Path, pages: list[list[Line]], wanted: list[int], password: str | None) -> None:
    """Give the lines of the 0-based pages `wanted` their words' spans (`Line.words`), in place."""
    import pypdfium2 as pdfium

    if not wanted:
        return
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path), password=password)
        except pdfium.PdfiumError:
            return  # no spans: cells stay unsplit
        try:
            for index in wanted:
                if index < len(document):
                    pages[index] = _with_words(pages[index], _page_chars(document[index]))
        finally:
            document.close()


def _page_chars(page: Any) -> list[_Char]:
    """The page's letters and digits in content-stream order (pypdf's order too), with their x extent."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        raw, box = textpage.raw, pdfium_c.FS_RECTF()
        chars: list[_Char] = []
        for index in range(textpage.count_chars()):
            reduced = reduce_char(chr(pdfium_c.FPDFText_GetUnicode(raw, index) or 32))
            if reduced and pdfium_c.FPDFText_GetLooseCharBox(raw, index, box):
                chars += [(r, box.left, box.right) for r in reduced]
        return chars
    finally:
        textpage.close()
        page.close()


def _with_words(lines: list[Line], chars: list[_Char]) -> list[Line]:
    """Each line matched to the page's characters after the previous line's: its words' spans."""
    out, cursor = [], 0
    for line in lines:
        tokens = line.text.split()
        wanted = [(k, r) for k, token in enumerate(tokens) for ch in token for r in reduce_char(ch)]
        found = _match(wanted, chars, cursor) if wanted and not line.outside else None
        if found is None:
            out.append(line)
            continue
        spans: list[list[float]] = [[] for _ in tokens]
        for (k, _), at in zip(wanted, found, strict=True):
            spans[k] += [chars[at][1], chars[at][2]]
        cursor = found[-1] + 1
        words = tuple((min(s), max(s)) if s else (float("nan"), float("nan")) for s in spans)
        out.append(replace(line, words=words))
    return out


def _match(wanted: list[tuple[int, str]], chars: list[_Char], cursor: int) -> list[int] | None:
    """Indexes of `chars` that spell `wanted` in order, starting near `cursor`, few skipped; None if none."""
    first = wanted[0][1]
    for start in range(cursor, min(len(chars), cursor + _WINDOW)):
        if chars[start][0] != first:
            continue
        found, at = [start], start
        for _, r in wanted[1:]:
            nxt = next((j for j in range(at + 1, min(len(chars), at + 2 + _MAX_SKIP)) if chars[j][0] == r), None)
            if nxt is None:
                break
            found.append(nxt)
            at = nxt
        if len(found) == len(wanted):
            return _skipping_first(found, chars)
    return None


def _skipping_first(found: list[int], chars: list[_Char]) -> list[int]:
    """`found` with each match moved onto the same character right after it, when that one was skipped: of a
    dropped footnote mark and the cell after it ("Paragraph¹ 147,665"), the "1" is the mark's, skipped."""
    out = list(found)
    for i in range(len(out) - 2, -1, -1):
        while out[i] + 1 < out[i + 1] and chars[out[i] + 1][0] == chars[out[i]][0]:
            out[i] += 1
    return out
