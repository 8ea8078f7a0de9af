"""The records every source produces and every later stage consumes."""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any


class SourceError(Exception):
    """An input that cannot be read; the message names the input and says why, in one line."""

    def __init__(self, source: str, reason: str, *, skipped: bool = False, paper_id: str | None = None) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        # skipped = nothing is wrong with the tool, the input simply has nothing to index (e.g. scanned).
        self.skipped = skipped
        # the paper this input would have given (a reference manager's missing PDF): a sync keeps what is
        # indexed under that id rather than replace it with less (the entry's abstract)
        self.paper_id = paper_id


@dataclass(frozen=True)
class Section:
    """A titled span of `Paper.text`; chunks never cross one."""

    title: str
    start: int
    end: int
    kind: str = "body"  # "body", "abstract" or "references" (kept out of answers by default)


@dataclass
class Paper:
    """One paper: metadata plus its whole text, with page and section boundaries as char offsets.

    Keeping a single text with offsets (instead of per-page strings) lets every chunk carry an exact
    character span, and any character's page be found by bisection.
    """

    id: str
    title: str
    text: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    source: str = ""  # "jsonl", "bibtex", "digest", "pdf", "arxiv"
    url: str = ""
    abstract: str = ""
    # page_starts[i] is the offset in `text` where page i+1 begins; empty when pages are unknown.
    page_starts: list[int] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    # Source-specific fields (categories, doi, Chinese summary, ...), kept for display and filters.
    extra: dict[str, Any] = field(default_factory=dict)
    content_hash: str = ""

    def __post_init__(self) -> None:
        if not self.content_hash:
            self.content_hash = text_hash(self.title + "\n" + self.text + sections_key(self.sections, self.text))
        if not self.sections:
            self.sections = [Section("", 0, len(self.text))]

    @property
    def pages(self) -> int:
        return len(self.page_starts)

    def page_at(self, offset: int) -> int | None:
        """1-based page holding character `offset`, or None when the source has no pages."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))


@dataclass
class Chunk:
    """A passage of a paper with exact provenance: `text == paper.text[start:end]`."""

    id: str
    paper_id: str
    text: str
    start: int
    end: int
    section: str = ""
    page_start: int | None = None
    page_end: int | None = None
    kind: str = "body"


def sections_key(sections: list[Section], text: str) -> str:
    """The parse beyond the text, for the content hash: each section's title, span and kind. A better parse of
    the same PDF often moves only a heading ("models" → "Simulation of transitions in multistate models"), and
    chunks are cut at sections, so such a paper must count as changed and be indexed again. Empty for a text
    read without sections (one untitled section), whose hash is then its text's alone."""
    if not sections or sections == [Section("", 0, len(text))]:
        return ""
    return "".join(f"\n{s.title}\t{s.start}\t{s.end}\t{s.kind}" for s in sections)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def chunk_id(paper_id: str, start: int, end: int) -> str:
    """Stable id from paper id + span, so re-ingesting the same input upserts the same rows."""
    return hashlib.sha1(f"{paper_id}:{start}:{end}".encode()).hexdigest()[:20]


_SLUG = re.compile(r"[^a-z0-9]+")


def slug_id(title: str) -> str:
    """A readable id for a paper that has none: slug of the title plus a short hash."""
    slug = _SLUG.sub("-", title.lower()).strip("-")[:48].rstrip("-")
    return f"{slug}-{text_hash(title.strip().lower())[:6]}"


@dataclass
class SyncEntry:
    """One thing a synced place holds (a file, a Zotero item), as `papers sync` compares it across runs.

    `stamp` is cheap (size and mtime, or the item's metadata and its files' stats): when it has not moved,
    nothing is read. When it has, `fingerprint()` (the content's hash) tells a touched file from a changed
    one, and `load()` parses it. `restamp()` is the stamp now (None once gone): a stamp that moved while
    the entry was read means it was still being written.
    """

    key: str
    stamp: str
    fingerprint: Any  # Callable[[], str]
    load: Any  # Callable[..., Iterator[Paper | SourceError]]
    restamp: Any  # Callable[[], str | None]
    label: str = ""  # how messages name it (a path, or a Zotero item's title)
    modified: float = 0.0  # seconds since the epoch of its last change (watch waits for quiet files)
