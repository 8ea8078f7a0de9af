"""BibTeX files: entries with an `abstract` field become papers (bibtexparser does the parsing)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ingest.models import Paper, SourceError
from ingest.sources.records import paper_from_record

_ESCAPED = re.compile(r"\\([&%#_$])")  # LaTeX's \& \% \# \_ \$ mean the plain character


def _clean(value: str) -> str:
    return _ESCAPED.sub(r"\1", " ".join(value.replace("{", "").replace("}", "").split()))


def _person(name: str) -> str:
    """BibTeX's "Last, First" → "First Last"."""
    last, sep, first = name.partition(",")
    return f"{first.strip()} {last.strip()}" if sep else name.strip()


def load_bibtex(path: Path) -> Iterator[Paper | SourceError]:
    import bibtexparser

    library = bibtexparser.parse_string(path.read_text(encoding="utf-8", errors="replace"))
    for block in library.failed_blocks:
        line = getattr(block, "start_line", None)
        where = f"{path}:{line + 1}" if isinstance(line, int) else str(path)
        yield SourceError(where, f"malformed BibTeX entry ({type(block).__name__})")
    for entry in library.entries:
        fields = {f.key.lower(): _clean(str(f.value)) for f in entry.fields}
        origin = f"{path}:{entry.start_line + 1} @{entry.key}"
        url = fields.get("url") or (f"https://doi.org/{fields['doi']}" if fields.get("doi") else "")
        eprint = fields.get("eprint", "")
        record = {
            "id": f"arxiv:{eprint}" if eprint and fields.get("archiveprefix", "").lower() == "arxiv" else entry.key,
            "title": fields.get("title", ""),
            "abstract": fields.get("abstract", ""),
            "authors": [_person(a) for a in fields.get("author", "").split(" and ") if a.strip()],
            "year": fields.get("year"),
            "url": url,
            "venue": fields.get("journal") or fields.get("booktitle") or "",
            "doi": fields.get("doi", ""),
            "bibtex_key": entry.key,
        }
        try:
            yield paper_from_record(record, source="bibtex", origin=origin)
        except SourceError as err:
            yield err
