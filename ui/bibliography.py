"""Cited papers as BibTeX (written by bibtexparser) or CSL-JSON, with arXiv ids, DOIs and URLs where known.

The BibTeX key is the paper's id, and an arXiv paper carries `eprint` + `archivePrefix = {arXiv}`, which
is exactly what the BibTeX source (`ingest.sources.bibtex`) reads back as the id: an exported file
re-ingests as the same papers (same ids, titles, authors, years and abstracts).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rag.index.records import PaperRecord

_KEY_UNSAFE = re.compile(r"[\s,{}()\"'#%=\\~]+")
_LATEX_SPECIAL = re.compile(r"(?<!\\)([&%#_$])")


def arxiv_id(record: PaperRecord) -> str:
    """The paper's arXiv id without version ('' when it is not an arXiv paper)."""
    if record.id.startswith("arxiv:"):
        return record.id[len("arxiv:") :]
    found = str(record.extra.get("arxiv_id") or "")
    return re.sub(r"v\d+$", "", found)


def _url(record: PaperRecord) -> str:
    if record.url.startswith(("http://", "https://")):
        return record.url
    ident = arxiv_id(record)
    return f"https://arxiv.org/abs/{ident}" if ident else ""


def _doi(record: PaperRecord) -> str:
    return str(record.extra.get("doi") or "").strip()


def _venue(record: PaperRecord) -> str:
    return str(record.extra.get("venue") or record.extra.get("journal") or "").strip()


def _text(value: str) -> str:
    """A field value BibTeX (and LaTeX) can take: one line, balanced (no) braces, specials escaped."""
    value = " ".join(str(value).replace("{", "").replace("}", "").split())
    return _LATEX_SPECIAL.sub(r"\\\1", value)


def _last_first(name: str) -> str:
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name


def bibtex_key(record: PaperRecord) -> str:
    return _KEY_UNSAFE.sub("_", record.id).strip("_") or "paper"


def to_bibtex(records: list[PaperRecord]) -> str:
    """One entry per paper: @article when a venue is known, else @misc (preprints, PDFs)."""
    import bibtexparser
    from bibtexparser.model import Entry, Field

    library = bibtexparser.Library()
    for record in records:
        fields: dict[str, str] = {"title": _text(record.title)}
        if record.authors:
            fields["author"] = " and ".join(_text(_last_first(a)) for a in record.authors)
        if record.year:
            fields["year"] = str(record.year)
        venue = _venue(record)
        if venue:
            fields["journal"] = _text(venue)
        ident = arxiv_id(record)
        if ident:
            fields["eprint"] = ident
            fields["archiveprefix"] = "arXiv"
            categories = record.extra.get("categories") or []
            if categories:
                fields["primaryclass"] = str(categories[0])
        if _doi(record):
            fields["doi"] = _doi(record)
        if _url(record):
            fields["url"] = _url(record)
        if record.abstract:
            fields["abstract"] = _text(record.abstract)
        entry_type = "article" if venue else "misc"
        library.add(Entry(entry_type, bibtex_key(record), [Field(k, v) for k, v in fields.items()]))
    return bibtexparser.write_string(library)


def _csl_name(name: str) -> dict[str, str]:
    parts = name.split()
    if len(parts) < 2:
        return {"literal": name}
    return {"family": parts[-1], "given": " ".join(parts[:-1])}


def to_csl_json(records: list[PaperRecord]) -> str:
    """CSL-JSON (what Zotero, pandoc and citeproc read): a list of items."""
    items: list[dict[str, Any]] = []
    for record in records:
        venue = _venue(record)
        item: dict[str, Any] = {
            "id": record.id,
            "type": "article-journal" if venue else "article",
            "title": record.title,
        }
        if record.authors:
            item["author"] = [_csl_name(a) for a in record.authors]
        if record.year:
            item["issued"] = {"date-parts": [[record.year]]}
        if venue:
            item["container-title"] = venue
        ident = arxiv_id(record)
        if ident:
            item["publisher"] = "arXiv"
            item["number"] = f"arXiv:{ident}"
        if _doi(record):
            item["DOI"] = _doi(record)
        if _url(record):
            item["URL"] = _url(record)
        if record.abstract:
            item["abstract"] = record.abstract
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


FORMATS = {"bibtex": to_bibtex, "csl-json": to_csl_json}
