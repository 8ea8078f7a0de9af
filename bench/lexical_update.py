"""Adding and removing one paper in a large BM25 index, three ways, in one process:

    python -m bench.lexical_update [--rows 20000] [--paper-chunks 12] [--queries 100] [--scifact DIR]

- `rebuild (bm25s)`: what papers did before: keep every row's token ids and rebuild bm25s's score matrix
  on each write (its statistics are baked into the matrix; it has no incremental add).
- `segments`: `rag.index.lexical.LexicalIndex` now: the write becomes a small segment plus dead-row
  flags, scored at query time with the live corpus statistics; timed with its save (new segment + manifest).
  Each paper has a catalogue signature, as in the product; a segment carries its write's signatures.
- `segments2`: the same index saved as format 2 did (the baseline of the save): a manifest listing every
  segment's dead rows and every paper's signature, re-encoded at each save, and its revision read back.
- `fts5`: SQLite FTS5 (stdlib) over the same tokens, ranked with bm25() (k1 1.2, b 0.75: not settable),
  insert/delete + commit in a WAL database.

Rows are SciFact abstracts (as one passage each, title + text: what BM25 sees of a passage), repeated
with a suffix to reach --rows. Quality: nDCG@10 of the 809 SciFact train claims over the 5,183 real
abstracts with each engine (passage = paper). Times exclude the encoder (there is none here) and Chroma;
the index is warm (in memory), as in the process that writes. The default run is short (20k rows);
`--rows 100000` is the size the target (<= 1 s) is set at.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.metrics import evaluate
from rag.index.lexical import LexicalIndex
from rag.index.passages import lexical_text
from rag.text import tokenize

Row = tuple[str, str, str, str]


def scifact(folder: Path) -> tuple[list[Row], dict[str, str], dict[str, dict[str, int]]]:
    docs = [json.loads(line) for line in (folder / "corpus.jsonl").open(encoding="utf-8")]
    rows = [(d["_id"], f"p{d['_id']}", "abstract", lexical_text(d.get("title", ""), "", d["text"])) for d in docs]
    name = "queries_train.jsonl" if (folder / "queries_train.jsonl").exists() else "queries.jsonl"
    queries = {q["_id"]: q["text"] for q in map(json.loads, (folder / name).open(encoding="utf-8"))}
    qrels: dict[str, dict[str, int]] = {}
    for tsv in sorted((folder / "qrels").glob("*.tsv")):
        for line in tsv.read_text(encoding="utf-8").splitlines()[1:]:
            qid, did, score = line.split("\t")
            qrels.setdefault(qid, {})[f"p{did}"] = int(score)
    return rows, {q: t for q, t in queries.items() if q in qrels}, qrels


def corpus(base: list[Row], size: int) -> list[Row]:
    """`size` rows: the real ones, then copies with their own ids (a copy's paper groups the ids that differ only
    in their last digit: SciFact's ids are sparse, so most papers have one row)."""
    out = list(base[:size])
    copy = 0
    while len(out) < size:
        copy += 1
        for cid, _, kind, text in base[: size - len(out)]:
            out.append((f"{cid}~{copy}", f"copy{copy}-{cid[:-1] or cid}", kind, f"{text} v{copy}"))
    return out


# -- the three engines ---------------------------------------------------------------------------------


class Bm25sRebuild:
    """The previous index: token ids kept per row, bm25s rebuilt from them on every write."""

    def __init__(self, rows: list[Row]) -> None:
        self.vocab: dict[str, int] = {}
        self.rows = [
            (r[0], r[1], [self.vocab.setdefault(t, len(self.vocab)) for t in tokenize(r[3]) or ["∅"]]) for r in rows
        ]
        self._index()

    def _index(self) -> None:
        import bm25s

        self.model = bm25s.BM25()
        self.model.index(([t for _, _, t in self.rows], dict(self.vocab)), show_progress=False)

    def write(self, add: list[Row], drop: set[str]) -> None:
        self.rows = [r for r in self.rows if r[1] not in drop]
        self.rows += [(r[0], r[1], [self.vocab.setdefault(t, len(self.vocab)) for t in tokenize(r[3])]) for r in add]
        self._index()

    def ranking(self, query: str, k: int) -> list[str]:
        known = [t for t in tokenize(query) if t in self.model.vocab_dict]
        if not known:
            return []
        scores = np.asarray(self.model.get_scores(known))
        best = np.argpartition(-scores, k - 1)[:k]  # the top-k as the product takes it
        best = best[np.argsort(-scores[best], kind="stable")]
        return [self.rows[n][1] for n in best if scores[n] > 0]


def signatures(rows: list[Row]) -> dict[str, str]:
    """A catalogue signature per paper, shaped like the product's (content hash : chunks)."""
    return {pid: f"{hashlib.sha256(pid.encode()).hexdigest()[:16]}:10" for pid in dict.fromkeys(r[1] for r in rows)}


class Segments:
    """rag.index.lexical.LexicalIndex, saved after each write as the product does."""

    def __init__(self, rows: list[Row], folder: Path) -> None:
        self.folder = folder
        self.index = LexicalIndex.build(rows, 1, signatures(rows))
        self.save()

    def write(self, add: list[Row], drop: set[str]) -> None:
        changed = {**dict.fromkeys(drop, ""), **signatures(add)}
        self.index = self.index.updated(add, drop, self.index.revision + 1, changed)
        self.save()

    def save(self) -> None:
        self.index.save(self.folder)

    def ranking(self, query: str, k: int) -> list[str]:
        return [str(self.index.paper_ids[self.index.row(cid)]) for cid, _ in self.index.search(query, k)]


class SegmentsFormat2(Segments):
    """The same index, saved as format 2 did: every dead row and every paper's signature in the manifest,
    its revision read back before the swap."""

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for seg in self.index.segments:
            if not seg.saved:
                seg.write(self.folder)
        manifest = {
            "format": 2,
            "revision": self.index.revision,
            "segments": [
                {"name": seg.name, "dead": np.flatnonzero(dead).tolist()}
                for seg, dead in zip(self.index.segments, self.index.dead, strict=True)
            ],
            "papers": self.index.papers,
        }
        tmp, path = self.folder / ".rows.json.tmp", self.folder / "rows.json"
        tmp.write_text(json.dumps(manifest), encoding="utf-8")
        if path.exists():
            json.loads(path.read_text(encoding="utf-8"))["revision"]
        tmp.replace(path)


class Fts5:
    """SQLite FTS5 over the same tokens (joined by spaces; every token is one FTS5 term)."""

    def __init__(self, rows: list[Row], path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute(
            "CREATE VIRTUAL TABLE chunks USING fts5(text, chunk_id UNINDEXED, paper_id UNINDEXED, "
            "tokenize = \"unicode61 remove_diacritics 0 tokenchars '_-'\")"
        )
        self.db.executemany("INSERT INTO chunks VALUES (?, ?, ?)", [(self._text(r[3]), r[0], r[1]) for r in rows])
        self.db.commit()

    @staticmethod
    def _text(text: str) -> str:
        return " ".join(tokenize(text) or ["∅"])

    def write(self, add: list[Row], drop: set[str]) -> None:
        self.db.executemany("DELETE FROM chunks WHERE paper_id = ?", [(p,) for p in drop])
        self.db.executemany("INSERT INTO chunks VALUES (?, ?, ?)", [(self._text(r[3]), r[0], r[1]) for r in add])
        self.db.commit()

    def ranking(self, query: str, k: int) -> list[str]:
        terms = [t for t in tokenize(query) if t]
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        sql = "SELECT paper_id FROM chunks WHERE chunks MATCH ? ORDER BY bm25(chunks) LIMIT ?"
        return [r[0] for r in self.db.execute(sql, (match, k))]


# -- measuring -------------------------------------------------------------------------------------------


def one_paper(rows: list[Row], n: int, stamp: int) -> list[Row]:
    """A new paper of `n` passages (real abstracts' text under new ids)."""
    return [(f"new{stamp}-{i}", f"newpaper{stamp}", "body", rows[(stamp * 7 + i) % len(rows)][3]) for i in range(n)]


def timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def measure_writes(engine, rows: list[Row], chunks: int, repeats: int) -> dict[str, float]:
    adds, removes = [], []
    for r in range(repeats):
        paper = one_paper(rows, chunks, r)
        adds.append(timed(engine.write, paper, set()))
        removes.append(timed(engine.write, [], {paper[0][1]}))
    return {"add_s": statistics.median(adds), "remove_s": statistics.median(removes)}


def measure_queries(engine, queries: list[str]) -> float:
    times = [timed(engine.ranking, q, 10) for q in queries]
    return statistics.median(times) * 1000


def quality(make, base: list[Row], queries: dict[str, str], qrels) -> float:
    engine = make(base)
    runs = {qid: engine.ranking(text, 100) for qid, text in queries.items()}
    return evaluate(runs, qrels)["nDCG@10"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000, help="passages in the index (100000: the target's size)")
    ap.add_argument("--paper-chunks", type=int, default=12, help="passages of the paper added and removed")
    ap.add_argument("--repeats", type=int, default=3, help="adds/removes timed (median)")
    ap.add_argument("--queries", type=int, default=100, help="queries timed (SciFact claims)")
    ap.add_argument("--scifact", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval" / "scifact")
    ap.add_argument("--engines", default="bm25s,segments2,segments,fts5")
    args = ap.parse_args(argv)
    if not (args.scifact / "corpus.jsonl").exists():
        print(f"no SciFact at {args.scifact} (pass --scifact DIR)")
        return 2
    base, queries, qrels = scifact(args.scifact)
    rows = corpus(base, args.rows)
    claims = list(queries.values())[: args.queries]
    made = itertools.count()
    with tempfile.TemporaryDirectory(prefix="papers-bench-lexical-") as tmp:
        makers = {
            "bm25s": ("rebuild (bm25s), before", Bm25sRebuild),
            "segments2": ("segments, format-2 save", lambda r: SegmentsFormat2(r, Path(tmp) / f"seg{next(made)}")),
            "segments": ("segments, now", lambda r: Segments(r, Path(tmp) / f"seg{next(made)}")),
            "fts5": ("SQLite FTS5", lambda r: Fts5(r, Path(tmp) / f"fts{next(made)}.db")),
        }
        results = []
        for key in args.engines.split(","):
            label, make = makers[key]
            t = time.perf_counter()
            engine = make(rows)
            build = time.perf_counter() - t
            writes = measure_writes(engine, rows, args.paper_chunks, args.repeats)
            p50 = measure_queries(engine, claims)
            del engine
            ndcg = quality(make, base, queries, qrels)
            results.append((key, label, build, writes, p50, ndcg))
            print(f"  measured {label}", flush=True)
    before = next((r for r in results if r[0] == "bm25s"), results[0])
    print(
        f"\n{args.rows:,} passages of {len({r[1] for r in rows}):,} papers; a paper of {args.paper_chunks} passages "
        f"added, then removed (median of {args.repeats}); query p50 over {len(claims)} SciFact claims; "
        f"nDCG@10 over {len(queries)} claims\n"
    )
    print("| engine | build s | add s | remove s | add vs before | query p50 ms | SciFact nDCG@10 (Δ) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for _, label, build, w, p50, ndcg in results:
        ratio = before[3]["add_s"] / w["add_s"] if w["add_s"] else float("inf")
        print(
            f"| {label} | {build:.1f} | {w['add_s']:.3f} | {w['remove_s']:.3f} | {ratio:.0f}× faster | {p50:.1f} | "
            f"{ndcg:.4f} ({ndcg - before[5]:+.4f}) |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
