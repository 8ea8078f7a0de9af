"""Dense (llama-index over Chroma), BM25 and hybrid retrieval with filters applied inside each retriever.

Filters on paper metadata (paper, author, year, category, source) are resolved against the catalogue
to a set of paper ids, which both retrievers apply before ranking (Chroma `where`, a BM25 weight
mask), so a filter never empties a result list that was truncated first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.lexical import LexicalIndex, is_cjk

if TYPE_CHECKING:
    from rag.store import PaperRecord


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

    @property
    def restricts_papers(self) -> bool:
        return bool(
            self.papers
            or self.authors
            or self.categories
            or self.sources
            or self.year_min is not None
            or self.year_max is not None
        )

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
        return not self.sources or paper.source in self.sources


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
        )

    @property
    def location(self) -> str:
        """'§3 Method, p. 5' style label."""
        parts = []
        if self.section:
            parts.append(f"§ {self.section}")
        if self.page_start is not None:
            pages = f"p. {self.page_start}"
            if self.page_end not in (None, self.page_start):
                pages = f"pp. {self.page_start}-{self.page_end}"
            parts.append(pages)
        return ", ".join(parts)


def excluded_kinds(query: str, include_refs: bool) -> list[str]:
    """Chunk kinds a query must not see: References (unless asked for), and the Chinese summaries
    for questions not in Chinese (they only duplicate the English abstract there)."""
    kinds = [] if include_refs else ["references"]
    if not is_cjk(query):
        kinds.append("zh")
    return kinds


def reciprocal_rank_fusion(
    rankings: list[list[str]], k: int = 60, weights: list[float] | None = None
) -> list[tuple[str, float]]:
    """Cormack et al.'s RRF: sum of weight / (k + rank) over the lists an item appears in."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, 1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda kv: -kv[1])


class Retriever:
    """Runs one query in the chosen mode; owns no state beyond handles to the stores."""

    def __init__(self, vector_index, store, lexical: LexicalIndex, rrf_k: int = 60) -> None:
        self._index = vector_index  # llama-index VectorStoreIndex over the Chroma chunk collection
        self._store = store
        self._lexical = lexical
        self._rrf_k = rrf_k

    def dense(
        self, query: str, query_vector: np.ndarray, k: int, allowed: set[str] | None, include_refs: bool
    ) -> list[Hit]:
        from llama_index.core.schema import QueryBundle
        from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

        filters = []
        if allowed is not None:
            filters.append(MetadataFilter(key="paper_id", value=sorted(allowed), operator=FilterOperator.IN))
        excluded = excluded_kinds(query, include_refs)
        if excluded:
            filters.append(MetadataFilter(key="kind", value=excluded, operator=FilterOperator.NIN))
        retriever = self._index.as_retriever(
            similarity_top_k=k, filters=MetadataFilters(filters=filters) if filters else None
        )
        results = retriever.retrieve(QueryBundle(query_str=query, embedding=query_vector.tolist()))
        hits = []
        for result in results:
            node = result.node
            hit = Hit.from_metadata(node.node_id, node.get_content(), node.metadata)
            # ChromaVectorStore reports exp(-cosine distance); turn it back into cosine similarity.
            hit.dense = 1.0 + math.log(max(result.score or 1e-12, 1e-12))
            hit.score = hit.dense
            hits.append(hit)
        return hits

    def bm25(
        self,
        query: str,
        k: int,
        allowed: set[str] | None,
        include_refs: bool,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        mask = None
        lex = self._lexical
        excluded = excluded_kinds(query, include_refs)
        if allowed is not None or excluded:
            mask = np.ones(len(lex.ids), dtype=bool)
            if allowed is not None:
                mask &= np.isin(lex.paper_ids, list(allowed))
            if excluded:
                mask &= ~np.isin(lex.kinds, excluded)
        ranked = lex.search(query, k, mask)
        if not ranked:
            return []
        got = self._store.get_chunks([cid for cid, _ in ranked], embeddings=query_vector is not None)
        rows = {i: n for n, i in enumerate(got["ids"])}
        hits = []
        for cid, score in ranked:
            if cid not in rows:  # a row deleted since the BM25 snapshot is simply skipped
                continue
            n = rows[cid]
            hit = Hit.from_metadata(cid, got["documents"][n], got["metadatas"][n])
            hit.bm25 = hit.score = score
            if query_vector is not None:
                hit.dense = float(np.dot(np.asarray(got["embeddings"][n], dtype=np.float32), query_vector))
            hits.append(hit)
        return hits

    def retrieve(
        self,
        query: str,
        query_vector: np.ndarray | None,
        *,
        mode: str,
        k: int,
        candidates: int,
        allowed: set[str] | None,
        include_refs: bool,
    ) -> list[Hit]:
        if mode == "bm25":
            return self.bm25(query, k, allowed, include_refs)[:k]
        assert query_vector is not None
        if mode == "dense":
            return self.dense(query, query_vector, k, allowed, include_refs)
        dense = self.dense(query, query_vector, max(k, candidates), allowed, include_refs)
        lexical = self.bm25(query, max(k, candidates), allowed, include_refs, query_vector)
        by_id: dict[str, Hit] = {h.chunk_id: h for h in lexical}
        for hit in dense:  # dense hits carry the cosine; keep BM25's score on the same object
            if hit.chunk_id in by_id:
                hit.bm25 = by_id[hit.chunk_id].bm25
            by_id[hit.chunk_id] = hit
        # The packaged embedder is English-only: for Chinese questions, trust the lexical side.
        weights = [0.25, 1.0] if is_cjk(query) else [1.0, 1.0]
        fused = reciprocal_rank_fusion(
            [[h.chunk_id for h in dense], [h.chunk_id for h in lexical]], k=self._rrf_k, weights=weights
        )
        hits = []
        for cid, score in fused[:k]:
            hit = by_id[cid]
            hit.score = score
            hits.append(hit)
        return hits
