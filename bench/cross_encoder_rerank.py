"""Measure what a cross-encoder adds to choosing the answering sentence: the packaged MiniLM fine-tuned to read
a question and a candidate sentence together (one forward pass per pair), scoring the answer scorer's best
candidates again. Nothing is written to the product; this decides whether a reranker earns its query time.

    python -m bench.cross_encoder_rerank --work W/pdfs --rows-cache W/ce-rows.pkl

The answer scorer (bench/train_answer_scorer.py) is linear over features of each sentence and the bi-encoder
cosines (MiniLM's, and the answer encoder's): each text is embedded alone, so a word of the question is never
read against the sentence. A cross-encoder reads them together. It is fitted here, cross-fitted as the answer
encoder is: one model per half of the train papers (`fold_of`), each scoring the other half's questions, so
the combination is fitted on scores as they are on unseen papers; dev questions read the mean of the two.
Fitted listwise: each (question, answer) with its `--negatives` near misses from the scorer's own top
candidates, a softmax over them. Prints top-1 and top-3 (a sentence holding the answer among the best 1 or 3)
on train (out of fold) and dev: the shipped scorer, the cross-encoder alone on the scorer's top `--depth`, and
the two combined (a listwise fit of the scorer's decision and the cross-encoder's score).

Measured 2026-12-07 (session 38, /tmp/W4 indexes, the packaged all-MiniLM-L6-v2 as the base, defaults:
2 epochs, lr 3e-5, 7 near misses, top 20; 47 minutes on 2 cores), top-1 / top-3:

    train, out of fold (1144)   scorer 0.677 / 0.854   cross-encoder 0.386 / 0.616   combined 0.677 / 0.855
    dev (417)                   scorer 0.676 / 0.861   cross-encoder 0.398 / 0.631   combined 0.679 / 0.861

Fitted from a bi-encoder's weights on about a thousand questions, the cross-encoder ranks far below the scorer
and adds nothing to it (combined +0.003 dev top-1, one question): no reranker is shipped. A cross-encoder
pretrained on question-passage pairs (cross-encoder/ms-marco-MiniLM-L-6-v2, not reachable here) may start
far higher: pass it as `--base`.
"""

from __future__ import annotations

import argparse
import pickle
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.train_answer_scorer import (  # noqa: E402
    Libraries,
    Listwise,
    examples,
    fitted_on,
    fold_of,
    items,
    top_holds,
)

DEPTH = 20  # the scorer's best candidates the cross-encoder scores again


@dataclass
class Pool:
    """One question's candidates as the shipped scorer ranks them, cut to its best `depth`."""

    question: str
    split: str
    paper: str
    decision: np.ndarray  # the shipped scorer's decision
    y: np.ndarray  # holds the answer
    texts: list[str]


def collected(work: Path, depth: int) -> list[Pool]:
    from rag.answers.features import FEATURES
    from rag.answers.scorer import load

    scorer = load("scorer_weights.json", tuple(FEATURES))
    libs = Libraries(work)  # train questions read the answer encoder of the fold that never saw their paper
    out = []
    for item in items():
        if item.corpus not in libs:
            continue
        x, y, candidates, _ = examples(libs.of(item), item)
        if not len(candidates) or not fitted_on(item, candidates):
            continue
        decision = scorer.decision(x)
        best = np.argsort(-decision)[:depth]
        out.append(
            Pool(item.question, item.split, item.paper, decision[best], y[best], [candidates[i].text for i in best])
        )
    return out


def pools(args: argparse.Namespace) -> list[Pool]:
    if args.rows_cache and args.rows_cache.exists():
        return pickle.loads(args.rows_cache.read_bytes())
    out = collected(args.work, args.depth)
    if args.rows_cache:
        args.rows_cache.write_bytes(pickle.dumps(out))
    return out


def finetune(base_path: str, train: list[Pool], *, epochs: int, lr: float, negatives: int, batch: int):
    """A cross-encoder (MiniLM with a one-score head) fitted listwise: per (question, answer), a softmax over
    the answer and the question's `negatives` best-scored non-answers."""
    import torch
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(base_path, num_labels=1, max_length=160, device="cpu")
    net = model.model
    net.train()
    optimiser = torch.optim.AdamW(net.parameters(), lr=lr)
    groups = []
    for p in train:
        misses = [t for t, label in zip(p.texts, p.y, strict=True) if not label][:negatives]
        if len(misses) < negatives:
            continue
        groups += [(p.question, [a, *misses]) for a in [t for t, label in zip(p.texts, p.y, strict=True) if label][:2]]
    for _ in range(epochs):
        random.shuffle(groups)
        for i in range(0, len(groups), batch):
            b = groups[i : i + batch]
            pairs = [(q, t) for q, texts in b for t in texts]
            features = model.tokenizer(
                [q for q, _ in pairs], [t for _, t in pairs], padding=True, truncation=True,
                max_length=160, return_tensors="pt",
            )  # fmt: skip
            logits = net(**features).logits.view(len(b), negatives + 1)
            loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(b), dtype=torch.long))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    net.eval()
    return model


def scores(model, pool: list[Pool]) -> list[np.ndarray]:
    pairs = [(p.question, t) for p in pool for t in p.texts]
    flat = np.asarray(model.predict(pairs, batch_size=64, show_progress_bar=False), dtype=np.float32)
    out, at = [], 0
    for p in pool:
        out.append(flat[at : at + len(p.texts)])
        at += len(p.texts)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/papers-eval-answers/pdfs"), help="index folder")
    ap.add_argument("--rows-cache", type=Path, default=None, help="keep the collected candidate pools here")
    ap.add_argument("--depth", type=int, default=DEPTH, help="the scorer's best candidates scored again")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--negatives", type=int, default=7, help="near misses per (question, answer)")
    ap.add_argument("--batch", type=int, default=8, help="(question, answer) groups per step")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--base", default=None,
        help="a CrossEncoder (or transformer) name or folder to fine-tune; default: the index's embedding model",
    )  # fmt: skip
    args = ap.parse_args(argv)

    import torch

    from rag import Library, Settings

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    started = time.perf_counter()
    data = pools(args)
    print(f"{len(data)} candidate pools in {time.perf_counter() - started:.0f} s")
    embedder = Library(Settings(index_dir=args.work / "index")).engine.embedder
    base_path = args.base or embedder.model.tokenizer.name_or_path
    train = [p for p in data if p.split == "train"]
    dev = [p for p in data if p.split == "dev"]
    cross: dict[int, np.ndarray] = {}
    dev_scores = []
    started = time.perf_counter()
    for f in (0, 1):
        model = finetune(
            base_path, [p for p in train if fold_of(p.paper) != f],
            epochs=args.epochs, lr=args.lr, negatives=args.negatives, batch=args.batch,
        )  # fmt: skip
        held = [p for p in train if fold_of(p.paper) == f]
        cross |= dict(zip(map(id, held), scores(model, held), strict=True))
        dev_scores.append(scores(model, dev))
    for p, *s in zip(dev, *dev_scores, strict=True):
        cross[id(p)] = np.mean(s, axis=0)
    took = time.perf_counter() - started
    print(f"{len(train)} train / {len(dev)} dev questions; two fine-tunes and scoring in {took:.0f} s")

    def combined(p: Pool) -> np.ndarray:
        c = cross[id(p)]
        return np.column_stack([p.decision, c, c - c.max()])

    answerable = [p for p in train if p.y.any()]
    for c in (0.1, 1.0):
        model = Listwise(c).fit([(combined(p), p.y) for p in answerable], [1.0] * len(answerable))
        for name, pool in (("train (out of fold)", train), ("dev", dev)):
            kept = [p for p in pool if len(p.y)]
            rate = {
                "scorer": [np.mean([top_holds(p.decision, p.y, k) for p in kept]) for k in (1, 3)],
                "cross-encoder": [np.mean([top_holds(cross[id(p)], p.y, k) for p in kept]) for k in (1, 3)],
                "combined": [
                    np.mean([top_holds(model.decision_function(combined(p)), p.y, k) for p in kept]) for k in (1, 3)
                ],
            }
            print(
                f"C={c} {name} ({len(kept)}): "
                + "; ".join(f"{k} top-1 {a:.3f} top-3 {b:.3f}" for k, (a, b) in rate.items())
            )
        print(f"  weights (decision, cross, cross gap): {np.round(model.coef_, 3).tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
