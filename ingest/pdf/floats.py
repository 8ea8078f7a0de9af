"""Tables and figure captions as passages of their own.

A text layer gives a table as bare runs of numbers ("GrobidCRF 40.6 38.3 39.1 ..."), with the header and the
caption somewhere else. Here a caption line ("Table 2: ...", "Fig. 3.") is found; for a table, the block of
tabular lines beside it (above or below: styles differ) becomes one line per row that repeats the caption's
first sentence and the column names, then the row's cells: "Table 2: Evaluating ... | Model | Full P | ... —
GrobidCRF | 40.6 | 38.3 | ...". Each row is then a sentence an answer can quote with its page. A figure
caption becomes one paragraph. The lines are marked (`Line.role`), and layout puts each float in a section
of its own.

Cells are split by where the words are drawn (`Line.words`: PDFium's boxes for a text layer, tesseract's
for OCR): pdfplumber's table finder, measured on the shared PDFs (bench/table_cells.py), finds no table by
their ruling lines (most have horizontal rules only) and half of their numbers by text alignment. Without
word positions a row keeps its tokens in reading order after the header's.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from ingest.pdf.extract import Line
from ingest.pdf.layout import HYPHENS, build_vocabulary, join_hyphenated

_CAPTION = re.compile(
    r"^(?P<label>(?P<what>T\s?a\s?b\s?l\s?e|Tab\.|TABLE|F\s?i\s?g\s?u\s?r\s?e|Fig\.|FIG\.)\s*(?P<num>[1-9]\d?|[IVX]{1,5})\s?[.:|])"
    r"(?!\s*\d)\s*(?P<rest>.*)$"  # "Table 97.3 58.6 ..." is a table row that starts with a label word
)
# 71.2, -1.60, 28,557, (70%), 47.21(0.34), 0.93±0.02, 92.0*
_NUMBER = re.compile(r"^[(\[]?[-+±−]?\d[\d,]*(?:\.\d+)?%?(?:\(\d+(?:\.\d+)?\)|[±]\d+(?:\.\d+)?)?[)\]]?[*†‡]*$")
_FIRST_SENTENCE = re.compile(r"^(.+?[^A-Z.][.!?])\s+(?=[A-Z(])")
_MIN_ROWS = 2  # fewer numeric rows than this: a caption with prose beside it, not a table
# Two OCR lines further apart than this many type sizes (baseline to baseline) are not one table's rows.
_ROWS_APART_EM = 3.0
# Two words of a row are in different cells when the gap between them is wider than this many font sizes
# (a word space is about 0.3, LaTeX's column gap 1.2 at a table's 9-10 pt).
_CELL_GAP_EM = 0.6


def _numeric_share(text: str) -> tuple[int, float]:
    tokens = text.split()
    # A lone digit is as often a header's subscript ("R-1f 1") or a footnote mark as a cell.
    numbers = sum(len(t) > 1 and bool(_NUMBER.match(t)) for t in tokens)
    return numbers, numbers / len(tokens) if tokens else 0.0


def _is_row(line: Line) -> bool:
    numbers, share = _numeric_share(line.text)
    return numbers >= 2 and share >= 0.3


def _is_tabular(line: Line, typical: float) -> bool:
    """A row of numbers, or a short line that is no sentence (a header, a row label)."""
    text = line.text.strip()
    if _is_row(line):
        return True
    return len(text) < 0.6 * typical and not text.endswith((".", ",", ";")) and not _CAPTION.match(text)


def _row_size(lines: Iterable[Line]) -> float | None:
    """The type size of the nearest row of numbers: a table's header is set in its rows' size."""
    return next((ln.size for ln in lines if _is_row(ln)), None)


def _in_table(line: Line, typical: float, size: float | None, body: float) -> bool:
    """A row, a short line that is no sentence, or a header line in the rows' type when that is not the
    body's (or is bold): e.g. "Language TEDs mAP (0.75) Inference time (secs)"."""
    if line.role or _CAPTION.match(line.text.strip()):
        return False
    if _is_row(line):
        return True
    if size is not None and abs(line.size - size) >= _same_size(line):
        return False  # another type than the rows': a heading or the body text after the table
    if _is_tabular(line, typical):
        return True
    if line.ocr and len(_cells(line) or []) >= 3:
        return True  # OCR's weight and sizes are estimates: a line of 3 cells or more is a header
    table_type = size is not None and abs(line.size - size) < 0.3 and (abs(line.size - body) > 0.3 or line.bold)
    return table_type and not line.text.rstrip().endswith(".")


def _same_size(line: Line) -> float:
    """How far two sizes may differ and still be one type: a text layer's are exact, OCR's estimates
    differ by a half-point step between lines of one size (a header of letters, rows of digits)."""
    return 0.8 if line.ocr else 0.3


def caption_label(text: str) -> str:
    """'Table 2' / 'Figure 3' for a caption line, '' for any other line."""
    match = _CAPTION.match(text.strip())
    if not match:
        return ""
    what = match.group("what").replace(" ", "")
    kind = "Table" if what.lower().startswith("tab") else "Figure"
    return f"{kind} {match.group('num')}"


def mark_floats(pages: list[list[Line]], body: float) -> list[list[Line]]:
    """Each page with its tables rewritten as caption-and-header rows and its figure captions marked."""
    vocab = build_vocabulary(pages)
    return [_page_floats(lines, body, vocab) for lines in pages]


def _page_floats(lines: list[Line], body: float, vocab: Counter[str]) -> list[Line]:
    lengths = [len(ln.text) for ln in lines if len(ln.text) > 10]
    typical = statistics.median(lengths) if lengths else 60.0
    out = list(lines)
    i = 0
    while i < len(out):
        label = caption_label(out[i].text) if not out[i].role else ""
        if not label:
            i += 1
            continue
        end = _caption_end(out, i, typical)
        caption = _joined(out[i:end], vocab)
        match = _CAPTION.match(caption)
        caption = f"{label}: {match.group('rest')}" if match else caption  # "Ta b l e 1 ." → "Table 1:"
        table = _table(out, i, end, typical, body, caption) if label.startswith("Table") else None
        if table is None:
            role = "table" if label.startswith("Table") else "figure"
            replaced, start, stop = [replace(out[i], text=caption, role=role, group=_title(caption))], i, end
        else:
            replaced, start, stop = table
        out[start:stop] = replaced
        i = start + len(replaced)
    return out


def _joined(lines: list[Line], vocab: Counter[str]) -> str:
    """A caption's lines as one line, a line-end hyphen rejoined as paragraphs are ("represen- tation")."""
    text = ""
    for line in lines:
        piece = line.text.strip()
        if text.endswith(HYPHENS):
            text = (text[:-1] if join_hyphenated(text, piece, vocab) else text) + piece
        else:
            text = f"{text} {piece}" if text else piece
    return text


def _caption_end(lines: list[Line], i: int, typical: float) -> int:
    """The caption paragraph: following lines of the caption's size and spacing, up to a short last line."""
    first = lines[i]
    end = i + 1
    prev = first
    if _short_sentence_end(first, typical):
        return end
    while end < len(lines) and end - i < 8:
        line = lines[end]
        gap = prev.y - line.y
        if abs(line.size - first.size) > 0.3 or not 0 < gap < 2.0 * max(first.size, 1.0) or caption_label(line.text):
            break
        if _is_row(line):
            break
        end += 1
        prev = line
        if _short_sentence_end(line, typical):
            break
    return end


def _short_sentence_end(line: Line, typical: float) -> bool:
    return len(line.text) < 0.7 * typical and line.text.rstrip().endswith(".")


def _table(
    lines: list[Line], cap_start: int, cap_end: int, typical: float, body: float, caption: str
) -> tuple[list[Line], int, int] | None:
    """The table beside a caption: tabular lines right after it (caption above) or right before it."""
    after = cap_end
    size = _row_size(lines[cap_end : cap_end + 10])
    while after < len(lines) and _in_table(lines[after], typical, size, body):
        if after > cap_end and _apart(lines[after - 1], lines[after]):
            break
        after += 1
    before = cap_start
    size = _row_size(reversed(lines[max(0, cap_start - 10) : cap_start]))
    while before > 0 and _in_table(lines[before - 1], typical, size, body):
        if before < cap_start and _apart(lines[before - 1], lines[before]):
            break
        before -= 1
    if after < len(lines) and caption_label(lines[after].text).startswith("Table"):
        # Rows between two table captions: the next table's when its caption has no rows after it (the
        # caption-below style), else this one's (caption above).
        next_end = _caption_end(lines, after, typical)
        if not any(_is_row(ln) for ln in lines[next_end : next_end + 6]):
            after = cap_end
    below = lines[cap_end:after]
    above = lines[before:cap_start]
    rows_below = sum(_is_row(ln) for ln in below)
    rows_above = sum(_is_row(ln) for ln in above)
    if max(rows_below, rows_above) < _MIN_ROWS:
        return None
    block = below if rows_below >= rows_above else above
    header_lines = []
    for line in block:
        if _is_row(line):
            break
        header_lines.append(line)
    title = _title(caption)  # short, so that a row with its caption and header fits a passage many times over
    anchor = lines[cap_start]
    out = [replace(anchor, text=caption, role="table", group=title)]
    body_rows = block[len(header_lines) :]
    split = split_cells(header_lines, body_rows)
    for k, line in enumerate(body_rows):
        if split is None:  # no word positions: the row's tokens in reading order, after the header's
            header = " ".join(ln.text.strip() for ln in header_lines)
            text = " | ".join(part for part in (title, header, line.text.strip()) if part)
        else:
            names, rows = split
            text = (
                " | ".join([title, *names]) + " — " + " | ".join(rows[k])
                if names
                else f"{title} — " + " | ".join(rows[k])
            )
        out.append(replace(line, text=text, role="table", group=title))
    if block is below:
        return out, cap_start, after
    return out, before, cap_end


def _apart(upper: Line, lower: Line) -> bool:
    """OCR lines too far apart to be rows of one table: OCR's weight is an estimate, so the heading after a
    table may look like a row label to `_in_table`; the white space before it tells (a text layer's sizes do)."""
    return upper.ocr and lower.ocr and upper.y - lower.y > _ROWS_APART_EM * max(upper.size, lower.size, 1.0)


def _first_sentence(caption: str) -> str:
    match = _FIRST_SENTENCE.match(caption)
    sentence = match.group(1) if match else caption
    return sentence.rstrip(" .")


def _title(caption: str) -> str:
    """A float's section title: its caption's first sentence, cut at a word near 90 characters."""
    sentence = _first_sentence(caption)
    return sentence if len(sentence) <= 90 else sentence[:90].rsplit(" ", 1)[0] + " …"


def split_cells(header: list[Line], rows: list[Line]) -> tuple[list[str], list[list[str]]] | None:
    """Column names and each row's cells, from where the words were drawn (`Line.words`): within a row a
    cell ends at a gap wider than a word space; the columns are where the numeric rows' cells overlap
    (a header cell may span several, "Full" over "P R F1", and names each). None without positions."""
    cells = [_cells(line) for line in rows]
    numeric = [c for line, c in zip(rows, cells, strict=True) if c and _is_row(line)]
    if len(numeric) < _MIN_ROWS or any(c is None for c in cells):
        return None
    columns = _columns([cell for row in numeric for cell in row])
    if len(columns) < 2:
        return None
    names: list[list[str]] = [[] for _ in columns]
    unplaced = [line.text.strip() for line in header if _cells(line) is None]  # no positions: named in front
    for line in header:
        for x0, x1, text in _cells(line) or []:
            spanned = [k for k, col in enumerate(columns) if min(x1, col[1]) - max(x0, col[0]) > 0]
            for k in spanned or [_nearest(columns, x0, x1)]:
                names[k].append(text)
    values: list[list[str]] = []
    for row in cells:
        out: list[list[str]] = [[] for _ in columns]
        for x0, x1, text in row or []:
            out[_nearest(columns, x0, x1)].append(text)
        values.append([" ".join(v) for v in out])
    named = [" ".join(n) for n in names] if any(names) else []
    return ([" ".join(unplaced)] if unplaced else []) + named, values


def _cells(line: Line) -> list[tuple[float, float, str]] | None:
    """A line's cells (left, right, text): its words joined while the gap to the next is a word space."""
    tokens = line.text.split()
    if not line.words or len(line.words) != len(tokens):
        return None
    gap = _CELL_GAP_EM * (line.size or 10.0)
    cells: list[list] = []
    for token, (x0, x1) in zip(tokens, line.words, strict=True):
        if x0 != x0:  # a word of marks only (no box): it belongs to the cell before it
            x0 = x1 = cells[-1][1] if cells else line.x
        if cells and 0 <= x0 - cells[-1][1] + 1.0 < gap + 1.0:  # going back left: a second line of cells
            cells[-1][1] = max(cells[-1][1], x1)
            cells[-1][2] += " " + token
        else:
            cells.append([x0, x1, token])
    return [(x0, x1, text) for x0, x1, text in cells]


def _columns(cells: list[tuple[float, float, str]]) -> list[tuple[float, float]]:
    """Column spans: the union of the cells' spans, cells that overlap in x being one column."""
    merged: list[list[float]] = []
    for x0, x1, _ in sorted(cells):
        if merged and x0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    return [(a, b) for a, b in merged]


def _nearest(columns: list[tuple[float, float]], x0: float, x1: float) -> int:
    """The column a cell overlaps most, else the one nearest to its middle."""
    overlaps = [min(x1, b) - max(x0, a) for a, b in columns]
    best = max(range(len(columns)), key=lambda k: overlaps[k])
    if overlaps[best] > 0:
        return best
    middle = (x0 + x1) / 2
    return min(range(len(columns)), key=lambda k: abs((columns[k][0] + columns[k][1]) / 2 - middle))
