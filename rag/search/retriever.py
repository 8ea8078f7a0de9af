"""Dense (Chroma's HNSW), BM25 and hybrid retrieval with filters applied inside each retriever."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rag.index.records import Hit
from rag.search.filters import excluded_kinds
from rag.search.fusion import convex_fusion, reciprocal_rank_fusion
from rag.text import is_cjk

if TYPE_CHECKING:
    from rag.index.lexical import LexicalIndex
    from rag.index.store import Store


class Retriever:
    """Runs one query in the chosen mode; owns no state beyond handles to the stores.

    Both sides rank chunk ids only (Chroma returns ids and distances, BM25 ids and scores); texts and
    metadata are fetched once, for the k hits that survive fusion. The dense side asks Chroma directly:
    llama-index's retriever would fetch every candidate's document and node JSON, and importing it costs
    1.4-1.9 s of a CLI search's 3 s cold-start budget (llama-index still splits the chunks at ingest).
    """

    def __init__(
        self,
        store: Store,
        lexical: LexicalIndex,
        rrf_k: int = 60,
        *,
        fusion: str = "rrf",
        dense_weight: float = 0.5,
        exact_rows: int = 0,
    ) -> None:
        self._store = store
        self._exact_rows = exact_rows  # an index this small is searched exhaustively (`_fetch`)
        self.lexical = lexical  # the BM25 snapshot this retriever ranks with (its revision says how fresh)
        self._rrf_k = rrf_k
        self._fusion = fusion
        self._dense_weight = dense_weight  # share of the dense side in fusion (RRF weight, or convex weight)
        self._shares: dict[tuple[str, ...], float] = {}  # excluded kinds → their share of the rows
        self._masks: dict[tuple[str, ...], np.ndarray] = {}  # excluded kinds → rows not of those kinds

    def dense(
        self, query: str, query_vector: np.ndarray, k: int, allowed: set[str] | None, include_refs: bool
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine) of the k nearest chunks the query may see."""
        excluded = excluded_kinds(query, include_refs)
        share = self._excluded_share(tuple(excluded)) if excluded and allowed is None else 1.0
        if share < 0.8:
            # A Chroma `where` is a pre-filter that scans every row's metadata (~30x the cost of the HNSW
            # search at 100k chunks, growing linearly): over-fetch unfiltered and drop the excluded kinds
            # here (their kinds are known from the BM25 rows); only when too few survive, pay for the
            # filtered query (bench/query_latency.py).
            fetched = self._fetch(int(k / (1.0 - share) * 1.3) + 10)
            ranked = self._store.nearest_chunks(query_vector, fetched)
            kept = [(cid, sim) for cid, sim in ranked if self._kind(cid) not in excluded]
            if len(kept) >= k or len(ranked) < fetched:
                return kept[:k]
        return self._store.nearest_chunks(query_vector, self._fetch(k), papers=allowed, exclude_kinds=excluded)[:k]

    def _fetch(self, n: int) -> int:
        """How many nearest chunks to ask Chroma for, to keep the best n: every row of an index of at most
        `exact_rows`. Chroma rebuilds a small index's HNSW graph at each open, with several threads, so
        the graph (and which near passages a search missed) differed from process to process; asked for
        every row, the search visits the whole graph and the best n are the exact ones."""
        size = self.lexical.size
        return max(n, size) if size <= self._exact_rows else n

    def _kind(self, chunk_id: str) -> str | None:
        return self.lexical.kind_of(chunk_id)

    def _excluded_share(self, excluded: tuple[str, ...]) -> float:
        """Share of chunks of the excluded kinds (from the BM25 rows, which mirror Chroma's), per retriever."""
        if excluded not in self._shares:
            rows = self.lexical.of_kinds(excluded)
            self._shares[excluded] = float(rows.mean()) if len(rows) else 1.0
        return self._shares[excluded]

    def bm25(
        self, query: str, k: int, allowed: set[str] | None, include_refs: bool, scores: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the k best chunks the query may see (`scores`: the query's, if known)."""
        lex = self.lexical
        excluded = excluded_kinds(query, include_refs)
        mask = self._kinds_mask(tuple(excluded)) if excluded else None
        if allowed is not None:
            papers = np.isin(lex.paper_ids, list(allowed))
            mask = papers if mask is None else mask & papers
        return lex.top(lex.scores(query) if scores is None else scores, k, mask)

    def _kinds_mask(self, excluded: tuple[str, ...]) -> np.ndarray:
        """Rows not of the excluded kinds, per retriever (an isin over 100k object rows costs 4 ms a query)."""
        if excluded not in self._masks:
            self._masks[excluded] = ~self.lexical.of_kinds(excluded)
        return self._masks[excluded]

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
        scores = self.lexical.scores(query)
        lexical = self.bm25(query, max(k, candidates), allowed, include_refs, scores)
        if is_cjk(query) and lexical:  # the English-only embedder ranks Chinese text at random: BM25 decides
            dense: list[tuple[str, float]] = []
        else:
            dense = self.dense(query, query_vector, max(k, candidates), allowed, include_refs)
        # Every candidate carries both scores, so fusion sees both signals for the ids only one side found.
        cosine, bm25 = dict(dense), dict(lexical)
        missing = [c for c in cosine if c not in bm25]
        bm25.update(zip(missing, self.lexical.scores_of(scores, missing), strict=True))
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
        found = self._store.passages([cid for cid, _ in ranked])
        excluded = excluded_kinds(query, include_refs)
        hits = []
        for cid, score in ranked:
            hit = found.get(cid)
            if hit is None:  # deleted since the BM25 snapshot
                continue
            if hit.kind in excluded:  # written after the BM25 snapshot, so not filtered by kind yet
                continue
            hit.score = score
            hit.dense = None if dense is None else dense.get(cid)
            hit.bm25 = None if bm25 is None else bm25.get(cid)
            hits.append(hit)
        return hits
