"""Open a PDF with pypdf and turn each page into positioned lines with their font size and weight.

pypdf's `visitor_text` callback sees every text run with its matrices and font; concatenating the
runs gives exactly `extract_text()`'s output, so splitting that stream on newlines yields lines
that still know how big, how bold and where they were drawn. Later stages (header removal,
paragraphs, headings, title) work on these lines only; no page object outlives its iteration.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ingest.models import SourceError
from ingest.pdf.tex_fonts import FontEncodings

_BOLD = re.compile(r"bold|black|heavy|semibold|demi|medi\b|-medi|\bcmbx|cmbx|\+.*-b$|,bold", re.IGNORECASE)


FLOAT_KINDS = ("table", "figure")  # `Line.role`s, and the section kinds of floats


@dataclass(frozen=True)
class Line:
    """One extracted line of a page, with the dominant font size/weight of its characters."""

    text: str
    page: int  # 0-based
    size: float  # effective font size in points (0 when unknown)
    bold: bool
    y: float  # baseline of the line's first run; larger is higher on the page
    x: float = 0.0  # left edge of the line's first run
    outside: bool = False  # drawn outside the page box: text of an embedded figure in its own coordinates
    role: str = ""  # "table" or "figure" for the lines of a float (ingest.pdf.floats), else body text
    group: str = ""  # the float's section title: its lines are one section
    # Left and right edge of each word of `text` (split on spaces), when known (OCR, table pages): cells
    words: tuple[tuple[float, float], ...] = ()
    ocr: bool = False  # read by OCR: `size` is tesseract's estimate (to half a point, give or take one)
    uncertain: bool = False  # OCR read it with little confidence (a formula, figure text): never a heading
    lead: str = ""  # its opening words when they alone are bold: a run-in heading ("Reward Design We conduct …")


@contextmanager
def quiet_pypdf() -> Iterator[None]:
    """pypdf logs a warning per oddity in broken files; the caller reports one error line instead."""
    logger = logging.getLogger("pypdf")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def open_reader(path: Path, password: str | None) -> Any:
    """A decrypted `PdfReader` for `path`, or SourceError with a one-line reason."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError, PyPdfError

    source = str(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise SourceError(source, f"cannot read: {exc.strerror or exc}") from None
    if not head:
        raise SourceError(source, "empty file")
    if b"%PDF" not in head:
        raise SourceError(source, "not a PDF (no %PDF header)")
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            _decrypt(reader, source, password)
        n = len(reader.pages)
    except SourceError:
        raise
    except DependencyError:
        raise SourceError(source, "encrypted with AES; install the 'cryptography' package to read it") from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise SourceError(source, f"corrupt or truncated PDF ({_one_line(exc)})") from None
    except RecursionError:
        raise SourceError(source, "corrupt PDF (cyclic object references)") from None
    if n == 0:
        raise SourceError(source, "PDF has zero pages")
    return reader


def _decrypt(reader: Any, source: str, password: str | None) -> None:
    from pypdf import PasswordType

    # Many PDFs are "encrypted" only with an empty user password (permissions), so try that first.
    if reader.decrypt("") != PasswordType.NOT_DECRYPTED:
        return
    if password is None:
        raise SourceError(source, "encrypted, give --password")
    if reader.decrypt(password) == PasswordType.NOT_DECRYPTED:
        raise SourceError(source, "wrong password")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def iter_page_lines(
    reader: Any, source: str, on_page: Callable[[int, int], None] | None = None
) -> Iterator[list[Line]]:
    """Yield each page's lines in reading order (pypdf's content-stream order), one page at a time."""
    n = len(reader.pages)
    encodings = FontEncodings()  # TeX fonts without a ToUnicode map, learnt over the document's pages
    for index in range(n):
        try:
            page = reader.pages[index]
            lines = _page_lines(page, index, encodings)
        except RecursionError:
            raise SourceError(source, f"corrupt PDF (cyclic objects on page {index + 1})") from None
        except Exception as exc:  # pypdf raises many types on a damaged page; name the page
            raise SourceError(source, f"cannot extract page {index + 1}: {_one_line(exc)}") from None
        del page
        if on_page is not None:
            on_page(index + 1, n)
        yield lines


def _page_lines(page: Any, index: int, encodings: FontEncodings | None = None) -> list[Line]:
    runs: list[tuple[str, float, bool, float, float, int | None]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if not text:
            return
        try:
            # Rendering matrix = tm x cm; its second row scales glyph height, its translation is the origin.
            c = tm[2] * cm[0] + tm[3] * cm[2]
            d = tm[2] * cm[1] + tm[3] * cm[3]
            eff = float(size or 0) * math.hypot(c, d)
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        except (TypeError, IndexError):
            eff, x, y = 0.0, 0.0, 0.0
        name, key = "", None
        if font is not None and hasattr(font, "get"):
            name = str(font.get("/BaseFont", "") or "")
            if "/ToUnicode" not in font:  # its codes may be TeX's (ingest.pdf.tex_fonts); pypdf caches the dict
                key = id(font)
            elif encodings is not None:
                text = text.translate(encodings.corrections(font))
        runs.append((text, round(eff, 1), bool(_BOLD.search(name)), float(x), float(y), key))

    page.extract_text(visitor_text=visit)
    try:
        box = page.mediabox
        left, bottom, right, top = float(box.left), float(box.bottom), float(box.right), float(box.top)
    except Exception:  # a broken /MediaBox: treat everything as inside
        left, bottom, right, top = -1e9, -1e9, 1e9, 1e9
    slack = 0.05 * max(right - left, top - bottom, 1.0)
    lines: list[Line] = []
    fonts: list[tuple[str, list[int | None]]] = []  # per line: its text and each character's font key
    parts: list[str] = []
    keys: list[int | None] = []
    weights: dict[tuple[float, bool], int] = {}
    first: tuple[float, float] | None = None
    bold_parts: list[bool] = []

    def flush() -> None:
        nonlocal parts, keys, weights, first, bold_parts
        text = "".join(parts)
        if text.strip():
            size, bold = max(weights.items(), key=lambda kv: kv[1])[0] if weights else (0.0, False)
            x, y = first if first is not None else (0.0, 0.0)
            outside = not (left - slack <= x <= right + slack and bottom - slack <= y <= top + slack)
            lines.append(Line(text, index, size, bold, y, x, outside, lead=_bold_lead(parts, bold_parts)))
            fonts.append((text, keys))
        parts, keys, weights, first, bold_parts = [], [], {}, None, []

    previous: tuple[float, float] | None = None  # size and baseline of the line's last visible run
    dropped = ""  # where a mark was just dropped: after a "stop" or a "word" ("" when none was)
    for (text, size, bold, x, y, key), after in zip(runs, _next_sizes(runs), strict=True):
        pieces = text.split("\n")
        for k, piece in enumerate(pieces):
            if k > 0:
                flush()
                previous, dropped = None, ""
            if piece and previous is not None:
                mark = _superscript_citation(piece, size, y, previous, after if k == len(pieces) - 1 else None, parts)
                if mark:
                    piece, dropped = ("", mark) if mark == "word" else (" ", mark)  # after a stop, the space stays
            if dropped and piece.strip():
                if dropped == "stop" and piece.startswith("."):
                    piece = piece[1:]  # a stop after the mark ("online.³. The")
                elif dropped == "word" and not re.match(r"[\s.,;:)\]]", piece):
                    piece = " " + piece  # "Meeson¹,² Mehran" read "MeesonMehran" without it
                dropped = ""
            if piece:
                parts.append(piece)
                bold_parts.append(bold)
                keys.extend([key] * len(piece))
                visible = len(piece.strip())
                if visible:
                    if first is None:
                        first = (x, y)
                    weight = (size, bold)
                    weights[weight] = weights.get(weight, 0) + visible
                    previous = (size, y)
    flush()
    if encodings is None:
        return lines
    for text, line_keys in fonts:  # the whole page is evidence before any of its lines is decoded
        encodings.observe(text, line_keys)
    decoded = [(ln, encodings.decode(text, ks)) for ln, (text, ks) in zip(lines, fonts, strict=True)]
    # a line whose TeX codes were decoded keeps no bold lead: that was read from the codes
    return [ln if text == ln.text else replace(ln, text=text, lead="") for ln, text in decoded]


# A superscript citation or footnote mark ("… in drug development.¹²⁰ Small molecule …", "a random forest model¹²³
# and", "Mehdi and Tiwary⁹⁰ used"): numbers set smaller than the text before them, not below its baseline (raised by
# a move, or by a text rise, which the matrices pypdf reports do not show), and followed by text of the text's size
# again (a fraction's "1" has its "2" below it, small too), right after a sentence's stop or a word of four
# letters or more (an exponent follows a symbol or a unit: "x²", "τ²", "cm²", "10⁴"). Left in, it opens the
# next sentence or sits inside one, and passes for a quantity.
_CITATION_RUN = re.compile(r"\s*\d{1,3}(?:\s?[,–-]\s?\d{1,3})*\s*")
_AFTER = {"stop": re.compile(r"[a-z)\]][.!?][\"')\]]?\s*$"), "word": re.compile(r"[A-Za-z]{4,}[,;:)]?\s*$")}
_SMALLER = 0.85  # a superscript is set at most this share of the text's size
_LOWERED = 0.05  # a baseline this share of the text's size below the text's is a subscript's


def _superscript_citation(
    piece: str, size: float, y: float, previous: tuple[float, float], after: float | None, parts: list[str]
) -> str:
    """The mark `piece` is ("stop" or "word": a superscript citation after a sentence's stop or a word), else ""
    (`previous`: the size and baseline of the text before it; `after`: the size of the text after it on its
    line, None at the line's end)."""
    before_size, before_y = previous
    superscript = (
        before_size > 0
        and 0 < size <= _SMALLER * before_size
        and y - before_y >= -_LOWERED * before_size
        and (after is None or after > _SMALLER * before_size)
        and _CITATION_RUN.fullmatch(piece) is not None
    )
    if not superscript:  # most runs: the text before them is not read
        return ""
    tail = "".join(parts[-3:])
    return next((name for name, pattern in _AFTER.items() if pattern.search(tail)), "")


def _next_sizes(runs: list[tuple[str, float, bool, float, float, int | None]]) -> list[float | None]:
    """Per run, the size of the next text on its line (None when the line ends first; 0 when that text goes on
    with an operator, "1/n", "1∑ wᵢ", "x² · u": the number is part of a formula)."""
    out: list[float | None] = [None] * len(runs)
    following: float | None = None
    for i in range(len(runs) - 1, -1, -1):
        out[i] = following
        text, size = runs[i][0], runs[i][1]
        head = text.split("\n", 1)[0]
        if head.strip():
            following = 0.0 if head.lstrip()[0] in _OPERATORS else size
        elif "\n" in text:
            following = None
    return out


_OPERATORS = frozenset("/∑∏∫=+−-–<>≤≥×·*^|")


def _bold_lead(parts: list[str], bold: list[bool]) -> str:
    """The line's opening text when it is bold and what follows is not (blank pieces go either way)."""
    for k, (piece, is_bold) in enumerate(zip(parts, bold, strict=True)):
        if piece.strip() and not is_bold:  # the rest, from here, has text: the lead is what came before
            lead = "".join(parts[:k])
            return lead if lead.strip() else ""
    return ""
