"""BM25 over the chunk texts, with the tokenizer of `rag.text` (which also handles Chinese), updated in place.

The packaged embedder is English-only, so Chinese questions are matched lexically: CJK runs are
tokenised into character bigrams. The index is derived from Chroma's documents (`LexicalSync` keeps
it at the store's revision), so it can never drift from the chunks.

It is segmented: each write adds a small immutable segment of postings (term → rows, term frequency)
and marks the removed papers' rows dead; nothing already indexed is rebuilt. Scores are computed at
query time from raw term frequencies with the corpus statistics of the live rows (document count,
document frequencies, average length), so they equal what a full rebuild gives: the scoring is bm25s's
(Lucene's variant, k1 1.5, b 0.75), which this index replaced because bm25s bakes those statistics into
its matrix and so rebuilds it on every write (12 s at 100k chunks). Small segments are merged as they
pile up, and dead rows are dropped when they are many. On disk each segment is a file written once,
carrying what its write changed: its rows, the papers whose earlier rows it retires (`drop`) and their
catalogue signatures. Dead rows and the signature map are derived from the segments in order, so a save
writes the new segment and a manifest that only names the segments (`rows.json`, swapped in
atomically): its cost follows the change, not the library (format 2 kept every paper's signature and
every dead row in the manifest, rewritten at each save: 0.2 s at 30k papers; it is migrated on load).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from rag.text import TOKENIZER_VERSION, tokenize

FORMAT = 3  # on disk; 2: the manifest listed dead rows and every paper's signature (migrated on load)
K1, B = 1.5, 0.75  # bm25s's defaults, which the SciFact numbers were measured with
MAX_SEGMENTS = 8  # more than this: the small ones are merged into one
MAX_DEAD_SHARE = 0.25  # more dead rows than this: everything is merged and the dead rows dropped
_STALE_FILES_SECONDS = 60  # unreferenced segment files older than this are deleted on save


@dataclass
class Segment:
    """Rows added by one write (or merged): postings sorted by term, and the terms it added to the vocabulary."""

    name: str
    ids: list[str]
    paper_ids: np.ndarray  # object
    kinds: np.ndarray  # object
    lengths: np.ndarray  # int32, tokens per row
    terms: np.ndarray  # int32, the distinct terms of the segment, ascending
    starts: np.ndarray  # int64, postings of terms[i] are [starts[i], starts[i + 1])
    rows: np.ndarray  # int32, local row of each posting
    tfs: np.ndarray  # float32, term frequency of each posting
    new_terms: list[str]  # vocabulary entries this segment introduced, in id order
    drop: list[str] = field(default_factory=list)  # papers whose rows in the segments before this one died
    signatures: dict[str, str] = field(default_factory=dict)  # catalogue signatures this write set ('' = gone)
    saved: bool = False
    _df: tuple[bytes, np.ndarray] | None = field(default=None, repr=False, compare=False)  # (dead rows, per term)
    _kind_masks: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_tokens(cls, ids, paper_ids, kinds, tokens: list[np.ndarray], new_terms: list[str]) -> Segment:
        lengths = np.array([len(t) for t in tokens], dtype=np.int32)
        flat = np.concatenate(tokens).astype(np.int64) if tokens else np.zeros(0, dtype=np.int64)
        rows = np.repeat(np.arange(len(tokens), dtype=np.int64), lengths)
        return cls._from_postings(ids, paper_ids, kinds, lengths, flat, rows, None, new_terms)

    @classmethod
    def _from_postings(cls, ids, paper_ids, kinds, lengths, terms, rows, tfs, new_terms) -> Segment:
        """From (term, row[, tf]) pairs in any order; pairs without tf are single occurrences, counted here."""
        n = max(len(ids), 1)
        key = terms * n + rows
        if tfs is None:
            key, counts = np.unique(key, return_counts=True)
            tfs = counts.astype(np.float32)
        else:
            order = np.argsort(key, kind="stable")
            key, tfs = key[order], tfs[order]
        post_terms, post_rows = key // n, key % n
        distinct, first = np.unique(post_terms, return_index=True)
        return cls(
            name=uuid.uuid4().hex,
            ids=list(ids),
            paper_ids=np.array(paper_ids, dtype=object),
            kinds=np.array(kinds, dtype=object),
            lengths=np.asarray(lengths, dtype=np.int32),
            terms=distinct.astype(np.int32),
            starts=np.append(first, len(post_terms)).astype(np.int64),
            rows=post_rows.astype(np.int32),
            tfs=np.asarray(tfs, dtype=np.float32),
            new_terms=list(new_terms),
        )

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray] | None:
        at = int(np.searchsorted(self.terms, term))
        if at >= len(self.terms) or self.terms[at] != term:
            return None
        a, b = self.starts[at], self.starts[at + 1]
        return self.rows[a:b], self.tfs[a:b]

    def doc_freqs(self, dead: np.ndarray) -> np.ndarray:
        """Per term of `terms`, how many live rows of this segment hold it. Kept while the segment's dead
        rows stay the same (they only grow), so a write costs the segments it touched, not all of them."""
        key = np.flatnonzero(dead).tobytes()
        if self._df is None or self._df[0] != key:
            counts = np.diff(self.starts)  # one posting per (term, row): all rows' document frequencies
            if key and len(self.rows):  # minus the postings of dead rows: few, found in one pass
                at = np.flatnonzero(dead[self.rows])
                counts = counts - np.bincount(np.searchsorted(self.starts, at, "right") - 1, minlength=len(counts))
            self._df = (key, counts)
        return self._df[1]

    @cached_property
    def _paper_rows(self) -> tuple[dict[str, int], np.ndarray]:
        """(paper id → code, code of each row): which rows a paper holds, in an int comparison."""
        codes: dict[str, int] = {}
        return codes, np.fromiter((codes.setdefault(p, len(codes)) for p in self.paper_ids), np.int32, len(self.ids))

    @cached_property
    def row_index(self) -> dict[str, int]:
        """Chunk id → row: built once per segment, shared by every index version holding it."""
        return {cid: n for n, cid in enumerate(self.ids)}

    def of_kinds(self, kinds: tuple[str, ...]) -> np.ndarray:
        """A bool per row: is it of one of `kinds`? Kept per segment (segments never change)."""
        if kinds not in self._kind_masks:
            self._kind_masks[kinds] = np.isin(self.kinds, list(kinds))
        return self._kind_masks[kinds]

    def rows_of(self, papers: set[str] | list[str]) -> np.ndarray:
        """A bool per row: does it belong to one of `papers`?"""
        codes, per_row = self._paper_rows
        wanted = [codes[p] for p in papers if p in codes]
        return np.isin(per_row, wanted) if wanted else np.zeros(len(self.ids), dtype=bool)

    # -- files --------------------------------------------------------------------------------------

    def write(self, folder: Path) -> None:
        path = folder / f"{self.name}.npz"
        if not path.exists():
            tmp = folder / f".{self.name}.tmp-{os.getpid()}-{threading.get_ident()}.npz"
            np.savez(
                tmp,
                lengths=self.lengths,
                terms=self.terms,
                starts=self.starts,
                rows=self.rows,
                tfs=self.tfs,
                meta=np.frombuffer(
                    json.dumps(
                        {
                            "ids": self.ids,
                            "paper_ids": list(self.paper_ids),
                            "kinds": list(self.kinds),
                            "new_terms": self.new_terms,
                            "drop": self.drop,
                            "signatures": self.signatures,
                        },
                        ensure_ascii=False,
                    ).encode("utf-8"),
                    dtype=np.uint8,
                ),
            )
            tmp.replace(path)
        self.saved = True

    @classmethod
    def read(cls, folder: Path, name: str) -> Segment:
        with np.load(folder / f"{name}.npz") as saved:
            meta = json.loads(saved["meta"].tobytes().decode("utf-8"))
            return cls(
                name=name,
                ids=meta["ids"],
                paper_ids=np.array(meta["paper_ids"], dtype=object),
                kinds=np.array(meta["kinds"], dtype=object),
                lengths=saved["lengths"],
                terms=saved["terms"],
                starts=saved["starts"],
                rows=saved["rows"],
                tfs=saved["tfs"],
                new_terms=meta["new_terms"],
                drop=meta.get("drop", []),  # format 2 segments carry neither: the manifest had them
                signatures=meta.get("signatures", {}),
                saved=True,
            )


@dataclass
class LexicalIndex:
    """BM25 over segments; `ids`, `paper_ids` and `kinds` list the live rows in order (what scores index).

    `papers` records the catalogue signature each paper's rows were read at, so that a write by another
    process costs re-reading only the papers it changed (`LexicalSync`).
    """

    segments: list[Segment]
    dead: list[np.ndarray]  # per segment, a bool per row (derived from later segments' `drop`)
    revision: int
    vocab: dict[str, int] = field(default_factory=dict)

    # -- building -----------------------------------------------------------------------------------

    @classmethod
    def build(
        cls, rows: list[tuple[str, str, str, str]], revision: int, papers: dict[str, str] | None = None
    ) -> LexicalIndex:
        """rows: (chunk_id, paper_id, kind, lexical text); papers: the signatures they were read at."""
        index = cls(segments=[], dead=[], revision=revision)
        index._append(rows, set(), dict(papers or {}))
        return index

    def updated(
        self, rows: list[tuple[str, str, str, str]], drop: set[str], revision: int, signatures: dict[str, str]
    ) -> LexicalIndex:
        """A new index without the rows of the papers in `drop`, plus `rows` (their fresh chunks);
        `signatures`: the catalogue signatures of the papers this write changed ('' for removed ones).
        Only the new rows are tokenised; segments are shared with this index (never changed in place)."""
        dead = [
            flags | seg.rows_of(drop) if drop else flags for seg, flags in zip(self.segments, self.dead, strict=True)
        ]
        index = LexicalIndex(list(self.segments), dead, revision, dict(self.vocab))
        index._append(rows, drop, signatures)
        index._merge_if_needed()
        return index

    def _append(self, rows: list[tuple[str, str, str, str]], drop: set[str], signatures: dict[str, str]) -> None:
        """One segment for one write: its rows, and what it retires and re-signs (even without rows)."""
        if not rows and not drop and not signatures:
            return
        before = len(self.vocab)
        tokens = [_token_ids(r[3], self.vocab) for r in rows]
        new_terms = list(self.vocab)[before:]
        seg = Segment.from_tokens([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], tokens, new_terms)
        seg.drop, seg.signatures = sorted(drop), dict(signatures)
        self.segments.append(seg)
        self.dead.append(np.zeros(len(rows), dtype=bool))

    def _merge_if_needed(self) -> None:
        total = sum(len(s.ids) for s in self.segments)
        dead = sum(int(d.sum()) for d in self.dead)
        if total and dead > MAX_DEAD_SHARE * total:
            self._merge(0)  # everything, dead rows dropped
        elif len(self.segments) > MAX_SEGMENTS:
            largest = int(np.argmax([len(s.ids) for s in self.segments]))
            first = largest + 1 if len(self.segments) - largest > 2 else 1
            self._merge(first)  # the small ones after the largest one (usually the first, oldest)

    def _merge(self, first: int) -> None:
        """Segments first.. into one, without their dead rows (vocabulary ids stay as they are). The merged
        segment still retires, in the segments before it, what its parts retired; from the first segment
        on, nothing is before it, so removed papers are forgotten."""
        group, flags = self.segments[first:], self.dead[first:]
        ids, pids, kinds, lengths, terms, rows, tfs = [], [], [], [], [], [], []
        offset = 0
        for seg, dead in zip(group, flags, strict=True):
            keep = ~dead
            renumber = np.cumsum(keep) - 1 + offset
            per_posting = np.repeat(seg.terms.astype(np.int64), np.diff(seg.starts))
            live = keep[seg.rows]
            terms.append(per_posting[live])
            rows.append(renumber[seg.rows[live]].astype(np.int64))
            tfs.append(seg.tfs[live])
            ids += [i for i, k in zip(seg.ids, keep, strict=True) if k]
            pids.append(seg.paper_ids[keep])
            kinds.append(seg.kinds[keep])
            lengths.append(seg.lengths[keep])
            offset += int(keep.sum())
        merged = Segment._from_postings(
            ids,
            np.concatenate(pids),
            np.concatenate(kinds),
            np.concatenate(lengths),
            np.concatenate(terms),
            np.concatenate(rows),
            np.concatenate(tfs),
            [t for seg in group for t in seg.new_terms],
        )
        signatures = {pid: sig for seg in group for pid, sig in seg.signatures.items()}
        merged.signatures = {p: sig for p, sig in signatures.items() if sig} if first == 0 else signatures
        merged.drop = sorted({p for seg in group for p in seg.drop}) if first else []
        self.segments = [*self.segments[:first], merged]
        self.dead = [*self.dead[:first], np.zeros(len(ids), dtype=bool)]

    @cached_property
    def papers(self) -> dict[str, str]:
        """Paper id → the catalogue signature its rows were read at: each write's signatures, in order."""
        signed = {pid: sig for seg in self.segments for pid, sig in seg.signatures.items()}
        return {pid: sig for pid, sig in signed.items() if sig}

    # -- the live rows ------------------------------------------------------------------------------

    @cached_property
    def _alive(self) -> np.ndarray:
        """Over all rows of all segments in order: live or not."""
        return ~np.concatenate(self.dead) if self.dead else np.zeros(0, dtype=bool)

    @cached_property
    def _live_rows(self) -> np.ndarray:
        return np.flatnonzero(self._alive)

    @cached_property
    def _offsets(self) -> np.ndarray:
        """Where each segment's rows start among all rows (and their total, last)."""
        return np.cumsum([0, *(len(seg.ids) for seg in self.segments)])

    @property
    def size(self) -> int:
        """Live rows."""
        return len(self._live_rows)

    @cached_property
    def ids(self) -> list[str]:
        """Every live row's chunk id (a list as long as the index: for checks, not on the query path)."""
        all_ids = [i for seg in self.segments for i in seg.ids]
        return [all_ids[n] for n in self._live_rows]

    def id_at(self, row: int) -> str:
        """The chunk id of a live row, without listing them all (a new list per write would grow with it)."""
        at = int(self._live_rows[row])
        seg = int(np.searchsorted(self._offsets, at, "right")) - 1
        return self.segments[seg].ids[at - int(self._offsets[seg])]

    def row(self, chunk_id: str) -> int | None:
        """The live row of a chunk id, or None: per-segment lookups, so no index-wide dict per write."""
        found = self._locate(chunk_id)
        return None if found is None else int(np.searchsorted(self._live_rows, self._offsets[found[0]] + found[1]))

    def kind_of(self, chunk_id: str) -> str | None:
        """The kind of a live chunk, or None."""
        found = self._locate(chunk_id)
        return None if found is None else str(self.segments[found[0]].kinds[found[1]])

    def _locate(self, chunk_id: str) -> tuple[int, int] | None:
        """(segment, row in it) of a live chunk."""
        for n, (seg, dead) in enumerate(zip(self.segments, self.dead, strict=True)):
            local = seg.row_index.get(chunk_id)
            if local is not None and not dead[local]:
                return n, local
        return None

    @cached_property
    def paper_ids(self) -> np.ndarray:
        return self._column("paper_ids")

    @cached_property
    def kinds(self) -> np.ndarray:
        return self._column("kinds")

    def of_kinds(self, kinds: tuple[str, ...]) -> np.ndarray:
        """A bool per live row: is it of one of `kinds`? From the segments' kept masks, so the first query
        after a write does not compare every row's kind again."""
        if not self.segments:
            return np.zeros(0, dtype=bool)
        return np.concatenate([seg.of_kinds(kinds) for seg in self.segments])[self._live_rows]

    def _column(self, name: str) -> np.ndarray:
        if not self.segments:
            return np.zeros(0, dtype=object)
        return np.concatenate([getattr(seg, name) for seg in self.segments])[self._live_rows]

    @cached_property
    def _stats(self) -> tuple[np.ndarray, np.ndarray, float, int]:
        """(BM25's length normalisation k1·(1 − b + b·len/avg) over all rows, document frequency per term,
        average live length, live rows): computed once per index, shared by its queries."""
        lengths = np.concatenate([s.lengths for s in self.segments]) if self.segments else np.zeros(0, np.int32)
        alive = self._alive
        df = np.zeros(len(self.vocab), dtype=np.int64)
        for seg, dead in zip(self.segments, self.dead, strict=True):
            df[seg.terms] += seg.doc_freqs(dead)
        n = int(alive.sum())
        avg = float(lengths[alive].mean()) if n else 1.0
        norm = (K1 * ((1 - B) + B * lengths.astype(np.float32) / np.float32(avg))).astype(np.float32)
        return norm, df, avg, n

    # -- scoring ------------------------------------------------------------------------------------

    def scores(self, query: str) -> np.ndarray | None:
        """BM25 score of every live row for the query (None when no query term is in the index): computed
        once per query, then both the top-k and the scores of the other side's candidates read it."""
        terms = [self.vocab[t] for t in tokenize(query) if t in self.vocab]
        if not terms or not self.size:
            return None
        norm, df, _, n = self._stats
        total = np.zeros(len(norm), dtype=np.float32)
        for term in terms:  # a repeated query term counts again, as in bm25s
            if df[term] == 0:
                continue
            idf = np.float32(np.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5)))
            offset = 0
            for seg in self.segments:
                found = seg.postings(term)
                if found is not None:
                    rows, tfs = found
                    at = rows + offset
                    total[at] += idf * tfs / (norm[at] + tfs)
                offset += len(seg.ids)
        return total[self._live_rows]

    def idf(self, token: str) -> float:
        """BM25's IDF of an index token (0 when no live row has it): how much a word tells in this library."""
        at = self.vocab.get(token)
        if at is None:
            return 0.0
        _, df, _, n = self._stats
        return float(np.log(1 + (n - df[at] + 0.5) / (df[at] + 0.5))) if df[at] else 0.0

    def top(self, scores: np.ndarray | None, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, score) among rows where mask is true; rows scoring 0 match no query term."""
        if scores is None or not self.size or k <= 0:
            return []
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.id_at(int(n)), float(scores[n])) for n in best if scores[n] > 0]

    def scores_of(self, scores: np.ndarray | None, chunk_ids: list[str]) -> list[float]:
        """The scores of given chunks (0 for unknown ones)."""
        if scores is None:
            return [0.0] * len(chunk_ids)
        rows = [self.row(c) for c in chunk_ids]
        return [0.0 if n is None else float(scores[n]) for n in rows]

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, BM25 score) among rows where mask is true; empty if no query term is known."""
        return self.top(self.scores(query), k, mask)

    # -- persistence -------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the segments not yet on disk, then swap in the manifest (the segment names, in order).
        Segment files are never changed, so two processes saving at once cannot spoil each other's; the
        manifest of the newest revision wins."""
        folder.mkdir(parents=True, exist_ok=True)
        for seg in self.segments:
            if not seg.saved or not (folder / f"{seg.name}.npz").exists():
                seg.write(folder)
        manifest = {
            "tokenizer": TOKENIZER_VERSION,
            "format": FORMAT,
            "revision": self.revision,
            "segments": [seg.name for seg in self.segments],
        }
        tmp = folder / f".rows.json.tmp-{os.getpid()}-{threading.get_ident()}"
        tmp.write_text(json.dumps(manifest), encoding="utf-8")
        with open(folder.parent / f"{folder.name}.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # swaps one at a time, so the revision check below holds
            try:
                if _saved_revision(folder) > self.revision:
                    return  # a reader that started before the last write must not replace the newer index
                tmp.replace(folder / "rows.json")  # readers see the old manifest or the new one; never half
                _delete_stale(folder, {seg.name for seg in self.segments})
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None when there is none, it is damaged or another tokenizer built it (the
        caller then rebuilds it from Chroma). A save that merged segments between reading the manifest and
        its segments is met by reading the new manifest. A format-2 index is migrated and saved."""
        index = cls._load(folder) or cls._load(folder)
        if index is not None and not all(seg.saved for seg in index.segments):
            with contextlib.suppress(OSError):  # a read-only index still answers, from memory
                index.save(folder)
        return index

    @classmethod
    def _load(cls, folder: Path) -> LexicalIndex | None:
        try:
            meta = json.loads((folder / "rows.json").read_text(encoding="utf-8"))
            if meta.get("tokenizer") != TOKENIZER_VERSION or meta.get("format") not in (2, FORMAT):
                return None
            if meta["format"] == 2:
                return cls._migrated(folder, meta)
            segments = [Segment.read(folder, name) for name in meta["segments"]]
        except Exception:  # a damaged file can raise anything from numpy, zipfile or json
            return None
        dead, retired = [], set()  # a segment's rows die when a later segment drops their paper
        for seg in reversed(segments):
            dead.append(seg.rows_of(retired) if retired else np.zeros(len(seg.ids), dtype=bool))
            retired.update(seg.drop)
        return cls(segments, dead[::-1], int(meta["revision"]), _vocab(segments))

    @classmethod
    def _migrated(cls, folder: Path, meta: dict) -> LexicalIndex:
        """A format-2 index (dead rows and every paper's signature in the manifest) in this format: the
        signatures go into a segment of their own, first; with dead rows, everything is merged once."""
        segments = [Segment.read(folder, s["name"]) for s in meta["segments"]]
        dead = []
        for seg, saved in zip(segments, meta["segments"], strict=True):
            flags = np.zeros(len(seg.ids), dtype=bool)
            flags[np.asarray(saved["dead"], dtype=np.int64)] = True
            dead.append(flags)
        signed = Segment.from_tokens([], [], [], [], [])
        signed.signatures = dict(meta.get("papers", {}))
        index = cls([signed, *segments], [np.zeros(0, dtype=bool), *dead], int(meta["revision"]), _vocab(segments))
        if any(flags.any() for flags in dead):
            index._merge(0)
        return index


def _vocab(segments: list[Segment]) -> dict[str, int]:
    return {t: n for n, t in enumerate(t for seg in segments for t in seg.new_terms)}


def _saved_revision(folder: Path) -> int:
    """The revision of the index saved in `folder` (-1 when there is none or it cannot be read)."""
    try:
        return int(json.loads((folder / "rows.json").read_text(encoding="utf-8"))["revision"])
    except (OSError, ValueError, KeyError, TypeError):
        return -1


def _delete_stale(folder: Path, keep: set[str]) -> None:
    """Segment files no manifest needs any more (merged away); young ones are left for readers that
    loaded the previous manifest a moment ago. The files of the bm25s index this one replaced go too."""
    shutil.rmtree(folder / "bm25", ignore_errors=True)
    with contextlib.suppress(OSError):
        (folder / "tokens.npz").unlink()
    now = time.time()
    for path in folder.glob("*.npz"):
        with contextlib.suppress(OSError):
            if path.stem not in keep and now - path.stat().st_mtime > _STALE_FILES_SECONDS:
                path.unlink()
    for path in folder.glob(".*.tmp-*"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > _STALE_FILES_SECONDS:
                path.unlink()


def _token_ids(text: str, vocab: dict[str, int]) -> np.ndarray:
    """The text's tokens as ids, growing `vocab` with new ones; a text without words gets one
    placeholder token so every row has a length."""
    return np.array([vocab.setdefault(t, len(vocab)) for t in tokenize(text) or ["\u2205"]], dtype=np.int32)
