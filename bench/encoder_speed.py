"""Encoder backends compared on the same passages: speed, drift from torch fp32, and retrieval agreement.

    python -m bench.encoder_speed [--passages 128] [--docs 1000] [--queries 100] [--threads 2]

Backends: torch fp32 (sentence-transformers, the reference), torch dynamic int8 (quantize_dynamic on the
Linear layers), ONNX Runtime fp32 and ONNX Runtime dynamic int8 (rag.index.onnx_encoder; exported once into
a temp folder). Speed: passages/s on SciFact abstracts (truncated to 256 tokens like ingest), wall and
per CPU-second (the latter is steadier on a shared machine). Quality: mean cosine to the fp32 vectors,
top-10 overlap with fp32's ranking, and dense nDCG@10 with SciFact's train qrels (the judged queries'
relevant abstracts plus --docs others as the corpus, ranked by cosine).
A backend is worth making the default only at ≥ 1.3× speed with no measurable retrieval loss.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHARED = Path(__file__).resolve().parents[2] / "shared"


def timed(fn, texts: list[str]) -> tuple[np.ndarray, float, float]:
    fn(texts[:8])  # warm-up
    t, c = time.perf_counter(), time.process_time()
    out = np.asarray(fn(texts), dtype=np.float32)
    return out, time.perf_counter() - t, time.process_time() - c


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=128)
    ap.add_argument("--docs", type=int, default=1000, help="unjudged abstracts added to the retrieval corpus")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args(argv)
    corpus_file = SHARED / "eval" / "scifact" / "corpus.jsonl"
    if not corpus_file.exists():
        raise SystemExit(f"{SHARED} is absent: this benchmark needs ../shared")

    import torch
    from sentence_transformers import SentenceTransformer

    from rag.index.models import resolve_model_path
    from rag.index.onnx_encoder import OnnxEncoder, export_onnx, quantize_int8

    torch.set_num_threads(args.threads)
    from bench.metrics import evaluate

    scifact = SHARED / "eval" / "scifact"
    qrels: dict[str, dict[str, int]] = {}
    for line in (scifact / "qrels" / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, doc, score = line.split("\t")
        qrels.setdefault(qid, {})[doc] = int(score)
    qrows = [json.loads(q) for q in (scifact / "queries_train.jsonl").read_text(encoding="utf-8").splitlines()]
    qrows = [q for q in qrows if q["_id"] in qrels][: args.queries]
    query_ids, queries = [q["_id"] for q in qrows], [q["text"] for q in qrows]
    wanted = {d for qid in query_ids for d in qrels[qid]}
    rows_all = [json.loads(line) for line in corpus_file.read_text(encoding="utf-8").splitlines()]
    chosen = [d for d in rows_all if d["_id"] in wanted]
    chosen += [d for d in rows_all if d["_id"] not in wanted][: args.docs]
    doc_ids = [d["_id"] for d in chosen]
    docs = [f"{d['title']}\n{d['text']}" for d in chosen]
    passages = [f"{d['title']}\n{d['text']}" for d in rows_all[: args.passages]]

    model_dir = Path(resolve_model_path("all-MiniLM-L6-v2"))
    st = SentenceTransformer(str(model_dir), device="cpu")
    st_int8 = SentenceTransformer(str(model_dir), device="cpu")
    torch.ao.quantization.quantize_dynamic(st_int8, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    assert any("quantized" in type(m).__module__ for m in st_int8.modules()), "int8 quantisation did not apply"
    tmp = Path(tempfile.mkdtemp(prefix="papers-onnx-"))
    t = time.perf_counter()
    fp32 = export_onnx(model_dir, tmp / "m.onnx")
    export_s = time.perf_counter() - t
    int8 = quantize_int8(fp32, tmp / "m.int8.onnx")
    onnx32 = OnnxEncoder(model_dir, fp32, threads=args.threads)
    onnx8 = OnnxEncoder(model_dir, int8, threads=args.threads)

    def st_fn(model):
        return lambda xs: model.encode(xs, batch_size=args.batch, normalize_embeddings=True)

    backends = {
        "torch fp32": st_fn(st),
        "torch int8 (dynamic)": st_fn(st_int8),
        "onnx fp32": lambda xs: onnx32.encode(xs, batch_size=args.batch),
        "onnx int8 (dynamic)": lambda xs: onnx8.encode(xs, batch_size=args.batch),
    }
    rows = []
    ref_p = ref_rank = None
    for name, fn in backends.items():
        vecs, wall, cpu = timed(fn, passages)
        d = np.asarray(fn(docs), dtype=np.float32)
        q = np.asarray(fn(queries), dtype=np.float32)
        order = np.argsort(-(q @ d.T), axis=1)[:, :100]
        runs = {qid: [doc_ids[i] for i in row] for qid, row in zip(query_ids, order, strict=True)}
        ndcg = evaluate(runs, qrels)["nDCG@10"]
        rank = order[:, :10]
        if ref_p is None:
            ref_p, ref_rank, ref_wall = vecs, rank, wall
        cos = float(np.mean(np.sum(vecs * ref_p, axis=1)))
        overlap = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(rank, ref_rank, strict=True)]))
        top1 = float(np.mean(rank[:, 0] == ref_rank[:, 0]))
        rows.append((name, len(passages) / wall, len(passages) / cpu, ref_wall / wall, cos, overlap, top1, ndcg))

    print(f"{len(passages)} SciFact passages (≤256 tokens), batch {args.batch}, {args.threads} threads")
    print(f"retrieval: {len(queries)} judged queries over {len(docs)} abstracts; ONNX export took {export_s:.1f} s")
    print(
        f"{'backend':<22} {'pass/s':>8} {'pass/cpu-s':>10} {'speed-up':>9} {'cos→fp32':>9} {'top10':>7} {'top1':>6}"
        f" {'nDCG@10':>8} {'ΔnDCG':>7}"
    )
    base_ndcg = rows[0][-1]
    for name, ps, pc, speed, cos, ov, t1, ndcg in rows:
        print(
            f"{name:<22} {ps:>8.1f} {pc:>10.1f} {speed:>8.2f}× {cos:>9.4f} {ov:>7.3f} {t1:>6.2f}"
            f" {ndcg:>8.3f} {ndcg - base_ndcg:>+7.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
