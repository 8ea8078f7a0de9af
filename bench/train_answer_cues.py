"""Fit the cue correction: one weight each for code, a figure's or table's caption and a sentence pointing at
a figure (`rag.answers.features.CUES`), added to the fitted scorer's score with the scorer held fixed, by the
scorer's own listwise objective on the train split (written to rag/answers/cue_weights.json).

    python -m bench.train_answer_cues --work W/pdfs            # fit, report train and dev top-1, write the weights
    python -m bench.train_answer_cues --work W/pdfs --dry-run

A correction, not three more scorer features: refitting the whole scorer on the 37 training papers with these
cues as features moved its calibration, which the quote mass and the answerability thresholds read, and lost
dev answers (training-paper dev 74.4 -> 73.2 % answered); the cues alone are what the scorer was missing.
Run it after bench/train_answer_scorer.py (it corrects that scorer), and bench/train_answerability.py after it
(answerability reads the corrected scores).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.train_answer_scorer import Libraries, examples, fitted_on, items, listwise_nll, top_holds  # noqa: E402

WEIGHTS = ROOT / "rag" / "answers" / "cue_weights.json"


def fit(groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]], c: float) -> np.ndarray:
    """Weights w of the cues z maximising each question's softmax mass on its answering sentences, with the
    scores `offset + z @ w` (L2 strength 1/c)."""
    from scipy.optimize import minimize

    groups = [(o, z, y) for o, z, y in groups if y.any() and (~y).any()]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * float(w @ w) / c, w / c
        for offset, z, y in groups:
            nll, g = listwise_nll(offset + z @ w, z, y)
            total, grad = total + nll, grad + g
        return total, grad

    return minimize(loss, np.zeros(groups[0][1].shape[1]), jac=True, method="L-BFGS-B").x


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/papers-eval-answers/pdfs"), help="index folder")
    ap.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)

    from rag.answers.extractive import fitted_scores
    from rag.answers.features import CUES, cues

    libs = Libraries(args.work)
    data: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {"train": [], "dev": []}
    for item in items():
        if item.corpus in libs:
            x, y, candidates, _ = examples(libs.of(item), item)
            if candidates and fitted_on(item, candidates):
                data[item.split].append((fitted_scores(candidates, x, corrected=False), cues(candidates), y))
    w = fit(data["train"], args.c)
    for split, rows in data.items():
        answerable = [r for r in rows if r[2].any()]
        before = np.mean([top_holds(o, y, 1) for o, _, y in answerable])
        after = np.mean([top_holds(o + z @ w, y, 1) for o, z, y in answerable])
        print(f"{split}: top-1 holds the answer  scorer {before:.3f}  corrected {after:.3f}  ({len(answerable)} q)")
    for name, weight, share in zip(CUES, w, np.vstack([z for _, z, _ in data["train"]]).mean(axis=0), strict=True):
        print(f"  {name:<18} {weight:+.3f}  ({share:.1%} of train candidates)")
    if not args.dry_run:
        data_out = {
            "features": list(CUES),
            "coef": [round(float(v), 6) for v in w],
            "intercept": 0.0,
            "fitted_by": "bench/train_answer_cues.py",
            "c": args.c,
            "train_questions": len(data["train"]),
        }
        WEIGHTS.write_text(json.dumps(data_out, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
