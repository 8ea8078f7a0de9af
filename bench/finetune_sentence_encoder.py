"""Measure what the packaged MiniLM, fine-tuned on (question, answer sentence) pairs, adds to the answer scorer.

    python -m bench.finetune_sentence_encoder --work W/pdfs                  # folds by question
    python -m bench.finetune_sentence_encoder --work W/pdfs --folds paper    # folds by paper: unseen papers

The linear scorer (bench/train_answer_scorer.py) has stopped gaining from surface features; its similarity
signal is MiniLM's cosine, which was not trained to tell the sentence that answers from the sentences about
the same thing. Here a copy of all-MiniLM-L6-v2 is fine-tuned as a bi-encoder on the train split (the
product's own candidate pools, as the scorer sees them: each question with a sentence holding its answer and
the three non-answers MiniLM finds most similar; in-batch negatives too), and its cosine joins the scorer's
features. Cross-fitted: the train questions' fine-tuned cosines come from a model fitted on the other half
(split by question, or by paper), so the scorer weighs the signal as it will be on unseen questions; the dev
questions' from a model fitted on all train questions. Prints top-1 (the best sentence holds the answer) on
train (out of fold) and dev, with and without it, and each cosine alone. Nothing is written: the answerer
does not use it (shipping it needs the weights under 25 MB, e.g. an int8 ONNX export, and its own sentence
vectors at query time).
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.train_answer_scorer import Listwise, examples, fitted_on, items, libraries, top_holds  # noqa: E402

HARD_NEGATIVES = 3  # non-answers per (question, answer) pair, the ones MiniLM finds most similar
SCALE = 20.0  # cosine → logit in the in-batch softmax (sentence-transformers' MultipleNegativesRankingLoss)


class Row:
    """One question's candidate pool: its features, labels, texts, and the key that folds it."""

    def __init__(self, item, x: np.ndarray, y: np.ndarray, texts: list[str]) -> None:
        self.question, self.split, self.x, self.y, self.texts = item.question, item.split, x, y, texts
        self.paper = item.targets[0][0][0]


def rows(work: Path) -> list[Row]:
    libs = libraries(work)
    out = []
    for item in items():
        if item.corpus in libs:
            x, y, candidates, _ = examples(libs[item.corpus], item)
            if fitted_on(item, candidates) and len(candidates):
                out.append(Row(item, x, y, [c.text for c in candidates]))
    return out


def triplets(pool: list[Row]) -> list[tuple[str, str, str]]:
    from rag.answers.features import FEATURES

    cosine = FEATURES.index("cosine")
    out = []
    for r in pool:
        if not r.y.any() or r.y.all():
            continue
        answers = [t for t, label in zip(r.texts, r.y, strict=True) if label][:2]
        ranked = sorted(((r.x[i, cosine], t) for i, t in enumerate(r.texts) if not r.y[i]), reverse=True)
        out += [(r.question, a, n) for a in answers for _, n in ranked[:HARD_NEGATIVES]]
    return out


def finetune(base, pool: list[Row], *, epochs: int, lr: float, batch: int = 16):
    import torch

    model = copy.deepcopy(base)
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    pairs = triplets(pool)

    def embed(texts: list[str]):
        features = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 6
        return torch.nn.functional.normalize(model(features(texts))["sentence_embedding"], dim=-1)

    for _ in range(epochs):
        random.shuffle(pairs)
        for i in range(0, len(pairs), batch):
            b = pairs[i : i + batch]
            logits = embed([q for q, _, _ in b]) @ embed([a for _, a, _ in b] + [n for _, _, n in b]).T * SCALE
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(b)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()
    return model


def cosines(model, pool: list[Row]) -> dict[int, np.ndarray]:
    questions = sorted({r.question for r in pool})
    texts = sorted({t for r in pool for t in r.texts})
    qv = dict(zip(questions, model.encode(questions, normalize_embeddings=True, batch_size=64), strict=True))
    sv = dict(zip(texts, model.encode(texts, normalize_embeddings=True, batch_size=64), strict=True))
    return {id(r): np.array([float(qv[r.question] @ sv[t]) for t in r.texts], dtype=np.float32) for r in pool}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/papers-eval-answers/pdfs"), help="index folder")
    ap.add_argument("--folds", choices=["question", "paper"], default="question")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=2e-5)
    args = ap.parse_args(argv)

    import torch

    from rag import Library, Settings
    from rag.answers.features import FEATURES

    random.seed(0)
    torch.manual_seed(0)
    data = rows(args.work)
    base = Library(Settings(index_dir=args.work / "index")).engine.embedder.model
    train = [r for r in data if r.split == "train"]
    dev = [r for r in data if r.split == "dev"]

    def fold(r: Row) -> int:
        return zlib.crc32((r.paper if args.folds == "paper" else r.question).encode()) % 2

    started = time.perf_counter()
    tuned: dict[int, np.ndarray] = {}
    for f in (0, 1):
        model = finetune(base, [r for r in train if fold(r) != f], epochs=args.epochs, lr=args.lr)
        tuned |= cosines(model, [r for r in train if fold(r) == f])
    tuned |= cosines(finetune(base, train, epochs=args.epochs, lr=args.lr), dev)
    print(f"{len(train)} train / {len(dev)} dev questions, folds by {args.folds}; "
          f"three fine-tunes in {time.perf_counter() - started:.0f} s")  # fmt: skip

    def with_tuned(r: Row) -> np.ndarray:
        c = tuned[id(r)]
        return np.column_stack([r.x, c, c - c.max()])

    def top1(score, pool: list[Row]) -> float:
        return float(np.mean([top_holds(score(r), r.y, 1) for r in pool if r.y.any()]))

    for c in (0.1, 0.3, 1.0):
        for name, rows_x in (("scorer", lambda r: r.x), ("scorer + fine-tuned cosine", with_tuned)):
            model = Listwise(c).fit([(rows_x(r), r.y) for r in train])
            train_top, dev_top = (top1(lambda r, m=model, f=rows_x: m.decision_function(f(r)), p) for p in (train, dev))
            print(f"C={c}: {name:<28} top-1 train (out of fold) {train_top:.3f}  dev {dev_top:.3f}")
    cosine = FEATURES.index("cosine")
    for name, pool in (("train (out of fold)", train), ("dev", dev)):
        print(
            f"{name}: top-1 by cosine alone, MiniLM {top1(lambda r: r.x[:, cosine], pool):.3f}, "
            f"fine-tuned {top1(lambda r: tuned[id(r)], pool):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
