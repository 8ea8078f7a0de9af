"""Retrieval evaluation through the product's own ingest and search path.

    python -m bench.eval_retrieval BEIR_DIR [--index DIR] [--modes dense,bm25,hybrid] [--rerank NAME]
    python -m bench.eval_retrieval --corpus data/papers.jsonl --questions bench/questions/retrieval_en.jsonl

A BEIR dataset (corpus.jsonl, queries.jsonl or queries_train.jsonl, qrels/*.tsv) is written out as a
JSONL of abstracts (one abstract = one paper) and ingested with `Library.ingest`; later runs reuse the
index given with --index. Passages are ranked by `Library.search`, then collapsed to papers (first
occurrence wins), and scored with nDCG@10, Recall@100, MRR@10 and rank-1 accuracy per mode, with
indexing time and per-query latency p50/p95.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.metrics import evaluate

Qrels = dict[str, dict[str, int]]


def load_beir(folder: Path, split: str | None = None) -> tuple[Path, dict[str, str], Qrels]:
    """(corpus path, queries {id: text}, qrels {qid: {doc: grade}}) of a BEIR folder."""
    qrel_files = sorted((folder / "qrels").glob("*.tsv"))
    if split:
        qrel_files = [p for p in qrel_files if p.stem == split]
    if not qrel_files:
        raise SystemExit(f"{folder}/qrels: no qrels file{f' for split {split!r}' if split else ''}")
    qrels: Qrels = {}
    for path in qrel_files:
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                qrels.setdefault(str(row["query-id"]), {})[str(row["corpus-id"])] = int(row["score"])
    queries: dict[str, str] = {}
    for name in ("queries.jsonl", *(f"queries_{p.stem}.jsonl" for p in qrel_files)):
        path = folder / name
        if path.exists():
            for line in path.open(encoding="utf-8"):
                if line.strip():
                    q = json.loads(line)
                    queries[str(q["_id"])] = q["text"]
    queries = {q: t for q, t in queries.items() if q in qrels}
    return folder / "corpus.jsonl", queries, qrels


def beir_to_abstracts(corpus: Path, out: Path) -> int:
    """BEIR corpus.jsonl → the product's JSONL-of-abstracts format (id, title, abstract)."""
    n = 0
    with corpus.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            doc = json.loads(line)
            text = (doc.get("text") or "").strip()
            title = (doc.get("title") or "").strip() or " ".join(text.split()[:12])
            if not text:
                text = title
            dst.write(json.dumps({"id": str(doc["_id"]), "title": title, "abstract": text}) + "\n")
            n += 1
    return n


def load_questions(path: Path) -> tuple[dict[str, str], Qrels]:
    """Our own question sets: one JSON object per line, {"query": ..., "paper": id} (or "papers": [...])."""
    queries: dict[str, str] = {}
    qrels: Qrels = {}
    for n, line in enumerate(path.open(encoding="utf-8"), 1):
        if not line.strip():
            continue
        q = json.loads(line)
        qid = str(q.get("id") or n)
        queries[qid] = q["query"]
        papers = q.get("papers") or [q["paper"]]
        qrels[qid] = {str(p): 1 for p in papers}
    return queries, qrels


def build_index(library, corpus_jsonl: Path) -> tuple[float, int, int]:
    """Ingest (or top up) the index; returns (seconds, papers added, papers already there)."""
    start = time.perf_counter()
    report = library.ingest([str(corpus_jsonl)])
    if report.failed:
        print(f"warning: {len(report.failed)} records failed, e.g. {report.failed[0]}", file=sys.stderr)
    return time.perf_counter() - start, len(report.added), len(report.unchanged)


def paper_ranking(hits) -> list[str]:
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(hit.paper_id, None)
    return list(seen)


def run_mode(library, queries: dict[str, str], mode: str, depth: int) -> tuple[dict[str, list[str]], list[float]]:
    runs, latencies = {}, []
    for qid, text in queries.items():
        start = time.perf_counter()
        hits = library.search(text, k=depth, mode=mode)
        latencies.append(time.perf_counter() - start)
        runs[qid] = paper_ranking(hits)
    return runs, latencies


def format_table(rows: list[dict[str, Any]]) -> str:
    cols = ["mode", "nDCG@10", "Recall@100", "MRR@10", "Acc@1", "p50 ms", "p95 ms", "queries"]
    lines = [" | ".join(f"{c:>10}" for c in cols), "-" * (13 * len(cols))]
    for row in rows:
        cells = []
        for c in cols:
            v = row.get(c, "")
            cells.append(f"{v:>10.4f}" if isinstance(v, float) and "ms" not in c else f"{v!s:>10}")
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("beir", nargs="?", type=Path, help="BEIR dataset folder")
    ap.add_argument("--split", help="qrels split (default: all qrels/*.tsv)")
    ap.add_argument("--corpus", type=Path, help="instead of BEIR: a corpus file the product ingests")
    ap.add_argument("--questions", type=Path, action="append", default=[], help="question set(s) for --corpus")
    ap.add_argument("--index", type=Path, help="index directory to build or reuse (default: a temp dir)")
    ap.add_argument("--modes", default="dense,bm25,hybrid")
    ap.add_argument("--rerank", help="rerank setting (a CrossEncoder name/path, or an offline reranker name)")
    ap.add_argument("--depth", type=int, default=200, help="passages retrieved per query (default 200)")
    ap.add_argument("--limit", type=int, help="only the first N queries")
    ap.add_argument("--skip-ingest", action="store_true", help="query the --index as it is (no top-up)")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="any Settings override")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    from rag import Library, Settings

    tmp = None
    index_dir = args.index
    if index_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="papers-eval-")
        index_dir = Path(tmp.name)
    index_dir.mkdir(parents=True, exist_ok=True)
    overrides: dict[str, Any] = {"index_dir": index_dir, "candidates": max(args.depth, 50)}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = value
    if args.rerank is not None:
        overrides.update(rerank=True, rerank_model=args.rerank)
    library = Library(Settings(**overrides))

    if args.beir:
        corpus, queries, qrels = load_beir(args.beir, args.split)
        corpus_jsonl = index_dir / "corpus-abstracts.jsonl"
        if not corpus_jsonl.exists():
            beir_to_abstracts(corpus, corpus_jsonl)
        name = args.beir.name
    elif args.corpus and args.questions:
        corpus_jsonl = args.corpus
        queries, qrels = {}, {}
        for path in args.questions:
            q, r = load_questions(path)
            prefix = path.stem + ":"
            queries.update({prefix + k: v for k, v in q.items()})
            qrels.update({prefix + k: v for k, v in r.items()})
        name = corpus_jsonl.name
    else:
        ap.error("give a BEIR folder, or --corpus with --questions")

    seconds, added, unchanged = (0.0, 0, 0) if args.skip_ingest else build_index(library, corpus_jsonl)
    stats = library.stats()
    print(
        f"{name}: {stats['papers']} papers, {stats['chunks']} chunks in {index_dir} — indexing {seconds:.1f}s "
        f"({added} added, {unchanged} already indexed), embedder {library.settings.embed_model}"
    )
    if args.limit:
        queries = dict(list(queries.items())[: args.limit])
    library.search("warm up", k=1, mode="hybrid")  # model load and BM25 load are not query latency

    rows, results = [], {}
    for mode in args.modes.split(","):
        runs, lat = run_mode(library, queries, mode, args.depth)
        scores = evaluate(runs, qrels)
        label = mode + ("+rerank" if library.settings.rerank else "")
        row = {"mode": label, **scores}
        row["p50 ms"] = f"{np.percentile(lat, 50) * 1000:.0f}"
        row["p95 ms"] = f"{np.percentile(lat, 95) * 1000:.0f}"
        rows.append(row)
        groups = sorted({q.partition(":")[0] for q in runs if ":" in q})
        for group in groups if len(groups) > 1 else []:  # per question set, e.g. English vs Chinese
            part = {q: r for q, r in runs.items() if q.startswith(group + ":")}
            rows.append({"mode": f"  {group}", **evaluate(part, qrels)})
        results[label] = {"scores": scores, "runs": runs}
        misses = [q for q in runs if q in qrels and not set(runs[q][:1]) & set(qrels[q])]
        if args.corpus and misses:
            for q in misses:
                got = runs[q][0] if runs[q] else "-"
                print(f"  [{label}] miss {q}: {queries[q][:70]!r} → {got}", file=sys.stderr)
    print(format_table(rows))
    if args.json:
        args.json.write_text(json.dumps({"dataset": name, "index_seconds": seconds, "rows": rows}, indent=1))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
