"""Stress: N concurrent ask/search clients while an ingest writes to the same index, then a consistency check.

    python -m bench.stress --clients 4 --duration 60 --ingest-papers 300
    python -m bench.stress --url http://127.0.0.1:7860 --clients 4 --duration 30   # a running `papers serve`

Clients are threads against one `Library` (the way the web app serves them), or HTTP clients of a running
app's API (gradio_client, 127.0.0.1 only). The ingest runs in a thread of this process (same Library
object), adding abstracts from ../shared/eval/scifact/corpus.jsonl when present, else generated text.
Reports requests, errors, p50/p95 latency per operation, and `doctor` on the index afterwards.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "data" / "papers.jsonl"
SCIFACT = REPO.parent / "shared" / "eval" / "scifact" / "corpus.jsonl"

QUESTIONS = [
    "How does NOVER avoid an external verifier?",
    "What reward shaping makes reasoning more efficient?",
    "Which paper studies safety subspaces during fine-tuning?",
    "哪篇论文提出了无需外部验证器的强化学习方法？",
    "How does TinyV reduce false negatives in verification?",
    "diffusion tensor imaging of newborn white matter",
    "What is pixel-space reasoning?",
]


def ingest_corpus(path: Path, n: int) -> Path:
    """n abstracts as JSONL: SciFact when available, else generated (deterministic) text."""
    rows = []
    if SCIFACT.exists():
        with SCIFACT.open(encoding="utf-8") as handle:
            for line, _ in zip(handle, range(n), strict=False):
                r = json.loads(line)
                rows.append({"id": f"scifact:{r['_id']}", "title": r["title"], "abstract": r["text"]})
    rng = random.Random(0)
    words = "model data learning reasoning protein cell signal graph network policy reward gene".split()
    while len(rows) < n:
        i = len(rows)
        text = " ".join(rng.choice(words) for _ in range(180))
        rows.append({"id": f"gen:{i}", "title": f"Generated paper {i}", "abstract": text})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, help="index to use (default: a temporary copy built from data/)")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients (max 32)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (max 600)")
    ap.add_argument("--max-requests", type=int, default=2000, help="stop after this many requests in total")
    ap.add_argument("--ingest-papers", type=int, default=300, help="abstracts ingested during the run (0: none)")
    ap.add_argument("--url", help="a running app, e.g. http://127.0.0.1:7860 (127.0.0.1/localhost only)")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)
    clients = max(1, min(args.clients, 32))
    duration = max(1.0, min(args.duration, 600.0))
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        ap.error("--url must point at this machine (http://127.0.0.1:PORT)")

    from rag import Library, Settings

    tmp = Path(tempfile.mkdtemp(prefix="papers-stress-"))
    try:
        index = args.index or tmp / "index"
        library = Library(Settings(index_dir=index))
        if not args.index:
            library.ingest([str(BUNDLED)])
        if not args.url:
            library.search("warm up", k=1)

        lat: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        count = [0]
        lock = threading.Lock()
        stop = threading.Event()
        ingest_stats: dict[str, float] = {}

        def client(n: int) -> None:
            rng = random.Random(n)
            call = _http_caller(args.url) if args.url else None
            while not stop.is_set():
                with lock:
                    if count[0] >= args.max_requests:
                        return
                    count[0] += 1
                op = "ask" if rng.random() < 0.5 else "search"
                q = rng.choice(QUESTIONS)
                t0 = time.perf_counter()
                try:
                    if call:
                        call(op, q)
                    elif op == "ask":
                        if not library.ask(q).text.strip():
                            raise AssertionError("empty answer")
                    elif not library.search(q, k=5):
                        raise AssertionError("no hits")
                except Exception as exc:  # counted and reported, never fatal
                    with lock:
                        errors.append(f"{op}: {type(exc).__name__}: {str(exc)[:200]}")
                with lock:
                    lat[op].append(time.perf_counter() - t0)

        def ingest() -> None:
            corpus = ingest_corpus(tmp / "stress.jsonl", args.ingest_papers)
            t0 = time.perf_counter()
            try:
                report = library.ingest([str(corpus)])
                ingest_stats.update(added=len(report.added), chunks=report.chunks, failed=len(report.failed))
            except Exception as exc:
                errors.append(f"ingest: {type(exc).__name__}: {exc}")
            ingest_stats["seconds"] = round(time.perf_counter() - t0, 1)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        writer = threading.Thread(target=ingest, daemon=True) if args.ingest_papers else None
        t_start = time.perf_counter()
        if writer:
            writer.start()
        for t in threads:
            t.start()
        deadline = t_start + duration
        while time.perf_counter() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        if writer:
            writer.join()  # the consistency check needs the ingest finished
        wall = time.perf_counter() - t_start

        check = Library(Settings(index_dir=index)).doctor()
        everything = [x for v in lat.values() for x in v]
        summary = {
            "clients": clients,
            "mode": "http" if args.url else "threads",
            "seconds": round(wall, 1),
            "requests": len(everything),
            "errors": len(errors),
            "error_samples": errors[:5],
            "throughput_rps": round(len(everything) / wall, 2) if wall else 0.0,
            "p50_s": round(percentile(everything, 0.5), 3),
            "p95_s": round(percentile(everything, 0.95), 3),
            "by_op": {
                op: {"n": len(v), "p50_s": round(percentile(v, 0.5), 3), "p95_s": round(percentile(v, 0.95), 3)}
                for op, v in lat.items()
            },
            "ingest": ingest_stats,
            "consistent": check.ok,
            "problems": [p.detail for p in check.problems],
            "papers": check.papers,
            "chunks": check.chunks,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for key, value in summary.items():
            print(f"{key:<15} {value}")
    return 0 if summary["errors"] == 0 and summary["consistent"] else 1


def _http_caller(url: str):
    """One gradio_client per client thread, calling the app's public `ask` / `search` API."""
    from gradio_client import Client

    client = Client(url, verbose=False)

    def call(op: str, q: str) -> None:
        result = client.predict(q, api_name=f"/{op}")
        if not result:
            raise AssertionError(f"empty {op} result")

    return call


if __name__ == "__main__":
    sys.exit(main())
