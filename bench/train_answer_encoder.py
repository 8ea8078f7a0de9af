"""Fit the answer encoder: the packaged MiniLM fine-tuned to tell the sentence that answers a question from
the sentences about the same thing, shipped as int8 ONNX in rag/answers/answer_encoder/.

    python -m bench.train_answer_encoder --work W/pdfs            # fit, write the model and the fold models
    python -m bench.train_answer_encoder --work W/pdfs --dry-run  # report only

The answer scorer (bench/train_answer_scorer.py) weighs MiniLM's cosine, which was trained to find text
about a question, not the sentence that answers it; its surface features stopped gaining. Here a copy of
all-MiniLM-L6-v2 is fine-tuned as a bi-encoder on the train split, on the product's own candidate pools as
the scorer sees them: each question with a sentence holding its answer and the three non-answers MiniLM finds
most similar (in-batch negatives too). Its cosine joins the scorer's features (`answer_cosine`).
The train split's unanswerable questions (bench/train_answerability.py's) join the fit against a learnt
cosine bar, one more column of each softmax: an answer must clear it, their three nearest sentences must
not (`--unanswerable-weight 1`; off by default). So the cosine also says whether the best sentence answers
at all, which declining reads (`subject_answer_cosine`): the dev ROC AUC of the best cosine, answerable vs
unanswerable, rose 0.770 -> 0.898 at the same top-1. Refitted with it (scorer, cues, answerability after),
unanswerable questions declined rose 11-14 points on every set, but answers fell 2-3 points with more false
declines, and the bundled corpus and SciFact got worse, so the shipped model is fitted without it (session 33's
note on issue 16).

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
    Item,
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
UNANSWERABLE_WEIGHT = 0.0  # the unanswerable questions' loss beside the answerable ones' (0: none; 1 measured,
# not shipped: more declines of unanswerable questions, fewer answers, bundled and SciFact worse; session 33)
UNANSWERABLE_BATCH = 4  # unanswerable questions per step, each with its HARD_NEGATIVES nearest sentences


class Row:
    """One question's candidate pool: its features, labels, texts, and the key that folds it."""

    def __init__(self, item, x: np.ndarray, y: np.ndarray, texts: list[str], paper: str | None = None) -> None:
        self.question, self.split, self.x, self.y, self.texts = item.question, item.split, x, y, texts
        self.paper, self.corpus = paper or item.paper, item.corpus


def rows(libs: Libraries) -> list[Row]:
    out = []
    for item in items():
        if item.corpus in libs:
            x, y, candidates, _ = examples(libs[item.corpus], item)
            if fitted_on(item, candidates) and len(candidates):
                out.append(Row(item, x, y, [c.text for c in candidates]))
    return out


def unanswerable_rows(libs: Libraries) -> list[Row]:
    """The unanswerable questions bench/train_answerability.py fits on, each with the candidate pool the
    scorer sees: no sentence of it answers."""
    from bench.train_answerability import unanswerable_items

    out = []
    for u in unanswerable_items():
        if u.corpus in libs:
            item = Item(u.question, [], u.split, u.corpus)
            x, y, candidates, _ = examples(libs[u.corpus], item)
            if len(candidates):
                out.append(Row(item, x, y, [c.text for c in candidates], paper=u.about))
    return out


def nearest(r: Row, negatives: int) -> list[str]:
    """The non-answers of `r` MiniLM finds most similar to its question: the near misses."""
    from rag.answers.features import FEATURES

    cosine = FEATURES.index("cosine")
    ranked = sorted(((r.x[i, cosine], t) for i, t in enumerate(r.texts) if not r.y[i]), reverse=True)
    return [t for _, t in ranked[:negatives]]


def triplets(pool: list[Row], repeats: dict[str, float], negatives: int = HARD_NEGATIVES) -> list[tuple[str, str, str]]:
    """(question, answer, near miss) triplets, `negatives` near misses per answer; a question of a corpus in
    `repeats` is seen that many times."""
    out = []
    for r in pool:
        if not r.y.any() or r.y.all():
            continue
        answers = [t for t, label in zip(r.texts, r.y, strict=True) if label][:2]
        times = round(repeats.get(r.corpus, 1))
        out += [(r.question, a, n) for a in answers for n in nearest(r, negatives)] * times
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
    unanswerable: list[Row] = (),
    unanswerable_weight: float = UNANSWERABLE_WEIGHT,
):
    """In-batch softmax over (question, answer, near miss) triplets. With `unanswerable` questions, each
    softmax gets one more column, a learnt cosine bar: an answer must score above it, and an unanswerable
    question's near misses below it. So the cosine gets an absolute scale, not only an order within a
    question, and the answerability fit can read it (`subject_answer_cosine`)."""
    import torch

    model = copy.deepcopy(base)
    model.train()
    bar = torch.nn.Parameter(torch.tensor(0.5))  # a cosine; learnt faster than the weights, from a usual one
    with_bar = bool(unanswerable) and unanswerable_weight > 0
    groups = [{"params": model.parameters(), "lr": lr}]
    groups += [{"params": [bar], "lr": 1e-3, "weight_decay": 0.0}] if with_bar else []
    optimiser = torch.optim.AdamW(groups)
    pairs = triplets(pool, repeats, negatives)
    refused = [(r.question, misses) for r in unanswerable if len(misses := nearest(r, negatives)) == negatives]

    def embed(texts: list[str]):
        features = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 6
        return torch.nn.functional.normalize(model(features(texts))["sentence_embedding"], dim=-1)

    def barred(cosines):
        return torch.cat([cosines, bar.expand(len(cosines), 1)], 1) if with_bar else cosines

    taken = 0
    for _ in range(epochs):
        random.shuffle(pairs)
        if with_bar:
            random.shuffle(refused)
        for i in range(0, len(pairs), batch):
            b = pairs[i : i + batch]
            cosines = embed([q for q, _, _ in b]) @ embed([a for _, a, _ in b] + [n for _, _, n in b]).T
            loss = torch.nn.functional.cross_entropy(barred(cosines) * SCALE, torch.arange(len(b)))
            if with_bar:
                u = [refused[(taken + j) % len(refused)] for j in range(UNANSWERABLE_BATCH)]
                taken += UNANSWERABLE_BATCH
                questions = embed([q for q, _ in u])
                misses = embed([t for _, ts in u for t in ts]).view(len(u), negatives, -1)
                cosines = torch.einsum("qd,qkd->qk", questions, misses)
                bar_wins = torch.full((len(u),), negatives)
                loss = loss + unanswerable_weight * torch.nn.functional.cross_entropy(barred(cosines) * SCALE, bar_wins)
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
        "--unanswerable-weight",
        type=float,
        default=UNANSWERABLE_WEIGHT,
        help="weight of the unanswerable questions' loss (%(default)s; 0 fits on answerable ones only)",
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
    libs = Libraries(args.work, answer_encoder="none")  # its own cosine is what is being fitted
    data = rows(libs)
    base = Library(Settings(index_dir=args.work / "index")).engine.embedder.model
    train = [r for r in data if r.split == "train"]
    dev = [r for r in data if r.split == "dev"]
    refused = unanswerable_rows(libs) if args.unanswerable_weight > 0 else []
    refused_train = [r for r in refused if r.split == "train"]
    keep = [i for i, name in enumerate(FEATURES) if not name.startswith("answer_")]  # the scorer without it

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) if args.dry_run else folds_dir(args.work)
        shipped = Path(scratch) / "shipped" if args.dry_run else answer_encoder.PACKAGED
        tuned: dict[int, np.ndarray] = {}
        seeds = list(range(args.seed, args.seed + args.soup))
        tune = functools.partial(
            soup, base, seeds=seeds, epochs=args.epochs, lr=args.lr, repeats=repeats, negatives=args.negatives,
            unanswerable_weight=args.unanswerable_weight,
        )  # fmt: skip
        for f in (0, 1):
            model = tune(
                [r for r in train if fold_of(r.paper) != f],
                unanswerable=[r for r in refused_train if fold_of(r.paper) != f],
            )
            folder = export(model, out / f"fold-{f}")
            tuned |= cosines(answer_encoder.load(folder), [r for r in train if fold_of(r.paper) == f])
        folder = export(tune(train, unanswerable=refused_train), shipped)
        tuned |= cosines(answer_encoder.load(folder), dev + [r for r in refused if r.split == "dev"])
        size = (folder / answer_encoder.MODEL_FILE).stat().st_size / 1e6
    print(f"{len(train)} train / {len(dev)} dev questions, {len(refused_train)} unanswerable train ones; "
          f"{3 * args.soup} fine-tunes and int8 exports in "
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
    refused_dev = [r for r in refused if r.split == "dev"]
    if refused_dev:
        from bench.train_support import auc

        best = [float(tuned[id(r)].max()) for r in dev if r.y.any()], [float(tuned[id(r)].max()) for r in refused_dev]
        print(
            f"dev: ROC AUC of the best answer cosine, answerable ({len(best[0])}) vs unanswerable "
            f"({len(best[1])}) questions: {auc(np.array(best[0]), np.array(best[1])):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
