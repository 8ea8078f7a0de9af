"""Query latency at 10k / 100k / 1M chunks: search (without and with the query encode) and extractive ask.

    python -m bench.query_latency --source INDEX_DIR [--sizes 10000,100000] [--work DIR] [--queries 30]

How the large corpora are built: the real chunks of an existing index (`--source`, e.g. the one
bench/ingest_throughput.py leaves with --work; texts, metadata and vectors) are copied round-robin
until the size is reached. Copy j of chunk c gets the id `c~j`, belongs to paper `p~j` (a catalogue
entry copied from p's), and its vector is the real one plus Gaussian noise (σ = 0.02 per dimension, then
re-normalised: cosine ≈ 0.96 to the original), so HNSW sees distinct points with realistic
neighbourhoods. Rows are written straight into Chroma (no re-encoding), then BM25 is rebuilt from
Chroma exactly as the product does after an ingest. Queries are SciFact's (../shared/eval/scifact).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHARED = Path(__file__).resolve().parents[2] / "shared"
SIGMA = 0.02


def build_synthetic(
    source,
    target,
    size: int,
    seed: int = 0,
    group: int = 1,
    stop: Path | None = None,
    lexical_from_source: bool = False,
) -> dict[str, float]:
    """Fill `target` with `size` chunks copied from `source`; returns timings.
    `group` copies of a paper make one synthetic paper (copy j of p belongs to `p~(j // group)`), so a
    large corpus can have a realistic number of papers (SciFact's are 1.7 chunks each). A target that
    already holds whole copies (an earlier, stopped build) is extended from the next copy on; the build
    stops after the copy during which the file `stop` appears (then the index holds fewer chunks).
    `lexical_from_source`: BM25 is built from the source's rows (`_replicated_lexical`), not read back."""
    raw = _raw_collections(source.settings)  # vectors and rows as stored, copied with noise below
    src = raw[0].get(include=["metadatas", "documents", "embeddings"])
    ids, docs, metas = src["ids"], src["documents"], src["metadatas"]
    vecs = np.asarray(src["embeddings"], dtype=np.float32)
    papers = raw[1].get(include=["metadatas", "documents", "embeddings"])
    target.store.open_for_write(target.settings.embed_model, vecs.shape[1])
    chunks, catalogue = _raw_collections(target.settings)
    first_copy = chunks.count() // len(ids)  # whole copies already written (a partial one is rewritten)
    rng = np.random.default_rng(seed + first_copy)
    step = 5000
    t0 = time.perf_counter()
    pv = np.asarray(papers["embeddings"], dtype=np.float32)
    buf: dict[str, list] = {"ids": [], "embeddings": [], "metadatas": [], "documents": []}
    pbuf: dict[str, list] = {"ids": [], "embeddings": [], "metadatas": [], "documents": []}

    def flush(collection, rows: dict[str, list], force: bool = False) -> None:
        if rows["ids"] and (force or len(rows["ids"]) >= step):
            collection.upsert(  # not add: a copy that a stopped build left half-written is written again
                ids=rows["ids"],
                embeddings=np.vstack(rows["embeddings"]),
                metadatas=rows["metadatas"],
                documents=rows["documents"],
            )
            for v in rows.values():
                v.clear()

    written, copy = first_copy * len(ids), first_copy
    while written < size and not (stop is not None and stop.exists()):
        n = min(len(ids), size - written)
        noisy = vecs[:n] + rng.normal(0, SIGMA, size=(n, vecs.shape[1])).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        for i in range(n):
            meta = dict(metas[i])
            meta["paper_id"] = f"{meta['paper_id']}~{copy // group}"
            if "_node_content" in meta:  # llama-index's node JSON carries the id and metadata too
                node = json.loads(meta["_node_content"])
                node["id_"] = f"{ids[i]}~{copy}"
                node.setdefault("metadata", {})["paper_id"] = meta["paper_id"]
                meta["_node_content"] = json.dumps(node)
            buf["ids"].append(f"{ids[i]}~{copy}")
            buf["embeddings"].append(noisy[i])
            buf["metadatas"].append(meta)
            buf["documents"].append(docs[i])
            flush(chunks, buf)
        for j, pid in enumerate(papers["ids"] if copy % group == 0 else []):
            pmeta = dict(papers["metadatas"][j])
            pmeta["chunks"] = int(pmeta.get("chunks", 0)) * group  # the last group may hold fewer copies
            pbuf["ids"].append(f"{pid}~{copy // group}")
            pbuf["embeddings"].append(pv[j])
            pbuf["metadatas"].append(pmeta)
            pbuf["documents"].append(papers["documents"][j])
            flush(catalogue, pbuf)
        written += n
        copy += 1
        if copy % 20 == 0:
            print(f"  {written:,} chunks written, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    flush(chunks, buf, force=True)
    flush(catalogue, pbuf, force=True)
    t_write = time.perf_counter() - t0
    revision = target.store.bump_revision()
    t0 = time.perf_counter()
    if lexical_from_source:  # the same rows BM25 would read back from Chroma, each distinct text tokenised once
        _replicated_lexical(target, ids, metas, docs, written, group, revision)
    target.engine.refresh()  # else BM25 is rebuilt from Chroma, as after any ingest
    return {"write_s": t_write, "bm25_s": time.perf_counter() - t0}


def _replicated_lexical(target, ids, metas, docs, written: int, group: int, revision: int) -> None:
    """Save the BM25 index of the first `written` synthetic chunks, built with `LexicalIndex.build` from
    the rows `lexical_rows` would read back from Chroma, without reading 1M rows back (minutes at that
    size): copies share their source's text, so the tokenizer is memoised for the build."""
    from functools import cache

    import rag.index.lexical as lexical
    from rag.index.lexical_sync import lexical_rows

    base = list(lexical_rows([(ids, metas, docs)]))
    rows = [
        (f"{ids[i]}~{copy}", f"{base[i][1]}~{copy // group}", base[i][2], base[i][3])
        for copy in range(-(-written // len(ids)))
        for i in range(min(len(ids), written - copy * len(ids)))
    ]
    tokenize = lexical.tokenize
    lexical.tokenize = cache(tokenize)
    try:
        index = lexical.LexicalIndex.build(rows, revision, target.store.paper_signatures())
    finally:
        lexical.tokenize = tokenize
    index.save(target.settings.lexical_dir)


def _raw_collections(settings):
    """(chunks, catalogue) of an embedded index, through chromadb itself: the bench writes synthetic rows
    with precomputed vectors, which no product path does."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(settings.index_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    prefix = settings.collection
    return (
        client.get_collection(f"{prefix}_chunks", embedding_function=None),
        client.get_collection(f"{prefix}_catalogue", embedding_function=None),
    )


def one_paper_ingest(library, work: Path) -> dict[str, float]:
    """Seconds to ingest one new abstract into the big index (Chroma writes, BM25, the catalogue), with the
    encoder's and BM25's shares, then to remove it: the median of the 2nd and 3rd add, encoder excluded
    (`ingest_1_first_s`: the first write of the process). The model is loaded and the chunker imported
    first (`first_write_imports_s`: that one-time cost). Baseline in the same run: the same add when BM25
    catches up from Chroma instead of following the write (`ingest_1_catchup_s`: what another process
    pays, and what every write paid before the writer handed BM25 its rows)."""
    from ingest.chunking import chunk_paper
    from ingest.models import Paper

    timed = {"bm25": 0.0, "encode": 0.0, "encode_cpu": 0.0}
    lexical, engine = library.engine.lexical, library.engine

    def timing(method, key: str):
        def timed_call(*args, **kwargs):
            t, c = time.perf_counter(), time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                timed[key] += time.perf_counter() - t
                if key == "encode":
                    timed["encode_cpu"] += time.process_time() - c

        return timed_call

    def probe(tag: str) -> tuple[str, Path]:
        stamp = f"{tag}{time.time_ns()}"
        path = work / f"one-more-paper-{tag}.jsonl"
        record = {"id": f"bench:{stamp}", "title": f"Latency probe {stamp}", "abstract": "MicroRNA in tumours."}
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        return f"bench:{stamp}", path

    t = time.perf_counter()
    library.embedder.encode(["warm-up"])  # loading the model is not ingest time
    chunk_paper(Paper(id="warm-up", title="Warm-up", text="Importing the chunker is not ingest time."))
    out = {"first_write_imports_s": time.perf_counter() - t}
    # BM25 follows a write from the rows the writer hands it (follow), or catches up from Chroma (_update)
    lexical._update = timing(lexical._update, "bm25")  # type: ignore[method-assign]
    lexical.follow = timing(lexical.follow, "bm25")  # type: ignore[method-assign]
    engine.encode_passages = timing(engine.encode_passages, "encode")  # type: ignore[method-assign]
    try:
        adds, removes = [], []
        for n in range(3):  # the first write of a process also opens the catalogue collection (Chroma loads it)
            pid, path = probe(f"a{n}")
            timed.update(bm25=0.0, encode=0.0, encode_cpu=0.0)
            t, c = time.perf_counter(), time.process_time()
            library.ingest([str(path)])
            cpu = time.process_time() - c - timed["encode_cpu"]  # all threads: robust to a loaded machine
            adds.append((time.perf_counter() - t - timed["encode"], timed["encode"], timed["bm25"], cpu))
            timed.update(bm25=0.0, encode=0.0)
            t = time.perf_counter()
            library.remove(pid)
            removes.append((time.perf_counter() - t, timed["bm25"]))
        out["ingest_1_first_s"] = adds[0][0]
        steady = [statistics.median(column) for column in zip(*adds[1:], strict=True)]
        out["ingest_1_excl_encoder_s"], out["encode_s"], out["bm25_update_s"], out["ingest_1_cpu_s"] = steady
        out["ingest_1_s"] = out["ingest_1_excl_encoder_s"] + out["encode_s"]
        out["remove_1_s"], out["bm25_remove_s"] = [statistics.median(c) for c in zip(*removes[1:], strict=True)]
        lexical.follow = lambda *args, **kwargs: False  # type: ignore[method-assign]
        pid, path = probe("b")
        timed.update(bm25=0.0, encode=0.0)
        t = time.perf_counter()
        library.ingest([str(path)])
        out["ingest_1_catchup_s"] = time.perf_counter() - t - timed["encode"]
        out["bm25_catchup_s"] = timed["bm25"]
        library.remove(pid)
    finally:
        del lexical._update, lexical.follow, engine.encode_passages
    out["catchup_over_follow"] = out["ingest_1_catchup_s"] / out["ingest_1_excl_encoder_s"]
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def measure(library, queries: list[str], asks: int) -> dict[str, float]:
    """p50/p95 in ms: search without the query encode, with it, the encode alone, and extractive ask."""
    from rag.text import clean_query

    embedder = library.embedder
    real = embedder.encode_query
    encode_ms = []
    vectors = {}
    for q in queries:
        t = time.perf_counter()
        vectors[clean_query(q)] = real(q)
        encode_ms.append(time.perf_counter() - t)
    for q in queries[:3]:  # warm-up: first-query costs (BM25 load, HNSW load) are not latency
        library.search(q)
    out: dict[str, float] = {}
    embedder.encode_query = lambda text: vectors[text]
    try:
        for mode in ("hybrid", "dense", "bm25"):
            times, cpu = [], []
            for q in queries:
                t, c = time.perf_counter(), time.process_time()
                library.search(q, mode=mode)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            out[f"{mode} p50"], out[f"{mode} p95"] = pct(times, 50), pct(times, 95)
            out[f"{mode} cpu p50"] = pct(cpu, 50)
    finally:
        del embedder.encode_query
    times = []
    for q in queries:
        t = time.perf_counter()
        library.search(q)
        times.append(time.perf_counter() - t)
    out["search+enc p50"], out["search+enc p95"] = pct(times, 50), pct(times, 95)
    out["encode p50"] = pct(encode_ms, 50)
    # Ask as after an ingest: ingest stores every quotable sentence's vectors (the embedder's and the answer
    # encoder's) in the embedding cache, so a fresh cache gets exactly the sentences of the passages each
    # question reads (the synthetic index was written without them), then a fresh in-memory bank reads them
    # from disk as a new process would.
    from rag.answers.scoring import DEFAULT_SCORING

    scratch = Path(tempfile.mkdtemp(prefix="papers-ask-cache-"))
    library.engine.use_cache_dir(scratch)
    for q in queries[:asks]:
        hits = library.search(q, k=DEFAULT_SCORING.pool_passages)
        library.engine.cache_quotable([h.text for h in hits if h.kind != "zh"])
    library.engine.use_cache_dir(scratch)
    times, cpu = [], []
    for q in queries[:asks]:
        t, c = time.perf_counter(), time.process_time()
        library.ask(q)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    out["ask p50"], out["ask p95"] = pct(times, 50), pct(times, 95)
    out["ask cpu p50"] = pct(cpu, 50)
    shutil.rmtree(scratch, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, required=True, help="an index whose real chunks are copied")
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated chunk counts (e.g. add 1000000)")
    ap.add_argument("--work", type=Path, help="where the synthetic indexes go (kept; reused when present)")
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--asks", type=int, default=15)
    ap.add_argument("--backend", default="auto", help="encoder_backend (auto, torch or onnx)")
    args = ap.parse_args(argv)
    if not (SHARED / "eval" / "scifact" / "queries_train.jsonl").exists():
        raise SystemExit(f"{SHARED} is absent: this benchmark needs ../shared for its queries")

    from rag import Library, Settings

    lines = (SHARED / "eval" / "scifact" / "queries_train.jsonl").read_text(encoding="utf-8").splitlines()
    queries = [json.loads(line)["text"] for line in lines[: args.queries]]
    source = Library(Settings(index_dir=args.source, encoder_backend=args.backend))
    work = args.work or Path(tempfile.mkdtemp(prefix="papers-latency-"))
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        lib = Library(Settings(index_dir=work / f"n{size}", encoder_backend=args.backend), embedder=source.embedder)
        built = {"write_s": float("nan"), "bm25_s": float("nan")}
        if not (lib.store.exists() and lib.store.count() >= size):
            shutil.rmtree(work / f"n{size}", ignore_errors=True)
            lib = Library(Settings(index_dir=work / f"n{size}", encoder_backend=args.backend), embedder=source.embedder)
            built = build_synthetic(source, lib, size)
        t = time.perf_counter()
        lib.engine.lexical.current()
        load_s = time.perf_counter() - t
        row = {"chunks": lib.store.count(), **built, "bm25_load_s": load_s, **measure(lib, queries, args.asks)}
        row.update(one_paper_ingest(lib, work))
        row["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(row)
        print(json.dumps(row), flush=True)

    cols = ["chunks", "hybrid p50", "hybrid p95", "hybrid cpu p50", "dense p50", "bm25 p50", "encode p50",
            "search+enc p50", "search+enc p95", "ask p50", "ask p95", "ask cpu p50", "bm25_s", "write_s",
            "ingest_1_s", "ingest_1_excl_encoder_s", "bm25_update_s", "ingest_1_catchup_s", "remove_1_s",
            "bm25_remove_s", "rss_mb"]  # fmt: skip
    print(
        "\nlatency in ms (search = hybrid, top_k default, no filters); build times in s (bm25_s: full build; "
        "ingest_1_s: one more paper, of which bm25_update_s; ingest_1_catchup_s: the same, encoder excluded, "
        "with BM25 catching up from Chroma; remove_1_s: removing it again, of which bm25_remove_s); peak RSS"
    )
    print(" | ".join(f"{c:>14}" for c in cols))
    for row in rows:
        print(" | ".join(f"{row[c]:>14.1f}" if isinstance(row[c], float) else f"{row[c]:>14}" for c in cols))
    base = rows[0]
    for row in rows[1:]:
        growth = row["hybrid p50"] / base["hybrid p50"]
        print(f"growth {base['chunks']} → {row['chunks']} chunks (×{row['chunks'] / base['chunks']:.0f}): "
              f"search p50 ×{growth:.2f}, ask p50 ×{row['ask p50'] / base['ask p50']:.2f}")  # fmt: skip
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
