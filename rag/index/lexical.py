"""BM25 over the chunk texts (bm25s), with the tokenizer of `rag.text` (which also handles Chinese).

The packaged embedder is English-only, so Chinese questions are matched lexically: CJK runs are
tokenised into character bigrams. The index is derived from Chroma's documents (`LexicalSync` keeps
it at the store's revision), so it can never drift from the chunks.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from rag.text import TOKENIZER_VERSION, tokenize


@dataclass
class LexicalIndex:
    """A bm25s index plus, per row, the chunk id, paper id, kind (for filter masks) and token ids.

    Rows are kept tokenised, and `papers` records the catalogue signature each paper's rows were read
    at, so a write elsewhere costs re-reading and re-tokenising only the papers it changed (`updated`);
    tokenising is three quarters of a full build. bm25s itself has no incremental add: its matrix is
    rebuilt from the kept token ids (seconds at 100k chunks, against a minute and a half before).
    """

    ids: list[str]
    paper_ids: np.ndarray
    kinds: np.ndarray
    revision: int
    _bm25: object | None
    tokens: list[np.ndarray] = field(default_factory=list)  # per row, ids into `vocab`
    vocab: dict[str, int] = field(default_factory=dict)
    papers: dict[str, str] = field(default_factory=dict)  # paper id → catalogue signature of its rows

    @classmethod
    def build(
        cls, rows: list[tuple[str, str, str, str]], revision: int, papers: dict[str, str] | None = None
    ) -> LexicalIndex:
        """rows: (chunk_id, paper_id, kind, lexical text); papers: the signatures they were read at."""
        vocab: dict[str, int] = {}
        return cls._assemble(
            [r[0] for r in rows],
            [r[1] for r in rows],
            [r[2] for r in rows],
            [_token_ids(r[3], vocab) for r in rows],
            vocab,
            revision,
            dict(papers or {}),
        )

    def updated(
        self, rows: list[tuple[str, str, str, str]], drop: set[str], revision: int, papers: dict[str, str]
    ) -> LexicalIndex:
        """A new index without the rows of the papers in `drop`, plus `rows` (their fresh chunks)."""
        keep = [n for n, pid in enumerate(self.paper_ids) if pid not in drop]
        vocab = dict(self.vocab)
        return self._assemble(
            [self.ids[n] for n in keep] + [r[0] for r in rows],
            [self.paper_ids[n] for n in keep] + [r[1] for r in rows],
            [self.kinds[n] for n in keep] + [r[2] for r in rows],
            [self.tokens[n] for n in keep] + [_token_ids(r[3], vocab) for r in rows],
            vocab,
            revision,
            papers,
        )

    @classmethod
    def _assemble(cls, ids, paper_ids, kinds, tokens, vocab, revision, papers) -> LexicalIndex:
        model = None
        if ids:
            import bm25s

            model = bm25s.BM25()
            model.index(([t.tolist() for t in tokens], dict(vocab)), show_progress=False)  # bm25s may add to it
        return cls(
            ids=list(ids),
            paper_ids=np.array(paper_ids, dtype=object),
            kinds=np.array(kinds, dtype=object),
            revision=revision,
            _bm25=model,
            tokens=list(tokens),
            vocab=vocab,
            papers=papers,
        )

    @cached_property
    def row_of(self) -> dict[str, int]:
        return {cid: n for n, cid in enumerate(self.ids)}

    def scores(self, query: str) -> np.ndarray | None:
        """BM25 score of every row for the query (None when no query term is in the index): computed
        once per query, then both the top-k and the scores of the other side's candidates read it."""
        if self._bm25 is None:
            return None
        vocab = self._bm25.vocab_dict
        known = [t for t in tokenize(query) if t in vocab]
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32) if known else None

    def top(self, scores: np.ndarray | None, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, score) among rows where mask is true; rows scoring 0 match no query term."""
        if scores is None or not self.ids or k <= 0:
            return []
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.ids[int(n)], float(scores[n])) for n in best if scores[n] > 0]

    def scores_of(self, scores: np.ndarray | None, chunk_ids: list[str]) -> list[float]:
        """The scores of given chunks (0 for unknown ones)."""
        if scores is None:
            return [0.0] * len(chunk_ids)
        return [float(scores[self.row_of[c]]) if c in self.row_of else 0.0 for c in chunk_ids]

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, BM25 score) among rows where mask is true; empty if no query term is known."""
        return self.top(self.scores(query), k, mask)

    # -- persistence -------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write beside `folder`, then swap it in. Each save has its own temporary folder: two threads or
        processes bringing the index up to date at once must not write into each other's files."""
        tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}-{threading.get_ident()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "bm25"), show_progress=False)
        lengths = np.array([len(t) for t in self.tokens], dtype=np.int64)
        flat = np.concatenate(self.tokens) if self.tokens else np.zeros(0, dtype=np.int32)
        np.savez(tmp / "tokens.npz", flat=flat.astype(np.int32), lengths=lengths)
        meta = {
            "tokenizer": TOKENIZER_VERSION,
            "revision": self.revision,
            "ids": self.ids,
            "paper_ids": list(self.paper_ids),
            "kinds": list(self.kinds),
            "vocab": list(self.vocab),  # in id order: dicts keep insertion order and ids are assigned in it
            "papers": self.papers,
        }
        (tmp / "rows.json").write_text(json.dumps(meta), encoding="utf-8")
        folder.parent.mkdir(parents=True, exist_ok=True)
        with open(folder.parent / f"{folder.name}.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # swaps one at a time, so the revision check below holds
            try:
                if _saved_revision(folder) > self.revision:
                    return  # a reader that started before the last write must not replace the newer index
                shutil.rmtree(folder, ignore_errors=True)
                tmp.rename(folder)  # readers see the old index, none (and rebuild), or the new one; never half
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        try:
            meta = json.loads((folder / "rows.json").read_text(encoding="utf-8"))
            with np.load(folder / "tokens.npz") as saved:
                flat, lengths = saved["flat"], saved["lengths"]
        except (OSError, ValueError, KeyError):
            return None
        if meta.get("tokenizer") != TOKENIZER_VERSION or len(lengths) != len(meta["ids"]):
            return None  # built by another tokenizer (or torn): the caller rebuilds it from Chroma
        model = None
        if meta["ids"]:
            import bm25s

            try:
                model = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
            except (OSError, ValueError):
                return None
        return cls(
            ids=meta["ids"],
            paper_ids=np.array(meta["paper_ids"], dtype=object),
            kinds=np.array(meta["kinds"], dtype=object),
            revision=int(meta["revision"]),
            _bm25=model,
            tokens=np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else [],
            vocab={t: n for n, t in enumerate(meta["vocab"])},
            papers=meta.get("papers", {}),
        )


def _saved_revision(folder: Path) -> int:
    """The revision of the index saved in `folder` (-1 when there is none or it cannot be read)."""
    try:
        return int(json.loads((folder / "rows.json").read_text(encoding="utf-8"))["revision"])
    except (OSError, ValueError, KeyError, TypeError):
        return -1


def _token_ids(text: str, vocab: dict[str, int]) -> np.ndarray:
    """The text's tokens as ids, growing `vocab` with new ones; a text without words gets one
    placeholder token so every row has a length."""
    return np.array([vocab.setdefault(t, len(vocab)) for t in tokenize(text) or ["\u2205"]], dtype=np.int32)
