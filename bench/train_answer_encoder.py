"""Fit the answer encoder: the packaged MiniLM fine-tuned to tell the sentence that answers a question from
the sentences about the same thing, shipped as int8 ONNX in rag/answers/answer_encoder/.

    python -m bench.train_answer_encoder --work W/pdfs            # fit, write the model and the fold models
    python -m bench.train_answer_encoder --work W/pdfs --dry-run  # report only

The answer scorer (bench/train_answer_scorer.py) weighs MiniLM's cosine, which was trained to find text
about a question, not the sentence that answers it; its surface features stopped gaining. Here a copy of
all-MiniLM-L6-v2 is fine-tuned as a bi-encoder on the train split, on the product's own candidate pools as
the scorer sees them: each question with a sentence holding its answer and the three non-answers MiniLM finds
most similar (in-batch negatives too). Its cosine joins the scorer's features (`answer_cosine`).

Cross-fitted: two more models are fitted, each on the train questions of half the papers (split by a hash
of the paper id) and written to W/answer-encoder/fold-N. The scorer and answerability fits read a train
question's answer cosine from the model that never saw its paper, so they weigh the signal as it is on
unseen papers; dev questions read the shipped one (fitted on all train questions). Prints top-1 (the best
sentence holds the answer) on train (out of fold) and dev: by each cosine alone, and by the scorer with and
without the answer cosine, all with the int8 models as shipped.
"""

from __future__ import annotations

import argparse
import copy
import functools
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.train_answer_scorer import (  # noqa: E402
    CORPUS_WEIGHTS,
    Libraries,
    Listwise,
    corpus_weights,
    examples,
    fitted_on,
    fold_of,
    folds_dir,
    items,
    top_holds,
)

HARD_NEGATIVES = 3  # non-answers per (question, answer) pair, the ones MiniLM finds most similar
SCALE = 20.0  # cosine → logit in the in-batch softmax (sentence-transformers' MultipleNegativesRankingLoss)


class Row:
    """One question's candidate pool: its features, labels, texts, and the key that folds it."""

    def __init__(self, item, x: np.ndarray, y: np.ndarray, texts: list[str]) -> None:
        self.question, self.split, self.x, self.y, self.texts = item.question, item.split, x, y, texts
        self.paper, self.corpus = item.paper, item.corpus


def rows(work: Path) -> list[Row]:
    libs = Libraries(work, answer_encoder="none")  # its own cosine is what is being fitted
    out = []
    for item in items():
        if item.corpus in libs:
            x, y, candidates, _ = examples(libs[item.corpus], item)
            if fitted_on(item, candidates) and len(candidates):
                out.append(Row(item, x, y, [c.text for c in candidates]))
    return out


def triplets(pool: list[Row], repeats: dict[str, float], negatives: int = HARD_NEGATIVES) -> list[tuple[str, str, str]]:
    """(question, answer, near miss) triplets, `negatives` near misses per answer; a question of a corpus in
    `repeats` is seen that many times."""
    from rag.answers.features import FEATURES

    cosine = FEATURES.index("cosine")
    out = []
    for r in pool:
        if not r.y.any() or r.y.all():
            continue
        answers = [t for t, label in zip(r.texts, r.y, strict=True) if label][:2]
        ranked = sorted(((r.x[i, cosine], t) for i, t in enumerate(r.texts) if not r.y[i]), reverse=True)
        times = round(repeats.get(r.corpus, 1))
        out += [(r.question, a, n) for a in answers for _, n in ranked[:negatives]] * times
    return out


def finetune(
    base,
    pool: list[Row],
    *,
    epochs: int,
    lr: float,
    repeats: dict[str, float],
    negatives: int = HARD_NEGATIVES,
    batch: int = 16,
):
    import torch

    model = copy.deepcopy(base)
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    pairs = triplets(pool, repeats, negatives)

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


def soup(base, pool: list[Row], *, seeds: list[int], **options):
    """The fine-tunes of `seeds` (each its own shuffle) averaged weight by weight: a uniform model soup (Wortsman
    et al., 2022). Refits differ by seed about as much as the effects measured; fine-tunes of one checkpoint average
    into one model of the same size. Two seeds: dev top-1 by its cosine 0.582 -> 0.601, but the answers of the full
    refit on it were no better (session 30's note on issue 16)."""
    import torch

    if len(seeds) == 1:  # as seeded once in `main`, so a refit of one seed is the same as before soups
        return finetune(base, pool, **options)
    models = []
    for seed in seeds:
        random.seed(seed)
        torch.manual_seed(seed)
        models.append(finetune(base, pool, **options))
    states = [m.state_dict() for m in models]
    averaged = {
        key: torch.stack([s[key].float() for s in states]).mean(0).to(v.dtype) if v.is_floating_point() else v
        for key, v in states[0].items()
    }
    models[0].load_state_dict(averaged)
    return models[0]


def export(model, folder: Path) -> Path:
    """The fine-tuned model as the product reads it (`rag.answers.answer_encoder`): int8 ONNX, tokenizer,
    configs; written beside `folder` and swapped in whole."""
    from rag.answers.answer_encoder import CONFIG_FILES, MODEL_FILE
    from rag.index.onnx_encoder import export_onnx, quantize_int8

    staging = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "model"
        model.save(str(saved))
        fp32 = export_onnx(saved, Path(tmp) / "model.onnx")
        for name in CONFIG_FILES:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(saved / name, staging / name)
        quantize_int8(fp32, staging / MODEL_FILE)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return folder


def cosines(encoder, pool: list[Row]) -> dict[int, np.ndarray]:
    questions = sorted({r.question for r in pool})
    texts = sorted({t for r in pool for t in r.texts})
    qv = dict(zip(questions, encoder.encode(questions), strict=True))
    sv = dict(zip(texts, encoder.encode(texts), strict=True))
    return {id(r): np.array([float(qv[r.question] @ sv[t]) for t in r.texts], dtype=np.float32) for r in pool}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/papers-eval-answers/pdfs"), help="index folder")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--dry-run", action="store_true", help="write the models to a temporary folder only")
    ap.add_argument(
        "--negatives",
        type=int,
        default=HARD_NEGATIVES,
        help="near misses per answer (%(default)s); fit time grows in proportion",
    )
    ap.add_argument(
        "--seed", type=int, default=0, help="seeds shuffling and fine-tunes (refits differ by seed: compare a few)"
    )
    ap.add_argument(
        "--soup", type=int, default=1, help="fine-tunes averaged into each model, seeds --seed, --seed+1, … (time x N)"
    )
    ap.add_argument(
        "--weight", default=CORPUS_WEIGHTS, help="times a train question of a corpus is seen: 'pdfs=3' (%(default)r)"
    )
    args = ap.parse_args(argv)

    import torch

    from rag import Library, Settings
    from rag.answers import answer_encoder
    from rag.answers.features import FEATURES

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    repeats = corpus_weights(args.weight)
    data = rows(args.work)
    base = Library(Settings(index_dir=args.work / "index")).engine.embedder.model
    train = [r for r in data if r.split == "train"]
    dev = [r for r in data if r.split == "dev"]
    keep = [i for i, name in enumerate(FEATURES) if not name.startswith("answer_")]  # the scorer without it

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) if args.dry_run else folds_dir(args.work)
        shipped = Path(scratch) / "shipped" if args.dry_run else answer_encoder.PACKAGED
        tuned: dict[int, np.ndarray] = {}
        seeds = list(range(args.seed, args.seed + args.soup))
        tune = functools.partial(
            soup, base, seeds=seeds, epochs=args.epochs, lr=args.lr, repeats=repeats, negatives=args.negatives
        )
        for f in (0, 1):
            folder = export(tune([r for r in train if fold_of(r.paper) != f]), out / f"fold-{f}")
            tuned |= cosines(answer_encoder.load(folder), [r for r in train if fold_of(r.paper) == f])
        folder = export(tune(train), shipped)
        tuned |= cosines(answer_encoder.load(folder), dev)
        size = (folder / answer_encoder.MODEL_FILE).stat().st_size / 1e6
    print(f"{len(train)} train / {len(dev)} dev questions; {3 * args.soup} fine-tunes and int8 exports in "
          f"{time.perf_counter() - started:.0f} s; the model is {size:.1f} MB"
          + ("" if args.dry_run else f", written to {shipped}"))  # fmt: skip

    def without(r: Row) -> np.ndarray:
        return r.x[:, keep]

    def with_tuned(r: Row) -> np.ndarray:
        c = tuned[id(r)]
        return np.column_stack([without(r), c, c - c.max()])

    def top1(score, pool: list[Row]) -> float:
        return float(np.mean([top_holds(score(r), r.y, 1) for r in pool if r.y.any()]))

    for c in (0.1, 0.3, 1.0):
        for name, rows_x in (("scorer", without), ("scorer + answer cosine", with_tuned)):
            model = Listwise(c).fit([(rows_x(r), r.y) for r in train], [repeats.get(r.corpus, 1.0) for r in train])
            train_top, dev_top = (top1(lambda r, m=model, f=rows_x: m.decision_function(f(r)), p) for p in (train, dev))
            print(f"C={c}: {name:<24} top-1 train (out of fold) {train_top:.3f}  dev {dev_top:.3f}")
    cosine = FEATURES.index("cosine")
    for name, pool in (("train (out of fold)", train), ("dev", dev)):
        print(
            f"{name}: top-1 by cosine alone, MiniLM {top1(lambda r: r.x[:, cosine], pool):.3f}, "
            f"answer encoder {top1(lambda r: tuned[id(r)], pool):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
