"""Fit which questions ask about a paper as a whole ("overview": what it is, does, finds or lacks) from
their words: TF-IDF over the question's words and logistic regression, on the train split of the
question sets' `type` labels; the answerer adds the type when the cues of `questions._CUES` miss it.

    python -m bench.train_question_types            # fit on train, report dev, write the weights
    python -m bench.train_question_types --dry-run

C = 3 and the threshold 0.8 were chosen on dev (precision 0.93, recall 0.30 alone; with the cues 0.90 and
0.42, against 0.89 and 0.19 for the cues alone). It reads its own train questions far better (recall 0.84), so
the answer models fitted after it (bench/train_answer_scorer.py and the rest) see more of their train questions
typed than they meet at answer time; refitted so, they still answered more dev questions (session 22: training
papers dev 73.8 -> 75.8 %, pdfs dev unchanged) than the models fitted on the cues alone.
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

from bench.qa_sets import QUESTIONS, read_jsonl  # noqa: E402

WEIGHTS = ROOT / "rag" / "answers" / "overview_weights.json"
SETS = ("pdfs_answerable", "bundled_body", "train_papers_answerable")


def labelled(split: str) -> tuple[list[str], np.ndarray]:
    rows = [r for name in SETS for r in read_jsonl(QUESTIONS / f"{name}.jsonl") if r.get("split") == split]
    return [r["question"] for r in rows], np.array([r.get("type") == "overview" for r in rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--c", type=float, default=3.0, help="inverse L2 strength")
    ap.add_argument("--threshold", type=float, default=0.8, help="probability above which a question is typed")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from rag.answers.questions import cued_types

    train, y = labelled("train")
    dev, y_dev = labelled("dev")
    vectorizer = TfidfVectorizer(min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w\w+\b")
    model = LogisticRegression(C=args.c, class_weight="balanced", max_iter=2000)
    model.fit(vectorizer.fit_transform(train), y)
    for name, texts, labels in (("train", train, y), ("dev", dev, y_dev)):
        learned = model.predict_proba(vectorizer.transform(texts))[:, 1] >= args.threshold
        cued = np.array(["overview" in cued_types(t) for t in texts])
        for what, typed in (("cues", cued), ("learned", learned), ("cues or learned", cued | learned)):
            precision = labels[typed].mean() if typed.any() else 0.0
            recall = typed[labels].mean()
            print(f"{name} {what:<16} precision {precision:.2f} recall {recall:.2f} ({int(labels.sum())})")
    if not args.dry_run:
        words = vectorizer.get_feature_names_out()
        weights = {
            "fitted_by": "bench/train_question_types.py",
            "train_questions": len(train),
            "threshold": args.threshold,
            "intercept": round(float(model.intercept_[0]), 6),
            "words": {
                str(w): [round(float(i), 6), round(float(c), 6)]
                for w, i, c in zip(words, vectorizer.idf_, model.coef_[0], strict=True)
                if abs(c) > 1e-6
            },
        }
        WEIGHTS.write_text(json.dumps(weights, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
