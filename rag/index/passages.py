"""What each index sees of a passage, and how a paper's vector comes from its passages' vectors.

These rules are shared by ingest, reindex, related work and reranking; each lives here once, so a
vector written at ingest and one computed for a paper that is not indexed always agree.
"""

from __future__ import annotations

import numpy as np

# Chunk kinds that say what a paper is about (References and Chinese summaries do not).
TOPICAL_KINDS = ("body", "abstract", "table", "figure")  # tables and figure captions: ingest.pdf.floats


def embed_text(title: str, text: str) -> str:
    """What the dense encoder (and a cross-encoder) sees of a passage: the paper's title, then its text."""
    return f"{title}\n{text}"


def lexical_text(title: str, section: str, text: str) -> str:
    """What BM25 sees of a passage: the title and section name count as words of the passage."""
    return f"{title}\n{section}\n{text}"


class PaperVectors:
    """Paper vectors from chunk vectors: the normalised mean of a paper's topical chunks (all of its
    chunks when it has none), accumulated chunk by chunk so 1M rows never sit in memory at once."""

    def __init__(self) -> None:
        self._sums: dict[str, tuple[np.ndarray, int, bool]] = {}  # paper → (sum, n, topical only)

    def add(self, paper_id: str, kind: str, vector: np.ndarray) -> None:
        topical = kind in TOPICAL_KINDS
        acc, n, only_topical = self._sums.get(paper_id, (np.zeros_like(vector), 0, False))
        if topical and not only_topical:  # the first topical chunk replaces any other sum
            acc, n, only_topical = np.zeros_like(vector), 0, True
        if topical or not only_topical:
            self._sums[paper_id] = (acc + vector, n + 1, only_topical)

    def __contains__(self, paper_id: str) -> bool:
        return paper_id in self._sums

    def vector(self, paper_id: str) -> np.ndarray:
        total = self._sums[paper_id][0]
        return total / (np.linalg.norm(total) or 1.0)


def paper_vector(kinds: list[str], vectors: np.ndarray | list[np.ndarray]) -> np.ndarray:
    """One paper's vector from its chunks' kinds and vectors (see `PaperVectors`)."""
    acc = PaperVectors()
    for kind, vector in zip(kinds, vectors, strict=True):
        acc.add("", kind, np.asarray(vector, dtype=np.float32))
    return acc.vector("")
