"""OCR lines put right by where their words sit: words tesseract split in two, table cells read across.

Tesseract reads a word's letters well but decides spaces and reading order from the page image alone, and
two of its habits break sentences an answer would quote: it splits a word at a letter-digit seam
("pdf 2image"), and it reads a table whose cells hold prose row by row across the columns, so a cell's
sentence is cut by its neighbours' words ("...et al., 2019) and Semantic units often used for down- PySBD
(Sadvilkar..."). Both show in the words' boxes, which hOCR gives.
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import replace

from ingest.pdf.extract import Line

Span = tuple[float, float]  # a word's left and right edge, points

# Two OCR words closer than this share of their line's typical word space are one word split in two.
_SPLIT_GAP = 0.6
# A white channel that runs down a paragraph and is this many word spaces wide separates table columns.
_CHANNEL_SPACES = 2.5
_CONTINUES = re.compile(r"(?:-|[^.!?:;])$")


def rejoin_split_words(words: list[str], spans: list[Span]) -> tuple[list[str], list[Span]]:
    """Words tesseract split where the page has no space, at a letter-digit seam ("pdf 2image", "GPT 3"):
    a gap well under the line's typical space joins them. Within a printed line the spaces are alike (a
    justified line stretches them all), so a much narrower gap is a letter gap, not a space."""
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(spans)]
    if len(gaps) < 3:
        return words, spans
    space = statistics.median(gaps)
    joined_words, joined_spans = [words[0]], [spans[0]]
    for word, span, gap in zip(words[1:], spans[1:], gaps, strict=True):
        seam = joined_words[-1][-1:] + word[:1]
        # a letter on one side, a digit on the other: two numbers side by side are two table cells
        letter_digit = seam.isalnum() and any(ch.isdigit() for ch in seam) and any(ch.isalpha() for ch in seam)
        if space > 0 and gap < _SPLIT_GAP * space and letter_digit:
            joined_words[-1] += word
            joined_spans[-1] = (joined_spans[-1][0], max(joined_spans[-1][1], span[1]))
        else:
            joined_words.append(word)
            joined_spans.append(span)
    return joined_words, joined_spans


def columns_in_order(lines: list[Line]) -> list[Line]:
    """A paragraph tesseract read across the columns of a table, cell by cell instead: each line is cut at
    the white channels that run down the whole paragraph, and each row's cells are given column by column.
    Only when a cell's text goes on to the next line (a row of numbers is left as it is read)."""
    if len(lines) < 3 or any(not ln.words or len(ln.words) != len(ln.text.split()) for ln in lines):
        return lines
    channels = _channels(lines)
    if not channels:
        return lines
    pieces = [_pieces(line, channels) for line in lines]
    if not any(
        column in above and column in below and _continues(above[column].text, below[column].text)
        for above, below in itertools.pairwise(pieces)
        for column in above
    ):
        return lines
    out: list[Line] = []
    row: list[dict[int, Line]] = []
    for k, cells in enumerate(pieces):
        if row and 0 in cells and 0 not in pieces[k - 1]:  # a first-column cell after a gap in it: a new row
            out += _column_major(row, len(channels) + 1)
            row = []
        row.append(cells)
    return out + _column_major(row, len(channels) + 1)


def _channels(lines: list[Line]) -> list[Span]:
    """x intervals no word of the paragraph covers, wide enough and crossed by two lines or more."""
    spans = sorted(span for line in lines for span in line.words)
    gaps = [b[0] - a[1] for line in lines for a, b in itertools.pairwise(line.words)]
    width = _CHANNEL_SPACES * statistics.median(gaps) if gaps else 0.0
    width = max(width, statistics.median(ln.size for ln in lines))
    channels, reach = [], spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - reach >= width:
            channels.append((reach, x0))
        reach = max(reach, x1)
    crossing = [c for c in channels if sum(_crosses(line, c) for line in lines) >= 2]
    return crossing


def _crosses(line: Line, channel: Span) -> bool:
    return any(x1 <= channel[0] for _, x1 in line.words) and any(x0 >= channel[1] for x0, _ in line.words)


def _pieces(line: Line, channels: list[Span]) -> dict[int, Line]:
    """The line cut at the channels: column index → that part of the line."""
    parts: dict[int, tuple[list[str], list[Span]]] = {}
    for word, span in zip(line.text.split(), line.words, strict=True):
        column = sum(span[0] >= c[1] for c in channels)
        words, spans = parts.setdefault(column, ([], []))
        words.append(word)
        spans.append(span)
    return {
        column: replace(line, text=" ".join(words), x=spans[0][0], words=tuple(spans))
        for column, (words, spans) in parts.items()
    }


def _continues(text: str, following: str) -> bool:
    """A cell's line that goes on in the cell's next line: no sentence end, and the next starts lower-case."""
    return bool(_CONTINUES.search(text)) and following[:1].islower()


def _column_major(row: list[dict[int, Line]], columns: int) -> list[Line]:
    return [cells[column] for column in range(columns) for cells in row if column in cells]
