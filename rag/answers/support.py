"""How likely a sentence supports (answers, or states) a question, learned from labelled pairs: a small
head over the frozen embedder's vectors of the two, [q·s elementwise, |q − s|, cos] → one hidden layer → a
logit. Cosine alone says a sentence is about the question; the head is fitted on what separates the
sentence that answers from its neighbours and from near-miss papers (bench/train_support.py).

The sentence vectors are already cached per passage (`SentenceBank`), so the score is two small matrix
products per question, in numpy. The head belongs to the embedder it was fitted on: with another
embedder of another vector size the score is 0 for every sentence (`model` names the one it was fitted on).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).resolve().parent / "support_head.npz"


@dataclass(frozen=True)
class SupportHead:
    hidden_w: np.ndarray  # (2 · dim + 1, hidden)
    hidden_b: np.ndarray  # (hidden,)
    out_w: np.ndarray  # (hidden,)
    out_b: float
    model: str  # the embedder whose vectors it was fitted on

    @property
    def dim(self) -> int:
        return (self.hidden_w.shape[0] - 1) // 2

    def logits(self, query: np.ndarray, sentences: np.ndarray) -> np.ndarray:
        """(n,) support logits of the rows of `sentences` (unit vectors) for the unit vector `query`."""
        h = pair_features(query, sentences) @ self.hidden_w + self.hidden_b
        return np.maximum(h, 0.0) @ self.out_w + self.out_b


def pair_features(query: np.ndarray, sentences: np.ndarray) -> np.ndarray:
    """(n, 2 · dim + 1): what the head reads of each (question, sentence) pair (the trainer uses it too)."""
    sentences = np.atleast_2d(sentences).astype(np.float32, copy=False)
    query = query.astype(np.float32, copy=False)
    cos = sentences @ query
    return np.hstack([sentences * query, np.abs(sentences - query), cos[:, None]])


@cache
def load(path: Path = WEIGHTS) -> SupportHead | None:
    """The fitted head beside this module (None when it has not been fitted)."""
    if not path.exists():
        return None
    with np.load(path) as data:
        return SupportHead(
            data["hidden_w"].astype(np.float32),
            data["hidden_b"].astype(np.float32),
            data["out_w"].astype(np.float32),
            float(data["out_b"]),
            str(data["model"]),
        )


def save(path: Path, head: SupportHead) -> None:
    np.savez_compressed(
        path,
        hidden_w=head.hidden_w.astype(np.float16),
        hidden_b=head.hidden_b,
        out_w=head.out_w,
        out_b=np.float32(head.out_b),
        model=np.str_(head.model),
    )


def support(query: np.ndarray | None, sentences: list[np.ndarray | None]) -> np.ndarray:
    """(n,) support logits; 0 where a vector is missing or the head was fitted on another embedder."""
    out = np.zeros(len(sentences), dtype=np.float32)
    head = load()
    if head is None or query is None or len(query) != head.dim:
        return out
    rows = [i for i, s in enumerate(sentences) if s is not None and len(s) == head.dim]
    if rows:
        out[rows] = head.logits(query, np.vstack([sentences[i] for i in rows]))
    return out
