"""One large index (e.g. 1M chunks), measured embedded AND against a Chroma server on the same data:

    python -m bench.scale --source INDEX_DIR --size 1000000 --group 16 --work DIR [--queries 30] [--skip-server]

The index is built once (bench/query_latency.py's synthetic corpus: real chunks of `--source` copied
with perturbed vectors, `--group` copies of a paper making one paper) and kept in `--work`, so a second
run only measures. The build can be stopped (`touch DIR/STOP`: it ends after the current copy, with
BM25 built) and resumed by removing DIR/STOP and running the same command again; `--measure-only`
measures what the index holds.
Then, for each mode:

- **search p50/p95** (hybrid, query vector given; and with the ONNX query encode), in this process;
- **where search time goes**: the median ms per query of the dense side (Chroma's HNSW query), BM25
  (scoring every posting of the query terms, top-k), fetching vectors/texts by id, and the rest;
- **add one paper** (ingest of a one-abstract JSONL, Chroma writes included, the encoder warmed up
  first) and removing it again, with the BM25 share of each;
- **cold start**: `papers search` as a fresh process (wall, CPU, peak RSS; median of `--runs`);
- the server's own peak RSS and its start-up until the heartbeat answers.

The server is `chroma run --path DIR/chroma` on 127.0.0.1, started and stopped here (its process group
is killed at the end). In server mode papers keeps its BM25 in its cache folder; the embedded index's
BM25 (same chunks, same revision) is copied there first, as `papers` would otherwise read all chunks
over HTTP once (timed with --server-bm25-build).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.memory import PAPERS, QUERY
from bench.query_latency import SHARED, build_synthetic, one_paper_ingest, pct
from tests.chroma_process import start as start_server
from tests.chroma_process import stop as stop_server

REPO = Path(__file__).resolve().parents[1]


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")) / 1024


def search_latency(library, queries: list[str]) -> dict[str, float]:
    """Hybrid search p50/p95 in ms with the query vectors given, then with the query encode."""
    from rag.text import clean_query

    embedder = library.embedder
    vectors = {clean_query(q): embedder.encode_query(q) for q in queries}
    t = time.perf_counter()
    library.search(queries[0])  # first query of this process: BM25 load, HNSW load
    first = time.perf_counter() - t
    for q in queries[1:3]:
        library.search(q)
    embedder.encode_query = lambda text: vectors[text]
    try:
        times = []
        for q in queries:
            t = time.perf_counter()
            library.search(q)
            times.append(time.perf_counter() - t)
    finally:
        del embedder.encode_query
    with_encode = []
    for q in queries:
        t = time.perf_counter()
        library.search(q)
        with_encode.append(time.perf_counter() - t)
    embedder.encode_query = lambda text: vectors[text]
    try:
        split = search_split(library, queries)
    finally:
        del embedder.encode_query
    return {
        **split,
        "first_query_s": first,
        "search_p50_ms": pct(times, 50),
        "search_p95_ms": pct(times, 95),
        "search_enc_p50_ms": pct(with_encode, 50),
    }


# Where a hybrid search's time goes: the methods of rag/search/retriever.py's hybrid path, by part
SEARCH_PARTS = {
    "dense": [("rag.index.store", "Store", "nearest_chunks")],  # Chroma's HNSW query (ids + distances)
    "bm25": [("rag.index.lexical", "LexicalIndex", m) for m in ("scores", "top", "scores_of")],
    "fetch": [("rag.index.store", "Store", m) for m in ("cosines", "passages")],  # vectors, texts by id
}


def search_split(library, queries: list[str]) -> dict[str, float]:
    """Median ms per query of each part of a hybrid search (query vector given), and the rest (revision
    check, fusion, building hits): a second pass over the queries, so the timers do not touch the p50."""
    import importlib

    spent: dict[str, float] = {}
    originals = []
    for part, methods in SEARCH_PARTS.items():
        for module, cls_name, name in methods:
            cls = getattr(importlib.import_module(module), cls_name)
            method = getattr(cls, name)
            originals.append((cls, name, method))

            def timed(*args, _method=method, _part=part, **kwargs):
                t = time.perf_counter()
                try:
                    return _method(*args, **kwargs)
                finally:
                    spent[_part] += time.perf_counter() - t

            setattr(cls, name, timed)
    per_query: dict[str, list[float]] = {part: [] for part in [*SEARCH_PARTS, "other", "split_total"]}
    try:
        for q in queries:
            spent.update(dict.fromkeys(SEARCH_PARTS, 0.0))
            t = time.perf_counter()
            library.search(q)
            total = time.perf_counter() - t
            for part in SEARCH_PARTS:
                per_query[part].append(spent[part])
            per_query["other"].append(total - sum(spent.values()))
            per_query["split_total"].append(total)
    finally:
        for cls, name, method in originals:
            setattr(cls, name, method)
    return {f"search_{part}_ms": pct(values, 50) for part, values in per_query.items()}


def fresh(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """bench.memory.run from a small launcher process: a child forked from this (large) process would
    start with its peak RSS, which Linux keeps across exec."""
    code = "import json, os, sys; from bench.memory import run; print(json.dumps(run(sys.argv[1:], dict(os.environ))))"
    done = subprocess.run([sys.executable, "-c", code, *cmd], env=env, cwd=REPO, capture_output=True, text=True)
    wall, cpu, rss, status = json.loads(done.stdout)
    return wall, cpu, rss, status


def cold_start(args_index: list[str], runs: int) -> dict[str, float]:
    """`papers search` in fresh processes: median wall, CPU and peak RSS."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    fresh([str(PAPERS), "search", "warm the page cache", *args_index], env)
    results = sorted(fresh([str(PAPERS), "search", QUERY, *args_index], env) for _ in range(runs))
    wall, cpu, rss, code = results[len(results) // 2]
    if code != 0:
        raise SystemExit(f"papers search {' '.join(args_index)} exited {code}")
    return {"cold_wall_s": wall, "cold_cpu_s": cpu, "cold_rss_mb": rss}


def measure_mode(library, queries: list[str], work: Path, index_args: list[str], runs: int) -> dict[str, float]:
    row = search_latency(library, queries)
    row.update(one_paper_ingest(library, work))
    row.update(cold_start(index_args, runs))
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, required=True, help="an index whose real chunks are copied")
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--group", type=int, default=16, help="copies of a source paper that make one paper")
    ap.add_argument("--work", type=Path, required=True, help="where the index is built and kept")
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--runs", type=int, default=3, help="fresh processes per cold-start figure")
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument(
        "--measure-only", action="store_true", help="measure the index as it is (a build stopped short of --size)"
    )
    ap.add_argument("--skip-embedded", action="store_true")
    ap.add_argument("--skip-server", action="store_true")
    ap.add_argument("--server-bm25-build", action="store_true", help="time BM25's first build over HTTP too")
    args = ap.parse_args(argv)
    if not (SHARED / "eval" / "scifact" / "queries_train.jsonl").exists():
        raise SystemExit(f"{SHARED} is absent: this benchmark needs ../shared for its queries")

    from rag import Library, Settings

    lines = (SHARED / "eval" / "scifact" / "queries_train.jsonl").read_text(encoding="utf-8").splitlines()
    queries = [json.loads(line)["text"] for line in lines[: args.queries]]
    index = args.work / f"n{args.size}-g{args.group}"
    args.work.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, float]] = {}

    lib = Library(Settings(index_dir=index))
    stop = args.work / "STOP"
    if not args.measure_only and not (lib.store.exists() and lib.store.count() >= args.size):
        source = Library(Settings(index_dir=args.source))
        lib = Library(Settings(index_dir=index), embedder=source.embedder)
        built = build_synthetic(source, lib, args.size, group=args.group, stop=stop, lexical_from_source=True)
        print(json.dumps({"built": str(index), "chunks": lib.store.count(), **built}), flush=True)
    if args.build_only:
        return 0
    chunks, revision = lib.store.count(), lib.store.revision
    papers = len(lib.engine.lexical.current().papers)
    print(json.dumps({"index": str(index), "chunks": chunks, "papers": papers, "revision": revision}), flush=True)

    if not args.skip_embedded:
        rows["embedded"] = measure_mode(lib, queries, args.work, ["--index", str(index)], args.runs)
        rows["embedded"]["process_rss_mb"] = peak_rss_mb(os.getpid())
        print(json.dumps({"mode": "embedded", **rows["embedded"]}), flush=True)
    del lib

    if not args.skip_server:
        # the embedded client of this process is not used again: the server is the only writer from here
        proc, url, ready = start_server(index / "chroma", args.work / "chroma-server.log", timeout=900)
        try:
            settings = Settings(index_dir=args.work / "server-cache", chroma_url=url)
            shutil.rmtree(settings.lexical_dir, ignore_errors=True)
            row: dict[str, float] = {"server_ready_s": ready}
            server_lib = Library(settings)
            if args.server_bm25_build:
                t = time.perf_counter()
                server_lib.engine.lexical.current()
                row["bm25_first_build_over_http_s"] = time.perf_counter() - t
            else:
                settings.lexical_dir.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(index / "bm25", settings.lexical_dir)
            index_args = ["--chroma-url", url, "--index", str(settings.index_dir)]  # its cache: the BM25 copy
            row.update(measure_mode(server_lib, queries, args.work, index_args, args.runs))
            row["server_rss_mb"] = peak_rss_mb(proc.pid)
            rows["server"] = row
            print(json.dumps({"mode": "server", **row}), flush=True)
        finally:
            stop_server(proc, timeout=60)  # a large index takes a while to close

    cols = ["search_p50_ms", "search_p95_ms", "search_enc_p50_ms", "search_dense_ms", "search_bm25_ms",
            "search_fetch_ms", "search_other_ms", "search_split_total_ms", "first_query_s", "ingest_1_first_s",
            "ingest_1_excl_encoder_s", "ingest_1_cpu_s", "bm25_update_s", "ingest_1_catchup_s", "remove_1_s",
            "first_write_imports_s", "cold_wall_s", "cold_cpu_s", "cold_rss_mb", "server_rss_mb",
            "server_ready_s"]  # fmt: skip
    print(f"\n{chunks:,} chunks, {papers:,} papers; ms for search, s otherwise, MB for RSS")
    print(f"{'mode':<10}" + "".join(f"{c:>19}" for c in cols))
    for mode, row in rows.items():
        print(f"{mode:<10}" + "".join(f"{row[c]:>19.3f}" if c in row else f"{'':>19}" for c in cols))
    for mode, row in rows.items():
        print(f"{mode}: add one paper, BM25 following the write vs catching up from Chroma (baseline, same run): "
              f"×{1 / row['catchup_over_follow']:.3f} the time")  # fmt: skip
    if len(rows) == 2:
        e, s = rows["embedded"], rows["server"]
        print(
            f"server / embedded: search p50 ×{s['search_p50_ms'] / e['search_p50_ms']:.2f}, add one paper "
            f"×{s['ingest_1_excl_encoder_s'] / e['ingest_1_excl_encoder_s']:.2f}, "
            f"cold start ×{s['cold_wall_s'] / e['cold_wall_s']:.2f}, "
            f"papers RSS ×{s['cold_rss_mb'] / e['cold_rss_mb']:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
