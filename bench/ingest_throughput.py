"""Ingest throughput: the full pipeline (parse, chunk, embed, Chroma + catalogue + BM25) vs raw encode.

    python -m bench.ingest_throughput [--abstracts 1500] [--work DIR] [--backend torch|onnx]

Corpus: the PDFs in ../shared/pdfs (plus odd/pypdf-samples-GeoTopo-komprimiert.pdf) and the first N SciFact
abstracts written as a JSONL of abstracts. Runs, in one process and on one loaded model:
  1. pipeline, cold: `Library.ingest` into a fresh index with a fresh embedding cache (every chunk encoded);
  2. raw: `SentenceTransformer.encode` of exactly the texts the pipeline embedded (same batch size);
  3. pipeline, warm cache: a second fresh index sharing run 1's embedding cache (nothing re-encoded),
     reported separately so the cache never flatters run 1.
The ratio pipeline/raw is the target (≥ 0.85).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHARED = Path(__file__).resolve().parents[2] / "shared"


def corpus(work: Path, n_abstracts: int) -> list[str]:
    """Input paths for `Library.ingest`: the real PDFs and a JSONL of SciFact abstracts."""
    pdfs = [*sorted((SHARED / "pdfs").glob("*.pdf")), SHARED / "pdfs" / "odd" / "pypdf-samples-GeoTopo-komprimiert.pdf"]
    pdfs = [p for p in pdfs if p.exists()]
    out = work / "scifact_abstracts.jsonl"
    with (SHARED / "eval" / "scifact" / "corpus.jsonl").open(encoding="utf-8") as src, out.open("w") as dst:
        for n, line in enumerate(src):
            if n >= n_abstracts:
                break
            doc = json.loads(line)
            title = doc.get("title") or " ".join(doc["text"].split()[:12])
            dst.write(json.dumps({"id": f"scifact-{doc['_id']}", "title": title, "abstract": doc["text"]}) + "\n")
    return [str(p) for p in pdfs] + [str(out)]


def embedded_texts(library, inputs: list[str]) -> list[str]:
    """Exactly the strings the pipeline hands the encoder (re-parsed, re-chunked)."""
    from ingest.chunking import chunk_paper
    from ingest.models import Paper
    from ingest.sources import expand_inputs, load_input
    from rag.index.passages import embed_text

    s = library.settings
    texts = []
    for item in expand_inputs(inputs):
        for paper in load_input(item):
            if isinstance(paper, Paper):
                chunks = chunk_paper(paper, s.chunk_size, s.chunk_overlap)
                texts += [embed_text(paper.title, c.text) for c in chunks]
    return texts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--abstracts", type=int, default=1500, help="SciFact abstracts to add (default 1500)")
    ap.add_argument("--work", type=Path, help="scratch folder (default: a temp dir, removed at the end)")
    ap.add_argument("--backend", default="torch", help="encoder_backend for the pipeline runs")
    args = ap.parse_args(argv)
    if not (SHARED / "eval" / "scifact" / "corpus.jsonl").exists():
        raise SystemExit(f"{SHARED} is absent: this benchmark needs ../shared")

    from rag import Library, Settings

    work = args.work or Path(tempfile.mkdtemp(prefix="papers-ingest-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    for old in ("cold", "warm"):
        shutil.rmtree(work / old, ignore_errors=True)
    inputs = corpus(work, args.abstracts)
    cold = Library(Settings(index_dir=work / "cold", encoder_backend=args.backend))
    model = cold.embedder.model if args.backend == "torch" else None
    cold.embedder.encode(["warm-up"])  # model load is not throughput

    start = time.perf_counter()
    report = cold.ingest(inputs)
    t_pipe = time.perf_counter() - start
    n = report.chunks

    texts = embedded_texts(cold, inputs)
    assert len(texts) == n, (len(texts), n)
    start = time.perf_counter()
    if model is not None:
        model.encode(texts, batch_size=cold.settings.embed_batch_size, normalize_embeddings=True)
    else:
        cold.embedder.encode(texts)
    t_raw = time.perf_counter() - start

    warm = Library(Settings(index_dir=work / "warm", encoder_backend=args.backend), embedder=cold.embedder)
    (work / "warm" / "cache").mkdir(parents=True, exist_ok=True)
    shutil.copy(work / "cold" / "cache" / "embeddings.sqlite", work / "warm" / "cache" / "embeddings.sqlite")
    start = time.perf_counter()
    warm.ingest(inputs)
    t_warm = time.perf_counter() - start

    print(
        f"corpus: {len(inputs) - 1} PDFs + {args.abstracts} SciFact abstracts → {len(report.added)} papers, {n} chunks"
    )
    print(f"backend: {args.backend}\n")
    print(f"{'run':<40} {'seconds':>9} {'chunks/s':>9}")
    for name, t in (
        ("pipeline, cold cache (parse→BM25)", t_pipe),
        (f"raw {'SentenceTransformer' if model else 'encoder'}.encode", t_raw),
        ("pipeline, warm embedding cache", t_warm),
    ):
        print(f"{name:<40} {t:>9.1f} {n / t:>9.1f}")
    print(f"\nratio pipeline/raw encode: {t_raw / t_pipe:.2f}  (target ≥ 0.85)")
    print(f"warm-cache speed-up over cold: {t_pipe / t_warm:.1f}×")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
