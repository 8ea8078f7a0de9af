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
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHARED = Path(__file__).resolve().parents[2] / "shared"
SIGMA = 0.02


def build_synthetic(source, target, size: int, seed: int = 0) -> dict[str, float]:
    """Fill `target` (an empty Library) with `size` chunks copied from `source`; returns timings."""
    rng = np.random.default_rng(seed)
    raw = _raw_collections(source.settings)  # vectors and rows as stored, copied with noise below
    src = raw[0].get(include=["metadatas", "documents", "embeddings"])
    ids, docs, metas = src["ids"], src["documents"], src["metadatas"]
    vecs = np.asarray(src["embeddings"], dtype=np.float32)
    papers = raw[1].get(include=["metadatas", "documents", "embeddings"])
    target.store.open_for_write(target.settings.embed_model, vecs.shape[1])
    chunks, catalogue = _raw_collections(target.settings)
    step = 5000
    t0 = time.perf_counter()
    pv = np.asarray(papers["embeddings"], dtype=np.float32)
    buf: dict[str, list] = {"ids": [], "embeddings": [], "metadatas": [], "documents": []}
    pbuf: dict[str, list] = {"ids": [], "embeddings": [], "metadatas": [], "documents": []}

    def flush(collection, rows: dict[str, list], force: bool = False) -> None:
        if rows["ids"] and (force or len(rows["ids"]) >= step):
            collection.add(
                ids=rows["ids"],
                embeddings=np.vstack(rows["embeddings"]),
                metadatas=rows["metadatas"],
                documents=rows["documents"],
            )
            for v in rows.values():
                v.clear()

    written, copy = 0, 0
    while written < size:
        n = min(len(ids), size - written)
        noisy = vecs[:n] + rng.normal(0, SIGMA, size=(n, vecs.shape[1])).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        for i in range(n):
            meta = dict(metas[i])
            meta["paper_id"] = f"{meta['paper_id']}~{copy}"
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
        for j, pid in enumerate(papers["ids"]):
            pbuf["ids"].append(f"{pid}~{copy}")
            pbuf["embeddings"].append(pv[j])
            pbuf["metadatas"].append(papers["metadatas"][j])
            pbuf["documents"].append(papers["documents"][j])
            flush(catalogue, pbuf)
        written += n
        copy += 1
    flush(chunks, buf, force=True)
    flush(catalogue, pbuf, force=True)
    t_write = time.perf_counter() - t0
    target.store.bump_revision()
    t0 = time.perf_counter()
    target.engine.refresh()  # BM25 rebuilt from Chroma, as after any ingest
    return {"write_s": t_write, "bm25_s": time.perf_counter() - t0}


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
    """Seconds to ingest one new abstract into the big index, and the BM25 update's share of it (BM25
    re-reads and re-tokenises only the changed paper, then rebuilds its matrix from stored token ids)."""
    path = work / "one-more-paper.jsonl"
    stamp = time.time_ns()
    path.write_text(
        json.dumps({"id": f"bench:{stamp}", "title": f"Latency probe {stamp}", "abstract": "MicroRNA in tumours."})
        + "\n",
        encoding="utf-8",
    )
    timed = {"bm25": 0.0}
    lexical = library.engine.lexical

    def timing(method):
        def timed_call(*args, **kwargs):
            t = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                timed["bm25"] += time.perf_counter() - t

        return timed_call

    library.embedder.encode(["warm-up"])  # loading the model is not ingest time
    # BM25 follows a write from the rows the writer hands it (follow), or catches up from Chroma (_update)
    lexical._update, lexical.follow = timing(lexical._update), timing(lexical.follow)  # type: ignore[method-assign]
    try:
        t = time.perf_counter()
        library.ingest([str(path)])
        total = time.perf_counter() - t
        bm25_add, timed["bm25"] = timed["bm25"], 0.0
        t = time.perf_counter()
        library.remove(f"bench:{stamp}")
        removal = time.perf_counter() - t
    finally:
        del lexical._update, lexical.follow
    return {"ingest_1_s": total, "bm25_update_s": bm25_add, "remove_1_s": removal, "bm25_remove_s": timed["bm25"]}


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
    # Ask as after an ingest: ingest stores every quotable sentence's vector in the embedding cache, so
    # a fresh cache gets exactly the sentences of the passages each question reads (the synthetic index
    # was written without them), then a fresh in-memory bank reads them from disk as a new process would.
    from rag.answers.scoring import DEFAULT_SCORING
    from rag.indexer import quotable_sentences

    scratch = Path(tempfile.mkdtemp(prefix="papers-ask-cache-"))
    library.engine.use_cache_dir(scratch)
    for q in queries[:asks]:
        hits = library.search(q, k=DEFAULT_SCORING.pool_passages)
        library.engine.encode_passages(quotable_sentences(h.text for h in hits if h.kind != "zh"))
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
            "ingest_1_s", "bm25_update_s", "remove_1_s", "bm25_remove_s", "rss_mb"]  # fmt: skip
    print(
        "\nlatency in ms (search = hybrid, top_k default, no filters); build times in s (bm25_s: full build; "
        "ingest_1_s: one more paper, of which bm25_update_s; remove_1_s: removing it again, of which "
        "bm25_remove_s); peak RSS of this process"
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
