"""One PDF file → one `Paper` with page offsets, sections, title, authors and printed identifiers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.models import Paper, Section, SourceError
from ingest.pdf.clean import ARXIV_STAMP, drop_line_numbers, drop_running_lines, normalise_lines, normalise_text
from ingest.pdf.contents import drop_contents
from ingest.pdf.extract import Line, iter_page_lines, open_reader, quiet_pypdf
from ingest.pdf.floats import caption_label, mark_floats
from ingest.pdf.layout import assemble
from ingest.pdf.ocr import OcrOptions, check_tesseract, ocr_pages
from ingest.pdf.ocr_lexicon import correct_ocr_words
from ingest.pdf.scanned import letters, pages_to_ocr
from ingest.pdf.structure import (
    ARXIV_ID,
    DOI,
    HeadingDetector,
    body_size,
    find_authors,
    find_title,
    without_marker_glyphs,
)
from ingest.pdf.word_boxes import with_word_spans

_NO_TEXT = "no extractable text and no scanned image to OCR"
_NO_TEXT_OCR_OFF = "no extractable text (scanned?); OCR is off (--ocr never)"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_pdf(
    path: Path,
    *,
    password: str | None = None,
    on_page: Callable[[int, int], None] | None = None,
    ocr: OcrOptions | None = None,
    on_ocr_page: Callable[[int, int], None] | None = None,
) -> Paper:
    """Read `path` into a Paper; raises SourceError with a one-line reason for unusable files.

    Pages without a usable text layer are read by OCR (`ocr`, default: automatically when needed)."""
    path = Path(path)
    source = str(path)
    options = ocr or OcrOptions()
    with quiet_pypdf():
        reader = open_reader(path, password)
        metadata = _metadata(reader)
        raw_pages = list(iter_page_lines(reader, source, on_page))
        scanned = pages_to_ocr(reader, raw_pages, options.mode)
        del reader
    extra = _read_scanned(path, raw_pages, scanned, options, password, on_ocr_page) if scanned else {}
    # Table pages of the text layer get their words' positions, so that rows split into cells (OCR's have them).
    tables = [i for i, lines in enumerate(raw_pages) if i not in scanned and _has_table_caption(lines)]
    with_word_spans(path, raw_pages, tables, password)
    no_text = _NO_TEXT_OCR_OFF if options.mode == "never" else _NO_TEXT
    return paper_from_lines(raw_pages, path, metadata, extra=extra, no_text=no_text)


def _read_scanned(
    path: Path,
    raw_pages: list[list[Line]],
    scanned: list[int],
    options: OcrOptions,
    password: str | None,
    on_page: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    """Replace the `scanned` pages' lines by OCR's, in place; returns the provenance to keep in `extra`."""
    try:
        check_tesseract(str(path), options.lang)
    except SourceError:
        skipped = set(scanned)
        kept = [lines for i, lines in enumerate(raw_pages) if i not in skipped]
        if options.mode == "always" or letters(kept) < 200:
            raise  # nothing worth indexing without OCR: say how to get it
        return {"pages_not_read": [i + 1 for i in scanned]}  # a few image pages in a text paper
    read = ocr_pages(path, scanned, options, password=password, on_page=on_page)
    for index, page in read.items():
        raw_pages[index] = page.lines
    raw_pages[:] = correct_ocr_words(raw_pages)
    extra: dict[str, Any] = {"ocr_pages": [i + 1 for i in scanned], "ocr_lang": options.lang}
    turned = [[i + 1, read[i].rotated] for i in scanned if read[i].rotated]
    if turned:
        extra["ocr_turned_pages"] = turned  # [page, clockwise degrees] of pages fed sideways/upside down
    return extra


def _has_table_caption(lines: list[Line]) -> bool:
    return any(caption_label(ln.text).startswith("Table") for ln in lines)


def _metadata(reader: Any) -> dict[str, str]:
    try:
        meta = reader.metadata or {}
        fields = {k: str(meta.get(f"/{k}") or "").strip() for k in ("Title", "Author", "CreationDate", "Subject")}
        fields["doi"] = str(meta.get("/doi") or meta.get("/DOI") or "").strip()  # set by some publishers
        return fields
    except Exception:  # damaged /Info dictionaries are common and never fatal
        return {}


def paper_from_lines(
    raw_pages: list[list[Line]],
    path: Path,
    metadata: dict[str, str],
    *,
    extra: dict[str, Any] | None = None,
    no_text: str = _NO_TEXT,
) -> Paper:
    source = str(path)
    n_pages = len(raw_pages)
    stamp_ids = [m for lines in raw_pages[:1] for ln in lines if (m := ARXIV_STAMP.match(ln.text))]
    pages = drop_contents(drop_running_lines(drop_line_numbers(normalise_lines(raw_pages))))
    if sum(len(ln.text) for lines in pages for ln in lines) < 20 or not any(
        re.search(r"[^\W\d_]{2,}", ln.text) for lines in pages for ln in lines
    ):
        raise SourceError(source, no_text, skipped=True)

    body = body_size(pages)
    pages = mark_floats(pages, body)
    has_typography = len({(round(ln.size), ln.bold) for lines in pages for ln in lines}) > 1
    first_page = pages[0] if pages[0] else next(p for p in pages if p)
    title, title_lines = find_title(first_page, body)
    meta_title = _sane_meta_title(metadata.get("Title", ""))
    if meta_title:
        title = meta_title

    detector = HeadingDetector(body, has_typography)
    assembled = assemble(pages, detector, skip=title_lines if first_page is pages[0] else 0)
    text = assembled.text
    sections = _sections(assembled.sections, len(text))

    extra = {"pages": n_pages, **(extra or {})}
    page1_text = " ".join(ln.text for ln in raw_pages[0]) if raw_pages else ""
    arxiv = stamp_ids[0] if stamp_ids else ARXIV_ID.search(page1_text)
    if arxiv:
        extra["arxiv_id"] = arxiv.group(1) + (arxiv.group(2) or "")
        if arxiv.group(2):
            extra["arxiv_version"] = arxiv.group(2)
    doi = find_doi(page1_text, metadata, extra.get("arxiv_id", ""))
    if doi:
        extra["doi"] = doi
    extra["references_count"] = assembled.references_count
    extra["file_name"] = path.name
    extra["pdf_path"] = str(path.resolve())  # where citations open the page (rag.answers.highlights)

    abstract = ""
    for section in sections:
        if section.kind == "abstract":
            abstract = text[section.start : section.end].split("\n\n", 1)[-1].strip()
            break
    if not abstract and assembled.sections:  # no "Abstract" heading: the first long front-matter paragraph
        long = [p for p in assembled.front_paragraphs if len(p) > 300]
        abstract = long[0] if long else ""

    authors = _split_meta_authors(metadata.get("Author", ""))
    if not authors and first_page is pages[0]:
        authors = find_authors(pages[0][title_lines : title_lines + 6])
    year = _year(extra.get("arxiv_id", ""), metadata.get("CreationDate", ""))

    # Same content, same id, whatever the file is called: the arXiv id when printed, else the bytes' hash.
    paper_id = f"arxiv:{arxiv.group(1)}" if arxiv else "pdf:" + file_sha256(path)[:16]
    if not title:
        extra["title_unknown"] = True  # shown by its file name; no heading or line reads as a title
    return Paper(
        id=paper_id,
        title=title or path.stem,
        text=text,
        authors=authors,
        year=year,
        source="pdf",
        abstract=abstract,
        page_starts=assembled.page_starts,
        sections=sections,
        extra=extra,
    )


def find_doi(page1_text: str, metadata: dict[str, str], arxiv_id: str) -> str:
    """The paper's own DOI: from its metadata or its first page only (later pages cite other papers'). An
    arXiv DOI (10.48550/arXiv.<id>) must name the paper's own arXiv id."""
    for text in (metadata.get("doi", ""), metadata.get("Subject", ""), page1_text):
        match = DOI.search(text)
        if not match:
            continue
        doi = match.group(1)
        own = re.match(r"10\.48550/arxiv\.(.+)$", doi, re.IGNORECASE)
        if own and arxiv_id and re.sub(r"v\d+$", "", own.group(1)) != re.sub(r"v\d+$", "", arxiv_id):
            continue
        return doi
    return ""


def _sections(found: list[tuple[str, int, str]], length: int) -> list[Section]:
    """Sections that tile the text: a front-matter section before the first heading, then one per heading."""
    starts = [(title, start, kind) for title, start, kind in found if start < length]
    out: list[Section] = []
    if not starts or starts[0][1] > 0:
        first_end = starts[0][1] if starts else length
        out.append(Section("", 0, first_end, "body"))
    for k, (title, start, kind) in enumerate(starts):
        end = starts[k + 1][1] if k + 1 < len(starts) else length
        out.append(Section(title, start, end, kind))
    return [s for s in out if s.end > s.start] or [Section("", 0, length)]


def _sane_meta_title(title: str) -> str:
    """PDF /Title is often empty, a file name or the producing tool: use it only when it reads like a title."""
    title = normalise_text(title)
    if len(title) < 6 or len(title.split()) < 2:
        return ""
    if re.search(r"\.(pdf|docx?|tex|dvi|ps)$|^microsoft|^untitled|^template|^slide", title, re.IGNORECASE):
        return ""
    return title


def _split_meta_authors(value: str) -> list[str]:
    value = without_marker_glyphs(normalise_text(value))
    if not value or len(value) > 400:
        return []
    names = (" ".join(a.split()) for a in re.split(r";|,|\band\b", value))
    return [a for a in names if len(a.split()) >= 2]


def _year(arxiv_id: str, created: str) -> int | None:
    match = re.match(r"(\d{2})(\d{2})\.", arxiv_id)
    if match:
        return 2000 + int(match.group(1))
    match = re.match(r"[a-z-]+(?:\.[A-Z]{2})?/(\d{2})", arxiv_id)
    if match:
        yy = int(match.group(1))
        return 1900 + yy if yy > 90 else 2000 + yy
    match = re.match(r"D:(\d{4})", created)
    return int(match.group(1)) if match and 1990 <= int(match.group(1)) <= 2100 else None
