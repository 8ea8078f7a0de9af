"""Fit the answer-sentence scorer: logistic regression over `rag.answers.features`, on the train split.

    python -m bench.train_answer_scorer --work W/pdfs            # fit on train, report train and dev, write the weights
    python -m bench.train_answer_scorer --work W/pdfs --dry-run  # report only

Labelled pairs come from the question sets whose answer spans are known: every candidate sentence of a
question's top passages is a positive when it holds the answer span (from the right paper), else a
negative. Questions: bench/questions/pdfs_answerable + bundled_body + pdfs_multi (train split) and
bundled_answerable (its "expect" spans, a deterministic half as train), asked of the index in --work;
and the training papers' train_papers_answerable + train_papers_multi (bench/train_papers.py), asked of a
second index beside it (W/train-papers, as `eval_answers train-papers --work W` builds it; left out with
a line when those PDFs are not fetched). Reported per split: how often
the top-1 / top-3 sentences hold the answer, against the hand-set score the scorer replaces.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.qa_sets import QUESTIONS, inputs_of, norm, read_jsonl  # noqa: E402

WEIGHTS = ROOT / "rag" / "answers" / "scorer_weights.json"
CORPORA = ("pdfs", "train-papers")  # the indexes items are asked of (`Item.corpus`)
CORPUS_WEIGHTS = "pdfs=1"  # how much a train question of a corpus counts in the fits (see --weight)


@dataclass
class Item:
    question: str
    targets: list[tuple[list[str], str]]  # (acceptable paper ids, answer span), one per paper to find
    split: str
    corpus: str = "pdfs"  # which index it is asked of: "pdfs" (--work) or "train-papers" (beside it)
    overview: bool = False  # written as a question about a paper as a whole

    @property
    def paper(self) -> str:
        """The paper it is first about: what cross-fitting folds it by."""
        return self.targets[0][0][0]


def items() -> list[Item]:
    out = []
    for name, corpus in (("pdfs", "pdfs"), ("bundled", "pdfs"), ("train_papers", "train-papers")):
        single = "body" if name == "bundled" else "answerable"
        for r in read_jsonl(QUESTIONS / f"{name}_{single}.jsonl"):
            targets = [(r.get("papers") or [r["paper"]], r["answer"])]
            out.append(Item(r["question"], targets, r["split"], corpus, r.get("type") == "overview"))
        if name == "bundled":
            continue
        for r in read_jsonl(QUESTIONS / f"{name}_multi.jsonl"):
            targets = [([p], a) for p, a in zip(r["papers"], r["answers"], strict=True)]
            out.append(Item(r["question"], targets, r["split"], corpus))
    for n, r in enumerate(read_jsonl(QUESTIONS / "bundled_answerable.jsonl")):
        if r.get("expect") and r.get("paper"):
            out.append(Item(r["question"], [([r["paper"]], r["expect"])], "train" if n % 2 == 0 else "dev"))
    return out


def fold_of(paper: str) -> int:
    """Which half of the papers a question's paper is in, for cross-fitting (stable across runs)."""
    return zlib.crc32(paper.encode()) % 2


def folds_dir(work: Path) -> Path:
    """Where bench/train_answer_encoder.py writes its fold models: beside the indexes (W/answer-encoder)."""
    return work.parent / "answer-encoder"


class Libraries(dict):
    """corpus → the index its items are asked of: `work` (the four shared PDFs and the bundled corpus) and,
    when the training papers are fetched, W/train-papers beside it (`work` = W/pdfs), so the pdfs index and
    its eval numbers stay as they were. `of(item)` reads a train item with the answer encoder fitted on the
    other half of the papers (bench/train_answer_encoder.py), so a fit sees that signal as it is on unseen
    papers, not on the questions the encoder learnt."""

    def __init__(self, work: Path, answer_encoder: str = "packaged") -> None:
        from bench import train_papers
        from rag import Library, Settings

        super().__init__()
        self.work, self.answer_encoder = work, answer_encoder
        self._folders = {"pdfs": work / "index"}
        if train_papers.present():
            self._folders["train-papers"] = work.parent / "train-papers" / "index"
        else:
            print(f"no training papers in {train_papers.TRAIN_PAPERS_DIR} (python -m bench.train_papers): left out")
        self._read: dict[tuple[str, str], Library] = {}
        for corpus, folder in self._folders.items():
            self[corpus] = Library(Settings(index_dir=folder, answer_encoder=answer_encoder))
            self[corpus].ingest(inputs_of(corpus))

    def of(self, item: Item):
        fold = folds_dir(self.work) / f"fold-{fold_of(item.paper)}"
        if item.split != "train" or not fold.exists() or self.answer_encoder != "packaged":
            return self[item.corpus]
        from rag import Library, Settings

        key = (item.corpus, str(fold))
        if key not in self._read:
            self._read[key] = Library(Settings(index_dir=self._folders[item.corpus], answer_encoder=str(fold)))
        return self._read[key]


def examples(lib, item: Item):
    """(features, labels, candidates, the question's vector) of one question, from the product's own
    candidate pool."""
    from rag.answers.extractive import scored_candidates
    from rag.answers.scoring import DEFAULT_SCORING as W

    hits, vector = lib.retrieve(item.question, k=W.pool_passages, filters=None, mode=None)
    papers = lib.store.paper_vectors(sorted({h.paper_id for h in hits}))
    _, candidates, x = scored_candidates(
        item.question, vector, hits, lib.engine.sentence_bank, papers, passages_of=lib.answer_facts().passages_of
    )
    y = np.array(
        [any(c.paper_id in ids and norm(span) in norm(c.text) for ids, span in item.targets) for c in candidates],
        dtype=bool,
    )
    return x, y, candidates, vector


def fitted_on(item: Item, candidates) -> bool:
    """Whether the item is fitted on (and reported). One written as a question about a paper as a whole that
    the answerer reads as a detail question (`extractive.overview_asked`) is left out: fitted on, such
    questions taught a prior for abstract sentences over every question (dev top-1 0.579 with them, 0.596
    without; other questions 0.608 vs 0.629), which the overview features give the questions read as such."""
    from rag.answers.extractive import overview_asked
    from rag.answers.questions import analyse

    return not item.overview or overview_asked(analyse(item.question), [c.hit for c in candidates])


def hand_score(x: np.ndarray) -> np.ndarray:
    """The score the fitted one replaces: cosine + 0.2 · overlap − 0.01 · passage rank."""
    from rag.answers.features import FEATURES

    col = {n: i for i, n in enumerate(FEATURES)}
    rank = 1.0 / np.maximum(x[:, col["passage_rank"]], 1e-6) - 1
    return x[:, col["cosine"]] + 0.2 * x[:, col["overlap"]] - 0.01 * rank


def top_holds(scores: np.ndarray, y: np.ndarray, k: int) -> bool:
    return bool(len(scores)) and bool(y[np.argsort(-scores)[:k]].any())


def write_weights(path: Path, features, model, **extra) -> None:
    """A fitted logistic regression as the JSON `rag.answers.scorer.load` reads."""
    data = {
        "features": list(features),
        "coef": [round(float(w), 6) for w in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
        **extra,
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def listwise_nll(s: np.ndarray, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """One question's loss under scores `s` = (offset +) `z` @ w: minus the log of the softmax mass on its
    answering sentences `y`, and its gradient in w, E_p[z] - E_{p|answer}[z]."""
    p = np.exp(s - s.max())
    p /= p.sum()
    mass = float(p[y].sum())
    return -float(np.log(mass + 1e-12)), p @ z - (p[y] @ z[y]) / (mass + 1e-12)


class Listwise:
    """A linear scorer fitted per question: the softmax over a question's candidates puts its mass on the
    sentences that hold the answer (a conditional logit). It optimises what the answerer does with the
    scores, pick the best of one question's candidates, where a pointwise fit also spends itself on
    separating easy negatives across questions. Features are standardised for the fit, then folded back."""

    def __init__(self, c: float = 1.0) -> None:
        self.c = c

    def fit(self, groups: list[tuple[np.ndarray, np.ndarray]], weights: list[float] | None = None) -> Listwise:
        """`weights`: how much each question counts in the loss (default 1 each)."""
        from scipy.optimize import minimize

        weights = [1.0] * len(groups) if weights is None else weights
        kept = [(x, y, q) for (x, y), q in zip(groups, weights, strict=True) if y.any() and (~y).any()]
        stacked = np.vstack([x for x, _, _ in kept])
        self.mean = stacked.mean(axis=0)
        self.std = stacked.std(axis=0) + 1e-6
        zs = [((x - self.mean) / self.std, y, q) for x, y, q in kept]

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            total, grad = 0.5 * float(w @ w) / self.c, w / self.c
            for z, y, q in zs:
                nll, g = listwise_nll(z @ w, z, y)
                total, grad = total + q * nll, grad + q * g
            return total, grad

        w0 = np.zeros(zs[0][0].shape[1])
        self.w = minimize(loss, w0, jac=True, method="L-BFGS-B").x
        self.coef_ = (self.w / self.std)[None, :]
        self.intercept_ = np.array([-float(self.mean / self.std @ self.w)])
        return self

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return x @ self.coef_[0] + self.intercept_[0]


def pointwise(c: float):
    from sklearn.linear_model import LogisticRegression

    class Pointwise(LogisticRegression):
        def fit(self, groups, weights=None):  # type: ignore[override]
            weights = [1.0] * len(groups) if weights is None else weights
            sample = np.concatenate([np.full(len(y), q) for (_, y), q in zip(groups, weights, strict=True)])
            x, y = np.vstack([x for x, _ in groups]), np.concatenate([y for _, y in groups])
            return super().fit(x, y, sample_weight=sample)

    return Pointwise(C=c, class_weight="balanced", max_iter=2000)


def make(objective: str, c: float):
    return Listwise(c) if objective == "listwise" else pointwise(c)


def cross_validated(
    objective: str, c: float, rows: list[tuple[np.ndarray, np.ndarray]], weights: list[float], folds: int = 5
) -> float:
    """Top-1 over `folds` splits of the train questions (grouped by question), weighted as the fit weighs
    them: choosing C this way leaves the dev split unseen."""
    hits, mass = [], []
    for f in range(folds):
        model = make(objective, c).fit(
            [r for i, r in enumerate(rows) if i % folds != f], [q for i, q in enumerate(weights) if i % folds != f]
        )
        held = [(r, q) for i, (r, q) in enumerate(zip(rows, weights, strict=True)) if i % folds == f and r[1].any()]
        hits += [top_holds(model.decision_function(x), y, 1) for (x, y), _ in held]
        mass += [q for _, q in held]
    return float(np.average(hits, weights=mass))


def corpus_weights(spec: str) -> dict[str, float]:
    """'pdfs=3' → {'pdfs': 3.0}: how much a train question of each corpus counts (others count 1)."""
    try:
        weights = {k: float(v) for k, v in (part.split("=") for part in spec.split(",") if part)}
    except ValueError:
        raise SystemExit(f"--weight: expected corpus=number[,corpus=number], got {spec!r}") from None
    if unknown := sorted(set(weights) - set(CORPORA)):
        raise SystemExit(f"--weight: no corpus {', '.join(unknown)} (the corpora are {', '.join(CORPORA)})")
    return weights


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/papers-eval-answers/pdfs"), help="index folder")
    ap.add_argument("--objective", choices=["listwise", "pointwise"], default="listwise")
    ap.add_argument("--c", type=float, help="inverse L2 regularisation strength (default: chosen by CV on train)")
    ap.add_argument("--dry-run", action="store_true", help="do not write the weights")
    ap.add_argument("--fit-on", default="pdfs,train-papers", help="the corpora whose train split is fitted on")
    ap.add_argument(
        "--weight",
        default=CORPUS_WEIGHTS,
        help="how much a train question of a corpus counts, e.g. 'pdfs=3' (default %(default)r): the arXiv-style "
        "papers users bring are a small share of the train questions",
    )
    ap.add_argument(
        "--compare", type=float, nargs="+", metavar="C", help="only report train/dev top-1 for each C (writes nothing)"
    )
    args = ap.parse_args(argv)

    from rag.answers.features import FEATURES

    libs = Libraries(args.work)
    data: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"train": [], "dev": []}
    corpus_of: dict[str, list[str]] = {"train": [], "dev": []}
    for item in items():
        if item.corpus in libs:
            x, y, candidates, _ = examples(libs.of(item), item)
            if not fitted_on(item, candidates):
                continue
            data[item.split].append((x, y))
            corpus_of[item.split].append(item.corpus)
    fit_on = args.fit_on.split(",")
    data["train"] = [r for r, k in zip(data["train"], corpus_of["train"], strict=True) if k in fit_on]
    corpus_of["train"] = [k for k in corpus_of["train"] if k in fit_on]
    by_corpus = corpus_weights(args.weight)
    weights = [by_corpus.get(k, 1.0) for k in corpus_of["train"]]
    if args.compare:
        for c in args.compare:
            model = make(args.objective, c).fit(data["train"], weights)
            tops = {
                (s, corpus): np.mean(
                    [top_holds(model.decision_function(x), y, 1) for (x, y), k in zip(r, corpus_of[s], strict=True)
                     if y.any() and corpus in ("all", k)]
                )
                for s, r in data.items()
                for corpus in ("all", *libs)
            }  # fmt: skip
            print(f"C={c}: top-1 holds the answer  " + "  ".join(f"{s} {k} {v:.3f}" for (s, k), v in tops.items()))
        return 0
    c = args.c
    if c is None:
        grid = {c: cross_validated(args.objective, c, data["train"], weights) for c in (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)}
        print("CV top-1 on train by C: " + ", ".join(f"{c}: {v:.3f}" for c, v in grid.items()))
        c = max(grid, key=lambda k: (grid[k], -k))
    model = make(args.objective, c).fit(data["train"], weights)
    ys = np.concatenate([y for _, y in data["train"]])
    print(f"{args.objective}, C={c}; train pairs: {len(ys)} ({int(ys.sum())} positive), features: {len(FEATURES)}")
    for split, rows in data.items():
        for corpus in ["all", *libs]:
            part = [r for r, k in zip(rows, corpus_of[split], strict=True) if corpus in ("all", k)]
            answerable = [(x, y) for x, y in part if y.any()]
            name = split if corpus == "all" else f"{split} {corpus}"
            for k in (1, 3):
                fitted = np.mean([top_holds(model.decision_function(x), y, k) for x, y in answerable])
                hand = np.mean([top_holds(hand_score(x), y, k) for x, y in answerable])
                print(
                    f"{name}: top-{k} holds the answer  fitted {fitted:.3f}  hand-set {hand:.3f}  ({len(answerable)} q)"
                )
            pool = np.mean([y.any() for _, y in part])
            print(f"{name}: answer in the candidate pool {pool:.3f} of {len(part)} questions")
    for name, w in sorted(zip(FEATURES, model.coef_[0], strict=True), key=lambda p: -abs(p[1])):
        print(f"  {name:<24} {w:+.3f}")
    if not args.dry_run:
        write_weights(
            WEIGHTS, FEATURES, model, fitted_by="bench/train_answer_scorer.py", objective=args.objective, c=c,
            train_pairs=len(ys), weight=args.weight,
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
