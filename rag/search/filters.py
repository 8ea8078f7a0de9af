"""What part of the corpus a query may see: paper metadata constraints, resolved to a set of paper ids
that both retrievers apply before ranking (a Chroma `where`, a BM25 row mask), so a filter never empties
a result list that was truncated first.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rag.text import is_cjk

if TYPE_CHECKING:
    from rag.index.records import PaperRecord


@dataclass
class Filters:
    """What part of the corpus to search. Empty fields mean no constraint."""

    papers: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    categories: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    include_references: bool = False
    collections: list[str] = field(default_factory=list)  # Zotero collections (sub-collections included)
    tags: list[str] = field(default_factory=list)  # Zotero tags, BibTeX keywords

    @property
    def restricts_papers(self) -> bool:
        return bool(
            self.papers
            or self.authors
            or self.categories
            or self.sources
            or self.collections
            or self.tags
            or self.year_min is not None
            or self.year_max is not None
        )

    def only(self, papers: list[str]) -> Filters | None:
        """These constraints, narrowed to `papers` (None when the constraints leave none of them): how a
        follow-up pins the papers a conversation is about without leaving the scope the user chose."""
        allowed = [p for p in papers if not self.papers or p in self.papers]
        return replace(self, papers=allowed) if allowed else None

    def matches(self, paper: PaperRecord) -> bool:
        if self.papers and paper.id not in self.papers:
            return False
        if self.authors:
            names = " | ".join(paper.authors).lower()
            if not any(a.lower() in names for a in self.authors):
                return False
        if self.year_min is not None and (paper.year is None or paper.year < self.year_min):
            return False
        if self.year_max is not None and (paper.year is None or paper.year > self.year_max):
            return False
        if self.categories:
            cats = {str(c).lower() for c in paper.extra.get("categories", [])}
            if not any(c.lower() in cats for c in self.categories):
                return False
        if self.collections and not _any_named(self.collections, paper.extra.get("collections", [])):
            return False
        if self.tags and not _any_named(self.tags, paper.extra.get("tags", [])):
            return False
        return not self.sources or paper.source in self.sources


def _any_named(wanted: list[str], names: object) -> bool:
    """Whether any wanted name is one of `names` (case-insensitive); a paper's collections list every
    collection it is in and their parents, so a collection matches its sub-collections' papers too."""
    have = {str(n).strip().lower() for n in names} if isinstance(names, list) else set()
    return any(w.strip().lower() in have for w in wanted)


def excluded_kinds(query: str, include_refs: bool) -> list[str]:
    """Chunk kinds a query must not see: References (unless asked for), and the Chinese summaries
    for questions not in Chinese (they only duplicate the English abstract there)."""
    kinds = [] if include_refs else ["references"]
    if not is_cjk(query):
        kinds.append("zh")
    return kinds
