"""What the index holds, as the rest of the engine sees it: a paper's catalogue record, a passage (`Hit`),
and the metadata a chunk row carries in Chroma. Plain data; only `Store` turns them into Chroma calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rag.text import page_label

if TYPE_CHECKING:
    from ingest.models import Chunk, Paper


@dataclass
class PaperRecord:
    """A catalogue entry: everything `papers list/show` prints and filters resolve against."""

    id: str
    title: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    source: str = ""
    url: str = ""
    state: str = "ready"
    chunks: int = 0
    pages: int = 0
    content_hash: str = ""
    abstract: str = ""
    sections: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "title": self.title,
            "authors_text": "; ".join(self.authors),
            "source": self.source,
            "url": self.url,
            "state": self.state,
            "chunks": self.chunks,
            "pages": self.pages,
            "content_hash": self.content_hash,
            "sections_json": json.dumps(self.sections, ensure_ascii=False),
            "extra_json": json.dumps(self.extra, ensure_ascii=False, default=str),
        }
        if self.year is not None:
            meta["year"] = self.year
        categories = self.extra.get("categories")
        if isinstance(categories, list) and categories:
            meta["categories"] = [str(c) for c in categories]
        return meta

    @property
    def document(self) -> str:
        """The catalogue row's document: title, blank line, abstract (what `from_metadata` reads back)."""
        return f"{self.title}\n\n{self.abstract}"

    @classmethod
    def from_paper(cls, paper: Paper, n_chunks: int, state: str) -> PaperRecord:
        """The catalogue entry of a parsed paper, with each section's page range."""
        sections = [
            {
                "title": s.title,
                "start": s.start,
                "end": s.end,
                "kind": s.kind,
                "page_start": paper.page_at(s.start),
                "page_end": paper.page_at(max(s.start, s.end - 1)),
            }
            for s in paper.sections
        ]
        return cls(
            id=paper.id,
            title=paper.title,
            authors=paper.authors,
            year=paper.year,
            source=paper.source,
            url=paper.url,
            state=state,
            chunks=n_chunks,
            pages=paper.pages,
            content_hash=paper.content_hash,
            abstract=paper.abstract,
            sections=sections,
            extra=paper.extra,
        )

    @classmethod
    def from_metadata(cls, pid: str, meta: dict[str, Any], document: str | None) -> PaperRecord:
        return cls(
            id=pid,
            title=meta.get("title", ""),
            authors=[a for a in meta.get("authors_text", "").split("; ") if a],
            year=meta.get("year"),
            source=meta.get("source", ""),
            url=meta.get("url", ""),
            state=meta.get("state", ""),
            chunks=int(meta.get("chunks", 0)),
            pages=int(meta.get("pages", 0)),
            content_hash=meta.get("content_hash", ""),
            abstract=(document or "").partition("\n\n")[2],
            sections=json.loads(meta.get("sections_json") or "[]"),
            extra=json.loads(meta.get("extra_json") or "{}"),
        )


@dataclass
class Hit:
    """A retrieved passage with its provenance and the scores that ranked it."""

    chunk_id: str
    text: str
    paper_id: str
    title: str
    authors: str = ""
    year: int | None = None
    section: str = ""
    kind: str = "body"
    page_start: int | None = None
    page_end: int | None = None
    start: int = 0
    end: int = 0
    url: str = ""
    score: float = 0.0  # the score that ranked it (fused for hybrid)
    dense: float | None = None  # cosine similarity to the query, when known
    bm25: float | None = None
    rerank: float | None = None  # the cross-encoder's score, when reranked
    ocr: bool = False  # the passage's text was read from a page image by OCR, not from a text layer

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Hit:
        return cls(
            chunk_id=chunk_id,
            text=text,
            paper_id=meta.get("paper_id", ""),
            title=meta.get("title", ""),
            authors=meta.get("authors", ""),
            year=meta.get("year"),
            section=meta.get("section", ""),
            kind=meta.get("kind", "body"),
            page_start=meta.get("page_start"),
            page_end=meta.get("page_end"),
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            url=meta.get("url", ""),
            ocr=bool(meta.get("ocr", False)),
        )

    @property
    def pages(self) -> str:
        """'p. 5' or 'pp. 5-6'; empty when the source has no pages."""
        return page_label(self.page_start, self.page_end)

    @property
    def location(self) -> str:
        """'§3 Method, p. 5' style label ('..., OCR text' when the passage was read by OCR)."""
        parts = (f"§ {self.section}" if self.section else "", self.pages, "OCR text" if self.ocr else "")
        return ", ".join(part for part in parts if part)


def chunk_metadata(paper: Paper, chunk: Chunk) -> dict[str, Any]:
    """The metadata a chunk row carries in Chroma: its provenance and what filters need."""
    meta: dict[str, Any] = {
        "paper_id": paper.id,
        "title": paper.title,
        "authors": ", ".join(paper.authors),
        "source": paper.source,
        "url": paper.url,
        "section": chunk.section,
        "kind": chunk.kind,
        "start": chunk.start,
        "end": chunk.end,
    }
    if paper.year is not None:
        meta["year"] = paper.year
    if chunk.page_start is not None:
        meta["page_start"] = chunk.page_start
        meta["page_end"] = chunk.page_end
        ocr_pages = paper.extra.get("ocr_pages") or ()
        if any(page in ocr_pages for page in range(chunk.page_start, (chunk.page_end or chunk.page_start) + 1)):
            meta["ocr"] = True
    return meta
