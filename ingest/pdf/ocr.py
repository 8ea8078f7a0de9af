"""Read pages that have no usable text layer with Tesseract: render, turn upright, OCR into `Line`s.

pytesseract drives the Debian `tesseract` binary; pypdfium2 renders the page. OCR output comes back as
hOCR, whose lines carry a box, a baseline and an estimated text height (`x_size`), so each OCR line
becomes the same `Line` a text layer gives (points, y up): header removal, hyphenation, paragraphs and
headings then treat OCR text exactly like the rest. Pages run in parallel, one tesseract process per
core (each held to one thread: several OpenMP threads per process only fight over the same cores).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from ingest.models import SourceError
from ingest.pdf.extract import Line
from ingest.pdf.ocr_geometry import columns_in_order, rejoin_split_words
from ingest.pdf.ocr_rules import remove_rules
from ingest.pdf.ocr_weight import Box, bold_lines

OcrMode = Literal["auto", "always", "never"]

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd"
_HOCR_NS = "{http://www.w3.org/1999/xhtml}"
_LINE_CLASSES = {"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"}
_TITLE_FIELD = re.compile(r"(\w+) ([^;]+)")
# Tesseract's text height (`x_size`) spans ascenders to descenders: about 1.3 font sizes.
_X_SIZE_PER_POINT = 1.3
# Below this mean word confidence a page may lie sideways or upside down: orientation detection decides.
_CONFIDENT = 75.0
# Below this mean word confidence a line is a formula or figure text read as words: never a heading.
_UNCERTAIN = 60.0


@dataclass(frozen=True)
class OcrOptions:
    """How pages without a usable text layer are read; built from the engine's settings by the caller."""

    mode: OcrMode = "auto"
    lang: str = "eng"  # tesseract's language names joined with "+", e.g. "eng+deu"
    dpi: int = 300  # rendering resolution: tesseract reads best at 300 dpi
    workers: int = 0  # parallel tesseract processes; 0 = one per core
    detect_rotation: bool = True  # orientation detection (tesseract's OSD) turns sideways/upside-down pages
    remove_rules: bool = True  # table rules painted out before recognition (ingest/pdf/ocr_rules.py)


@dataclass(frozen=True)
class OcrPage:
    """One page read by OCR: its lines and how much it was turned to be upright."""

    lines: list[Line]
    rotated: int  # degrees the page image was turned (0, 90, 180, 270)


def check_tesseract(source: str, lang: str) -> None:
    """SourceError with one line saying how to install what is missing, when OCR cannot run."""
    if not shutil.which("tesseract"):
        raise SourceError(source, f"needs OCR (no text layer) but tesseract is not installed: {INSTALL_HINT}")
    missing = [code for code in lang.split("+") if code and code not in _languages()]
    if missing:
        packages = " ".join(f"tesseract-ocr-{code.replace('_', '-').lower()}" for code in missing)
        raise SourceError(source, f"tesseract has no language data for {'+'.join(missing)}: apt-get install {packages}")


@lru_cache(maxsize=4)
def _languages_for(binary: str) -> frozenset[str]:
    import pytesseract

    return frozenset(pytesseract.get_languages(config=""))


def _languages() -> frozenset[str]:
    return _languages_for(shutil.which("tesseract") or "")


def ocr_pages(
    path: Path,
    indexes: list[int],
    options: OcrOptions,
    *,
    password: str | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> dict[int, OcrPage]:
    """OCR the 0-based pages `indexes` of `path`, in parallel; rendering stays in this thread (PDFium is
    not thread-safe), recognition runs in tesseract processes."""
    source = str(path)
    if not indexes:
        return {}
    check_tesseract(source, options.lang)
    workers = options.workers or os.cpu_count() or 1
    results: dict[int, OcrPage] = {}
    with _one_thread_per_tesseract(), ThreadPoolExecutor(max_workers=workers) as pool:
        pending: list[tuple[int, Any]] = []
        for index, image, scale in _render(path, indexes, options.dpi, password):
            pending.append((index, pool.submit(_read_page, image, index, scale, options)))
            while len(pending) > 2 * workers:  # bound the rendered images held in memory
                _collect(pending.pop(0), results, source, on_page, len(indexes))
        for entry in pending:
            _collect(entry, results, source, on_page, len(indexes))
    return results


def _collect(
    entry: tuple[int, Any],
    results: dict[int, OcrPage],
    source: str,
    on_page: Callable[[int, int], None] | None,
    total: int,
) -> None:
    import pytesseract

    index, future = entry
    try:
        results[index] = future.result()
    except pytesseract.TesseractError as exc:
        message = " ".join(str(exc.message).split())[:160]
        raise SourceError(source, f"OCR failed on page {index + 1}: {message}") from None
    if on_page is not None:
        on_page(len(results), total)


@contextmanager
def _one_thread_per_tesseract() -> Iterator[None]:
    previous = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)
        else:
            os.environ["OMP_THREAD_LIMIT"] = previous


def _render(path: Path, indexes: list[int], dpi: int, password: str | None) -> Iterator[tuple[int, Any, float]]:
    """Each page as a greyscale PIL image at `dpi` (the page's /Rotate applied), with its pixels per point."""
    import pypdfium2 as pdfium

    from ingest.pdf.glyphs import PDFIUM_LOCK  # PDFium is not thread-safe: highlights may read meanwhile

    scale = dpi / 72.0
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path), password=password)
        except pdfium.PdfiumError as exc:
            raise SourceError(str(path), f"cannot render for OCR: {exc}") from None
    try:
        for index in indexes:
            with PDFIUM_LOCK:  # held per page, not across the yield
                page = document[index]
                try:
                    image = page.render(scale=scale, grayscale=True).to_pil()
                finally:
                    page.close()
            yield index, image, scale
    finally:
        with PDFIUM_LOCK:
            document.close()


def _read_page(image: Any, index: int, scale: float, options: OcrOptions) -> OcrPage:
    """Read the page; when the reading is poor, ask orientation detection whether the page lies sideways or
    upside down, and read it again turned upright. Most scans are upright: they cost one pass, not two.
    Orientation detection sees the page as scanned; recognition sees it with its table rules taken out."""
    text_image = remove_rules(image, options.dpi) if options.remove_rules else image
    lines, confidence = _hocr_lines(text_image, index, scale, options.lang)
    if not options.detect_rotation or confidence >= _CONFIDENT:
        return OcrPage(lines, 0)
    rotated = _orientation(image)
    if not rotated:
        return OcrPage(lines, 0)
    text_image = text_image.rotate(-rotated, expand=True, fillcolor=255)  # PIL turns counter-clockwise
    return OcrPage(_hocr_lines(text_image, index, scale, options.lang)[0], rotated)


def _orientation(image: Any) -> int:
    """Clockwise degrees that make the page upright, from tesseract's orientation detection (0 when unsure).

    OSD needs only the shapes of letters: a half-resolution copy is as reliable and four times cheaper."""
    import pytesseract

    small = image.reduce(2) if min(image.size) > 1600 else image
    try:
        osd = pytesseract.image_to_osd(small, config="--psm 0", output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractError:  # too few characters to decide: leave the page as it is
        return 0
    if float(osd.get("orientation_conf", 0)) < 2.0:
        return 0
    return int(osd.get("rotate", 0)) % 360


def _hocr_lines(image: Any, index: int, scale: float, lang: str) -> tuple[list[Line], float]:
    import pytesseract

    hocr = pytesseract.image_to_pdf_or_hocr(image, lang=lang, extension="hocr", config="--psm 3")
    return hocr_to_lines(hocr, index, scale, image.size[1], image=image)


def hocr_to_lines(
    hocr: bytes, index: int, scale: float, height_px: int, *, image: Any = None
) -> tuple[list[Line], float]:
    """hOCR lines → `Line`s in points with y growing upwards, like a text layer's; with the mean word
    confidence (0-100), weighted by word length (0 when it cannot judge the page or the page lies sideways).

    Tesseract estimates each line's text height on its own; a paragraph's lines get their median, so that
    a title's or a paragraph's lines have one size, as they would in a text layer. On an upright page, a
    line standing on end is margin text (an arXiv stamp) and is left out, as the text layer's is. With the
    page `image`, lines set in bold are marked so (ingest/pdf/ocr_weight.py); a line read with little
    confidence is marked uncertain."""
    root = ET.fromstring(hocr)
    line_spans = [span for span in root.iter(f"{_HOCR_NS}span") if span.get("class") in _LINE_CLASSES]
    weights = bold_lines(image, [_box(span) for span in line_spans]) if image is not None else []
    bold = {id(span): b for span, b in zip(line_spans, weights, strict=False)}
    found: list[tuple[Line, bool]] = []
    weighted = letters = 0.0
    for paragraph in root.iter(f"{_HOCR_NS}p"):
        rows: list[tuple[Line, bool]] = []
        for span in paragraph.iter(f"{_HOCR_NS}span"):
            if span.get("class") not in _LINE_CLASSES:
                continue
            words, spans = [], []
            line_weighted = line_letters = 0.0
            for word in span.iter(f"{_HOCR_NS}span"):
                if word.get("class") != "ocrx_word":
                    continue
                text = "".join("".join(word.itertext()).split())
                if text:
                    fields = dict(_TITLE_FIELD.findall(word.get("title", "")))
                    words.append(text)
                    spans.append(_x_span(fields, scale))
                    line_weighted += len(text) * float(fields.get("x_wconf", "0"))
                    line_letters += len(text)
            if words:
                weighted, letters = weighted + line_weighted, letters + line_letters
                words, spans = rejoin_split_words(words, spans)
                line, upright = _line(" ".join(words), span, index, scale, height_px)
                uncertain = line_weighted < _UNCERTAIN * line_letters
                line = replace(line, words=tuple(spans), bold=bold.get(id(span), False), uncertain=uncertain)
                rows.append((line, upright))
        if rows:
            size = statistics.median(line.size for line, _ in rows)
            lines = [replace(line, size=size) for line, _ in rows]
            if all(up for _, up in rows):
                found += [(line, True) for line in columns_in_order(lines)]
            else:
                found += [(line, up) for line, (_, up) in zip(lines, rows, strict=True)]
    upright = sum(up for _, up in found)
    # Too few letters to judge a page by, or lines standing on end: unread, orientation detection decides.
    if letters < 100 or upright < 0.5 * len(found):
        return [line for line, _ in found], 0.0
    return [line for line, up in found if up], weighted / letters


def _x_span(fields: dict[str, str], scale: float) -> tuple[float, float]:
    """A word's left and right edge in points, from its hOCR bbox."""
    left, _, right, _ = (int(v) for v in (fields.get("bbox", "0 0 0 0").split() + ["0"] * 4)[:4])
    return round(left / scale, 1), round(right / scale, 1)


def _box(span: Any) -> Box:
    """An hOCR element's bbox in pixels: left, top, right, bottom."""
    fields = dict(_TITLE_FIELD.findall(span.get("title", "")))
    left, top, right, bottom = (int(v) for v in (fields.get("bbox", "0 0 0 0").split() + ["0"] * 4)[:4])
    return left, top, right, bottom


def _line(text: str, span: Any, index: int, scale: float, height_px: int) -> tuple[Line, bool]:
    """One hOCR line in points, and whether it is upright (wider than tall)."""
    fields = dict(_TITLE_FIELD.findall(span.get("title", "")))
    left, top, right, bottom = _box(span)
    baseline = fields.get("baseline", "0 0").split()
    descent = -float(baseline[1]) if len(baseline) > 1 else 0.0
    x_size = float(fields.get("x_size", "0") or 0)
    size = round(2 * x_size / scale / _X_SIZE_PER_POINT) / 2
    y = (height_px - bottom + descent) / scale
    line = Line(text, index, size, False, round(y, 1), round(left / scale, 1), ocr=True)
    return line, right - left >= bottom - top
