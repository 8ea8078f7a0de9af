"""BibTeX files: entries with an `abstract` field become papers (bibtexparser does the parsing). An entry
with a `file` field (a Better BibTeX or Zotero export) is its PDF under the entry's metadata."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ingest.models import Paper, SourceError
from ingest.sources.records import paper_from_record, reference_pdfs

_ESCAPED = re.compile(r"\\([&%#_$])")  # LaTeX's \& \% \# \_ \$ mean the plain character


def _clean(value: str) -> str:
    return _ESCAPED.sub(r"\1", " ".join(value.replace("{", "").replace("}", "").split()))


def _person(name: str) -> str:
    """BibTeX's "Last, First" → "First Last"."""
    last, sep, first = name.partition(",")
    return f"{first.strip()} {last.strip()}" if sep else name.strip()


def load_bibtex(path: Path, **opts: object) -> Iterator[Paper | SourceError]:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    text = path.read_text(encoding="utf-8", errors="replace")
    # LaTeX escapes (Te{\v s}anovi{\'c}, --) as the characters they stand for
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
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
            "tags": [t.strip() for t in fields.get("keywords", "").split(",") if t.strip()],
        }
        pdfs = [p for p in _files(fields.get("file", ""), path.parent) if p.suffix.lower() == ".pdf"]
        if pdfs:
            yield from _entry_pdfs(pdfs, record, origin, **opts)
            continue
        try:
            yield paper_from_record(record, source="bibtex", origin=origin)
        except SourceError as err:
            yield err


def _files(value: str, folder: Path) -> list[Path]:
    """A `file` field's paths: Better BibTeX writes `a.pdf;b.pdf`, Zotero's own export `title:path:mime`;
    relative paths are relative to the .bib file."""
    out = []
    for part in (p.strip() for p in value.split(";") if p.strip()):
        pieces = part.split(":")
        if len(pieces) >= 3 and "/" in pieces[-1] and not Path(part).exists():
            part = ":".join(pieces[1:-1])  # description:path:mime type
        out.append(folder / Path(part).expanduser())
    return out


def _entry_pdfs(pdfs: list[Path], record: dict, origin: str, **opts: object) -> Iterator[Paper | SourceError]:
    """The entry's PDFs (the first under the entry's id, others `id/2`, ...); when none can be read, its
    abstract as usual."""
    loaded = yield from reference_pdfs(
        [(f"file {pdf}", pdf) for pdf in pdfs],
        record,
        source="bibtex",
        origin=origin,
        paper_id=lambda n, _: record["id"] if not n else f"{record['id']}/{n + 1}",
        **opts,
    )
    if not loaded and record.get("abstract"):
        try:
            yield paper_from_record(record, source="bibtex", origin=origin)
        except SourceError as err:
            yield err
