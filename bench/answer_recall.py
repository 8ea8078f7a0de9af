"""Where an answer is lost, stage by stage: answer-sentence recall of retrieval, of the candidate pool and of
the scorer's ranking, on the long-paper question sets (issue 16: "measure answer-sentence recall@k").

    python -m bench.answer_recall pdfs --split dev --work W            # ../shared/pdfs + data/ (as eval_answers)
    python -m bench.answer_recall train-papers --split dev --work W    # the training papers (… --split unseen)
    python -m bench.answer_recall train-papers --split dev --work W --show-lost
    python -m bench.answer_recall heldout --work W                     # the held-out papers (numbers only)
    python -m bench.answer_recall heldout --work W --by-type           # … and sentence@1/@3 per question type

For every single-paper question with a known answer span, as the extractive answerer reads it:
  - passages@k: the span is in one of the top k retrieved passages of the right paper (retrieval alone);
  - pool: it is in a candidate sentence (the top passages, and the passages of a named paper stating what is
    asked, which the answerer adds: `rag.answers.typed_pool`);
  - sentence@k: it is in one of the k candidates the fitted scorer ranks best (what a quote can hold).
A question "answered" by `eval_answers` needs sentence@1..3 and the quote policy and no decline; one lost
before the pool needs retrieval work, one in the pool but ranked low needs the scorer.
A question about several things is retrieved part by part, as `ask` retrieves it (`qa_sets.assessed`, which the
answerability fit reads too). It reads the indexes `eval_answers` builds in --work (and builds them the same way
when absent).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSAGE_KS = (8, 16, 24)
SENTENCE_KS = (1, 3, 5, 10)


@dataclass
class Stages:
    """Per question: the rank, among all retrieved passages, of the first of the right paper that holds the answer,
    and of the first candidate sentence that holds it as the scorer ranks them (None: not there)."""

    passage_rank: list[int | None] = field(default_factory=list)
    sentence_rank: list[int | None] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def report(self) -> dict[str, float | int]:
        from bench.metrics import pct

        def within(ranks: list[int | None], k: int) -> float:
            return pct([r is not None and r < k for r in ranks])

        return {
            "questions": len(self.passage_rank),
            **{f"passages@{k} %": within(self.passage_rank, k) for k in PASSAGE_KS},
            "pool %": pct([r is not None for r in self.sentence_rank]),
            **{f"sentence@{k} %": within(self.sentence_rank, k) for k in SENTENCE_KS},
        }


def stages_of(lib, question: str, papers: list[str], span: str) -> tuple[int | None, int | None]:
    """The (passage rank, sentence rank) of `span` for one question, through the answerer's own path
    (`qa_sets.assessed`: retrieval depth, parts, pool, features and fitted scores as `ask` uses them)."""
    from bench.qa_sets import assessed, norm

    hits, a = assessed(lib, question)
    target = norm(span)
    passage = next((i for i, h in enumerate(hits) if h.paper_id in papers and target in norm(h.text)), None)
    if a is None:
        return passage, None
    ranked = sorted(a.candidates, key=lambda c: -c.score)
    sentence = next((i for i, c in enumerate(ranked) if c.paper_id in papers and target in norm(c.text)), None)
    return passage, sentence


def measure(lib, single: list[dict]) -> Stages:
    out = Stages()
    for item in single:
        papers = item.get("papers") or [item["paper"]]
        passage, sentence = stages_of(lib, item["question"], papers, item["answer"])
        out.passage_rank.append(passage)
        out.sentence_rank.append(sentence)
        if sentence is None or sentence >= 3:
            if sentence is None:
                where = "not retrieved" if passage is None else "not in the pool"
            else:
                where = f"ranked {sentence + 1}"
            out.lost.append(f"{item.get('id', '?')}: {where}: {item['question']!r}")
    return out


def by_type(single: list[dict], stages: Stages) -> dict[str, tuple[float, float, int]]:
    """(sentence@1 %, sentence@3 %, questions) per question type: where a set's weakness lies, without
    listing its questions (the held-out set's are never printed)."""
    from bench.metrics import pct

    ranks: dict[str, list[int | None]] = {}
    for item, rank in zip(single, stages.sentence_rank, strict=True):
        ranks.setdefault(item.get("type") or "untyped", []).append(rank)
    return {
        kind: (pct([r is not None and r < 1 for r in rs]), pct([r is not None and r < 3 for r in rs]), len(rs))
        for kind, rs in sorted(ranks.items(), key=lambda kv: -len(kv[1]))
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", choices=["pdfs", "train-papers", "heldout"])
    ap.add_argument("--split", default="dev", help="train, dev, all (train-papers: also unseen)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/papers-eval-answers"), help="as eval_answers --work")
    ap.add_argument("--by-type", action="store_true", help="also sentence@1 and @3 per question type (numbers only)")
    ap.add_argument(
        "--show-lost", action="store_true", help="list the questions whose sentence is not in the top 3 (not heldout)"
    )
    args = ap.parse_args(argv)

    from bench import heldout as heldout_papers
    from bench import train_papers
    from bench.qa_sets import PDFS, QASets, inputs_of
    from rag import Library, Settings

    papers, heldout = args.corpus == "train-papers", args.corpus == "heldout"
    present = train_papers.present() if papers else heldout_papers.present() if heldout else PDFS.exists()
    if not present:
        print(f"skipping {args.corpus}: its PDFs are absent (see bench/eval_answers.py)")
        return 0
    lib = Library(Settings(index_dir=args.work / args.corpus / "index"))
    lib.ingest(inputs_of(args.corpus))
    sets = QASets.of_corpus(args.corpus, args.split)  # split "all": every split
    if heldout:  # never trained on: its questions are not listed, so they stay unread while the answerer is tuned
        args.show_lost, args.split = False, "test"
    stages = measure(lib, sets.single)
    print(f"{args.corpus} {args.split}:")
    for key, value in stages.report().items():
        print(f"  {key:<16} {value:>6}")
    if args.by_type:
        print("-- per question type: questions, sentence@1 %, sentence@3 %")
        for kind, (at1, at3, n) in by_type(sets.single, stages).items():
            print(f"  {kind:<16} {n:>4} {at1:>6} {at3:>6}")
    if args.show_lost:
        print("-- not in the top 3 sentences")
        for line in stages.lost:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
