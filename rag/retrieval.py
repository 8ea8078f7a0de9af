"""Dense (Chroma's HNSW), BM25 and hybrid retrieval with filters applied inside each retriever.

Filters on paper metadata (paper, author, year, category, source) are resolved against the catalogue
to a set of paper ids, which both retrievers apply before ranking (Chroma `where`, a BM25 weight
mask), so a filter never empties a result list that was truncated first.
"""

from __future__ import annotations

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
    rerank: float | None = None  # the cross-encoder's score, when reranked

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
    def pages(self) -> str:
        """'p. 5' or 'pp. 5-6'; empty when the source has no pages."""
        if self.page_start is None:
            return ""
        if self.page_end not in (None, self.page_start):
            return f"pp. {self.page_start}-{self.page_end}"
        return f"p. {self.page_start}"

    @property
    def location(self) -> str:
        """'§3 Method, p. 5' style label."""
        return ", ".join(part for part in (f"§ {self.section}" if self.section else "", self.pages) if part)


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


def convex_fusion(
    dense: dict[str, float], lexical: dict[str, float], dense_weight: float = 0.5
) -> list[tuple[str, float]]:
    """Weighted sum of min-max normalised scores over the union of candidates (every candidate carries
    both scores). Unlike RRF it keeps how far apart the scores are, not only their order."""

    def normalise(scores: dict[str, float]) -> dict[str, float]:
        if not scores:
            return {}
        lo, hi = min(scores.values()), max(scores.values())
        span = hi - lo
        return {c: (v - lo) / span if span > 0 else 1.0 for c, v in scores.items()}

    nd, nl = normalise(dense), normalise(lexical)
    items = set(nd) | set(nl)
    fused = {c: dense_weight * nd.get(c, 0.0) + (1 - dense_weight) * nl.get(c, 0.0) for c in items}
    return sorted(fused.items(), key=lambda kv: -kv[1])


class Retriever:
    """Runs one query in the chosen mode; owns no state beyond handles to the stores.

    Both sides rank chunk ids only (Chroma returns ids and distances, BM25 ids and scores); texts and
    metadata are fetched once, for the k hits that survive fusion. The dense side asks Chroma directly:
    llama-index's retriever would fetch every candidate's document and node JSON, and importing it costs
    1.4-1.9 s of a CLI search's 3 s cold-start budget (llama-index still splits the chunks at ingest).
    """

    def __init__(
        self,
        store,
        lexical: LexicalIndex,
        rrf_k: int = 60,
        *,
        fusion: str = "rrf",
        dense_weight: float = 0.5,
    ) -> None:
        self._store = store
        self._lexical = lexical
        self._rrf_k = rrf_k
        self._fusion = fusion
        self._dense_weight = dense_weight  # share of the dense side in fusion (RRF weight, or convex weight)

    def dense(
        self, query: str, query_vector: np.ndarray, k: int, allowed: set[str] | None, include_refs: bool
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine) of the k nearest chunks the query may see."""
        excluded = excluded_kinds(query, include_refs)
        where = {"paper_id": {"$in": sorted(allowed)}} if allowed is not None else None
        share = self._excluded_share(tuple(excluded)) if excluded and allowed is None else 1.0
        if share < 0.8:
            # A Chroma `where` is a pre-filter that scans every row's metadata (~30x the cost of the HNSW
            # search at 100k chunks, growing linearly): over-fetch unfiltered and drop the excluded kinds
            # here (their kinds are known from the BM25 rows); only when too few survive, pay for the
            # filtered query (bench/query_latency.py).
            fetched = int(k / (1.0 - share) * 1.3) + 10
            ranked = self._store.nearest_chunks(query_vector, fetched)
            kept = [(cid, sim) for cid, sim in ranked if self._kind(cid) not in excluded]
            if len(kept) >= k or len(ranked) < fetched:
                return kept[:k]
        if excluded:
            kinds = {"kind": {"$nin": excluded}}
            where = {"$and": [where, kinds]} if where else kinds
        return self._store.nearest_chunks(query_vector, k, where)

    def _kind(self, chunk_id: str) -> str | None:
        row = self._lexical.row_of.get(chunk_id)
        return None if row is None else self._lexical.kinds[row]

    def _excluded_share(self, excluded: tuple[str, ...]) -> float:
        """Share of chunks of the excluded kinds (from the BM25 rows, which mirror Chroma's), per retriever."""
        cache = self.__dict__.setdefault("_shares", {})
        if excluded not in cache:
            kinds = self._lexical.kinds
            cache[excluded] = float(np.isin(kinds, list(excluded)).mean()) if len(kinds) else 1.0
        return cache[excluded]

    def bm25(
        self, query: str, k: int, allowed: set[str] | None, include_refs: bool, scores: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the k best chunks the query may see (`scores`: the query's, if known)."""
        lex = self._lexical
        excluded = excluded_kinds(query, include_refs)
        mask = self._kinds_mask(tuple(excluded)) if excluded else None
        if allowed is not None:
            papers = np.isin(lex.paper_ids, list(allowed))
            mask = papers if mask is None else mask & papers
        return lex.top(lex.scores(query) if scores is None else scores, k, mask)

    def _kinds_mask(self, excluded: tuple[str, ...]) -> np.ndarray:
        """Rows not of the excluded kinds, per retriever (an isin over 100k object rows costs 4 ms a query)."""
        cache = self.__dict__.setdefault("_masks", {})
        if excluded not in cache:
            cache[excluded] = ~np.isin(self._lexical.kinds, list(excluded))
        return cache[excluded]

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
            ranked = self.bm25(query, k, allowed, include_refs)
            return self._hits(ranked, query, include_refs, bm25=dict(ranked))
        assert query_vector is not None
        if mode == "dense":
            ranked = self.dense(query, query_vector, k, allowed, include_refs)
            return self._hits(ranked, query, include_refs, dense=dict(ranked))
        scores = self._lexical.scores(query)
        lexical = self.bm25(query, max(k, candidates), allowed, include_refs, scores)
        if is_cjk(query) and lexical:  # the English-only embedder ranks Chinese text at random: BM25 decides
            dense: list[tuple[str, float]] = []
        else:
            dense = self.dense(query, query_vector, max(k, candidates), allowed, include_refs)
        # Every candidate carries both scores, so fusion sees both signals for the ids only one side found.
        cosine, bm25 = dict(dense), dict(lexical)
        missing = [c for c in cosine if c not in bm25]
        bm25.update(zip(missing, self._lexical.scores_of(scores, missing), strict=True))
        cosine.update(self._store.cosines([c for c in bm25 if c not in cosine], query_vector))
        return self._hits(self.fuse(dense, lexical, cosine, bm25)[:k], query, include_refs, dense=cosine, bm25=bm25)

    def fuse(
        self,
        dense: list[tuple[str, float]],
        lexical: list[tuple[str, float]],
        cosine: dict[str, float],
        bm25: dict[str, float],
    ) -> list[tuple[str, float]]:
        """One ranking of chunk ids from the two candidate lists (`cosine`/`bm25`: both scores of every
        candidate, for convex fusion; RRF uses the lists' orders)."""
        w = self._dense_weight if dense and lexical else (1.0 if dense else 0.0)
        if self._fusion == "convex":
            return convex_fusion(cosine, bm25, dense_weight=w)
        rankings = [[c for c, _ in dense], [c for c, _ in lexical]]
        return reciprocal_rank_fusion(rankings, k=self._rrf_k, weights=[2 * w, 2 - 2 * w])

    def _hits(
        self,
        ranked: list[tuple[str, float]],
        query: str,
        include_refs: bool,
        *,
        dense: dict[str, float] | None = None,
        bm25: dict[str, float] | None = None,
    ) -> list[Hit]:
        """Texts and provenance for the ranked ids, in one Chroma call."""
        if not ranked:
            return []
        got = self._store.get_chunks([cid for cid, _ in ranked])
        rows = {cid: n for n, cid in enumerate(got["ids"])}
        excluded = excluded_kinds(query, include_refs)
        hits = []
        for cid, score in ranked:
            n = rows.get(cid)
            if n is None:  # deleted since the BM25 snapshot
                continue
            hit = Hit.from_metadata(cid, got["documents"][n], got["metadatas"][n])
            if hit.kind in excluded:  # written after the BM25 snapshot, so not filtered by kind yet
                continue
            hit.score = score
            hit.dense = None if dense is None else dense.get(cid)
            hit.bm25 = None if bm25 is None else bm25.get(cid)
            hits.append(hit)
        return hits
