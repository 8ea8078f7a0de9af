"""Abstract records (dicts from JSONL, BibTeX or a digest page) → `Paper`.

One place decides how an abstract-only paper's text is laid out, so every abstract source
chunks, cites and filters the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from ingest.models import Paper, Section, SourceError, sections_key, slug_id, text_hash

# Optional Chinese fields (the digest page carries them); indexed as their own sections so that
# Chinese questions can match them lexically, and shown as extra metadata.
ZH_FIELDS = {"summary_zh": "摘要 Summary (zh)", "takeaways_zh": "关键见解 Key takeaways (zh)"}
_KNOWN = {"id", "title", "abstract", "authors", "year", "url"}


def split_authors(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(a).strip() for a in value if str(a).strip()]
    text = str(value)
    parts = re.split(r"\s+and\s+|;|,(?=\s*\S+\s+\S)", text) if " and " in text or ";" in text else text.split(",")
    return [p.strip() for p in parts if p.strip()]


def parse_year(value: Any) -> int | None:
    if value in (None, ""):
        return None
    match = re.search(r"(19|20)\d\d", str(value))
    return int(match.group(0)) if match else None


def paper_from_record(record: dict[str, Any], *, source: str, origin: str) -> Paper:
    """Build a Paper whose text is title-free abstract (+ Chinese fields); `origin` names the input."""
    title = str(record.get("title") or "").strip()
    abstract = str(record.get("abstract") or "").strip()
    if not title:
        raise SourceError(origin, "record has no title")
    if not abstract:
        raise SourceError(origin, f"record {title[:60]!r} has no abstract")
    title = re.sub(r"\s+", " ", title)
    parts: list[tuple[str, str, str]] = [("Abstract", abstract, "abstract")]
    for key, label in ZH_FIELDS.items():
        value = record.get(key)
        if isinstance(value, list):
            value = "\n".join(f"{i}. {v}" for i, v in enumerate(value, 1))
        if value:
            parts.append((label, str(value).strip(), "zh"))
    text, sections = "", []
    for label, body, kind in parts:
        if text:
            text += "\n\n"
        sections.append(Section(label, len(text), len(text) + len(body), kind))
        text += body
    extra = {k: v for k, v in record.items() if k not in _KNOWN and v not in (None, "", [])}
    paper_id = str(record.get("id") or "").strip() or slug_id(title)
    return Paper(
        id=paper_id,
        title=title,
        text=text,
        authors=split_authors(record.get("authors")),
        year=parse_year(record.get("year")),
        source=source,
        url=str(record.get("url") or ""),
        abstract=abstract,
        sections=sections,
        extra=extra,
    )


def with_reference_metadata(paper: Paper, record: dict[str, Any], *, source: str, paper_id: str) -> Paper:
    """A parsed PDF under the metadata a reference manager keeps for it (title, authors in order, year,
    URL, abstract, tags, ...), which is more trustworthy than what the PDF's first page says. The content
    hash covers that metadata, so editing it in the manager re-indexes the paper."""
    paper.id = paper_id
    paper.title = re.sub(r"\s+", " ", str(record.get("title") or "")).strip() or paper.title
    authors = split_authors(record.get("authors"))
    paper.authors = authors or paper.authors
    paper.year = parse_year(record.get("year")) or paper.year
    paper.url = str(record.get("url") or "") or paper.url
    paper.abstract = str(record.get("abstract") or "").strip() or paper.abstract
    paper.source = source
    paper.extra.update({k: v for k, v in record.items() if k not in _KNOWN and v not in (None, "", [])})
    paper.content_hash = metadata_hash(paper)
    return paper


def metadata_hash(paper: Paper) -> str:
    """The content hash of a paper whose metadata can change without its text (a reference manager's)."""
    meta = json.dumps([paper.authors, paper.year, paper.url, paper.abstract, paper.extra], sort_keys=True, default=str)
    return text_hash(paper.title + "\n" + paper.text + sections_key(paper.sections, paper.text) + "\n" + meta)


def reference_pdfs(
    files: list[tuple[str, Path | None]],
    record: dict[str, Any],
    *,
    source: str,
    origin: str,
    paper_id: Callable[[int, str], str],
    **opts: Any,
) -> Generator[Paper | SourceError, None, int]:
    """The PDFs a reference manager attaches to an entry, each under the entry's metadata; `files` are
    (name for messages, path or None when it cannot be located), `paper_id(n, name)` names the n-th PDF
    read. Each missing or unreadable file is one SourceError. Returns how many were read."""
    from ingest.pdf.document import load_pdf

    loaded = 0
    for name, path in files:
        if path is None or not path.is_file():
            yield SourceError(f"{origin} {name}", f"file not found: {path or name}", paper_id=paper_id(loaded, name))
            continue
        try:
            paper = load_pdf(path, password=opts.get("password"), on_page=opts.get("on_page"))
        except SourceError as err:
            yield SourceError(f"{origin} {name}", err.reason, skipped=err.skipped, paper_id=paper_id(loaded, name))
            continue
        meta = {**record, "file": str(path)}
        yield with_reference_metadata(paper, meta, source=source, paper_id=paper_id(loaded, name))
        loaded += 1
    return loaded
