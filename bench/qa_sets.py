"""The long-paper question sets of bench/questions/ (pdfs_*.jsonl, bundled_body.jsonl; the training
papers' train_papers_*.jsonl; the held-out heldout_*.jsonl, never trained on) and how an answer to one is
scored: does it quote a sentence holding the answer, from the right paper?

An answer "holds" when one of its sentences, cited to a passage of the expected paper, contains the
item's answer span (whitespace and case aside). Spans, not whole sentences, are compared: the product
and the set may cut sentences differently, and an answer may be stated in more than one sentence.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench.metrics import margin, pct

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "bench" / "questions"
PDFS = ROOT.parent / "shared" / "pdfs"
PDF_NAMES = ("1111.2011v2", "2206.10883v3", "papermage", "2305.03393v1-pg9")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus_inputs() -> list[str]:
    """What the index holds: the four shared PDFs and the bundled corpus."""
    return [str(PDFS / f"{name}.pdf") for name in PDF_NAMES] + [str(ROOT / "data" / "papers.jsonl")]


def heldout_inputs() -> list[str]:
    """What the held-out index holds: the five held-out PDFs (bench/heldout.py), the bundled corpus as distractors."""
    from bench.heldout import pdf_paths

    return _with_bundled(pdf_paths())


def train_papers_inputs() -> list[str]:
    """What the training-papers index holds: the training PDFs (bench/train_papers.py), the bundled
    corpus as distractors (as the held-out index does)."""
    from bench.train_papers import pdf_paths

    return _with_bundled(pdf_paths())


def inputs_of(corpus: str) -> list[str]:
    """What the index of a long-paper set holds: "pdfs", "train-papers" or "heldout"."""
    return {"pdfs": corpus_inputs, "train-papers": train_papers_inputs, "heldout": heldout_inputs}[corpus]()


def _with_bundled(pdfs: list[Path]) -> list[str]:
    return [str(p) for p in pdfs] + [str(ROOT / "data" / "papers.jsonl")]


def _in_split(rows: list[dict], split: str | None) -> list[dict]:
    return [r for r in rows if split in (None, "all") or r.get("split") == split]


_KINDS = ("answerable", "multi", "unanswerable")


def _papers_of(row: dict) -> list[str]:
    """The papers a question line is about (answerable: paper or papers; unanswerable: about)."""
    return row.get("papers") or [p for p in (row.get("paper"), row.get("about")) if p]


@dataclass
class QASets:
    single: list[dict]  # one paper answers it
    multi: list[dict]  # two papers, each with its own answer
    unanswerable: list[dict]

    def of_type(self, kind: str) -> QASets:
        """Only the single-paper questions of one type ("overview": what a paper is, does, finds)."""
        return QASets([r for r in self.single if r.get("type") == kind], [], [])

    @classmethod
    def load(cls, split: str | None = None) -> QASets:
        single = read_jsonl(QUESTIONS / "pdfs_answerable.jsonl") + read_jsonl(QUESTIONS / "bundled_body.jsonl")
        return cls(
            _in_split(single, split),
            _in_split(read_jsonl(QUESTIONS / "pdfs_multi.jsonl"), split),
            _in_split(read_jsonl(QUESTIONS / "pdfs_unanswerable.jsonl"), split),
        )

    @classmethod
    def load_train_papers(cls, split: str | None = None) -> QASets:
        """The training papers' sets (split train/dev), asked of the index `train_papers_inputs` builds.
        Split "unseen": the dev questions on papers no train question is about (what nothing was fitted on)."""
        rows = [read_jsonl(QUESTIONS / f"train_papers_{kind}.jsonl") for kind in _KINDS]
        if split != "unseen":
            return cls(*(_in_split(r, split) for r in rows))
        seen = {p for r in rows for row in _in_split(r, "train") for p in _papers_of(row)}
        return cls(*([row for row in _in_split(r, "dev") if not set(_papers_of(row)) & seen] for r in rows))

    @classmethod
    def load_heldout(cls) -> QASets:
        """The held-out sets (split "test"): papers and questions no weight was fitted on."""
        return cls(*(read_jsonl(QUESTIONS / f"heldout_{kind}.jsonl") for kind in _KINDS))

    @classmethod
    def of_corpus(cls, corpus: str, split: str | None) -> QASets:
        """The questions asked of the index `inputs_of(corpus)` builds, of one split (held-out: all, "test")."""
        if corpus == "heldout":
            return cls.load_heldout()
        return cls.load_train_papers(split) if corpus == "train-papers" else cls.load(split)


def norm(text: str) -> str:
    return " ".join(text.split()).lower()


def holds(answer, paper_ids: list[str], span: str) -> bool:
    """Some sentence of `answer`, cited to one of `paper_ids`, contains `span`."""
    papers = {s.n: s.hit.paper_id for s in answer.sources}
    target = norm(span)
    return any(
        target in norm(sentence.text) and any(papers.get(n) in paper_ids for n in sentence.citations)
        for sentence in answer.sentences
    )


def _cites(answer, sentence, paper_id: str) -> bool:
    papers = {s.n: s.hit.paper_id for s in answer.sources}
    return any(papers.get(n) == paper_id for n in sentence.citations)


def assessed(lib, question: str):
    """(the retrieved passages, the answerer's `extractive.Assessment` of them, or None for a Chinese question or
    one without a query vector), retrieved and assessed as `Library.ask` does (`pipeline.retrieve_parts`,
    `extractive.assess`): what the answerability fit and bench/answer_recall read."""
    from rag.answers.extractive import assess
    from rag.answers.pipeline import retrieve_parts
    from rag.answers.scoring import DEFAULT_SCORING
    from rag.text import is_cjk

    def retrieve(query: str, k: int | None, filters):
        return lib.retrieve(query, k=k, filters=filters, mode=None)

    hits, vector = retrieve_parts(retrieve, question, DEFAULT_SCORING.pool_passages, None)
    if is_cjk(question) or vector is None:
        return hits, None
    facts = lib.answer_facts()
    return hits, assess(
        question, vector, hits, lib.engine.sentence_bank, known=facts.known, passages_of=facts.passages_of,
        paper_vectors=facts.paper_vectors(sorted({h.paper_id for h in hits})),
    )  # fmt: skip


def in_passages(hits, paper_ids: list[str], span: str) -> bool:
    """The span is in one of the retrieved passages of the right paper (the candidate pool holds it)."""
    target = norm(span)
    return any(h.paper_id in paper_ids and target in norm(h.text) for h in hits)


@dataclass
class QATally:
    answered: list[bool] = field(default_factory=list)  # holds the answer, right paper
    right_paper: list[bool] = field(default_factory=list)
    false_decline: list[bool] = field(default_factory=list)
    multi_both_cited: list[bool] = field(default_factory=list)
    multi_both_answered: list[bool] = field(default_factory=list)
    declined: list[bool] = field(default_factory=list)  # on unanswerable questions
    says_missing: list[bool] = field(default_factory=list)  # the decline names the missing term (named ones)
    pool: list[bool] = field(default_factory=list)  # the answer span is in the passages the answer read
    quoted: list[int] = field(default_factory=list)  # sentences an answer to a single-paper question quotes
    latency_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def right_declines(self) -> list[bool]:
        """Per decline (of single-paper and unanswerable questions): was the question unanswerable? With
        "unanswerable declined" (recall), how far a decline can be trusted."""
        return [False] * sum(self.false_decline) + [True] * sum(self.declined)

    def margins(self) -> dict[str, float | str]:
        """Each share's noise band (`metrics.margin`), under the same names as `report`."""
        shares = {
            "answered (quote holds it, right paper) %": self.answered,
            "right paper cited %": self.right_paper,
            "answer in the passages read %": self.pool,
            "false declines %": self.false_decline,
            "two-paper: both cited %": self.multi_both_cited,
            "two-paper: both answered %": self.multi_both_answered,
            "unanswerable declined %": self.declined,
            "declines that were right (precision) %": self.right_declines(),
            "declines naming the missing term %": self.says_missing,
        }
        return {key: margin(flags) for key, flags in shares.items()}

    def report(self) -> dict[str, float | int | str]:
        lat = sorted(self.latency_ms)
        return {
            "single-paper questions": len(self.answered),
            "answered (quote holds it, right paper) %": pct(self.answered),
            "right paper cited %": pct(self.right_paper),
            "answer in the passages read %": pct(self.pool),
            "false declines %": pct(self.false_decline),
            "sentences quoted per answer": round(statistics.mean(self.quoted), 2) if self.quoted else "n/a",
            "two-paper questions": len(self.multi_both_cited),
            "two-paper: both cited %": pct(self.multi_both_cited),
            "two-paper: both answered %": pct(self.multi_both_answered),
            "unanswerable questions": len(self.declined),
            "unanswerable declined %": pct(self.declined),
            "declines that were right (precision) %": pct(self.right_declines()),
            "declines naming the missing term %": pct(self.says_missing),
            "ask p50 ms": round(statistics.median(lat), 1) if lat else "n/a",
        }


def score(tally: QATally, lib, sets: QASets, *, mode: str | None = None) -> QATally:
    import time

    def ask(question: str):
        start = time.perf_counter()
        answer = lib.ask(question, mode=mode)
        tally.latency_ms.append(1000 * (time.perf_counter() - start))
        return answer

    for item in sets.single:
        papers = item.get("papers") or [item["paper"]]
        answer = ask(item["question"])
        ok = holds(answer, papers, item["answer"])
        tally.answered.append(ok)
        tally.right_paper.append(any(p in answer.cited_papers for p in papers))
        tally.false_decline.append(answer.refused)
        if not answer.refused:
            tally.quoted.append(len(answer.sentences))
        read = [s.hit for s in answer.sources] + list(answer.closest)
        tally.pool.append(ok or in_passages(read, papers, item["answer"]))
        if not ok:
            got = "declined" if answer.refused else " | ".join(s.text[:90] for s in answer.sentences[:2])
            tally.misses.append(f"{item['id']}: {item['question']!r} → {got}")
    for item in sets.multi:
        answer = ask(item["question"])
        tally.multi_both_cited.append(all(p in answer.cited_papers for p in item["papers"]))
        both = all(holds(answer, [p], a) for p, a in zip(item["papers"], item["answers"], strict=True))
        tally.multi_both_answered.append(both)
        if not both:
            per_paper = [
                f"{p}: {'ok' if holds(answer, [p], a) else 'missed'}"
                + "".join(f" «{s.text[:80]}»" for s in answer.sentences if _cites(answer, s, p))
                for p, a in zip(item["papers"], item["answers"], strict=True)
            ]
            tally.misses.append(f"{item['id']} (two papers) {item['question']!r}: " + " ; ".join(per_paper))
    for item in sets.unanswerable:
        answer = ask(item["question"])
        tally.declined.append(answer.refused)
        if item.get("kind") == "named_entity":
            missing = getattr(answer, "missing", []) or []
            tally.says_missing.append(answer.refused and any(norm(item["missing"]) in norm(m) for m in missing))
        if not answer.refused:
            tally.misses.append(f"{item['id']} answered: {item['question']!r} → {answer.sentences[0].text[:90]!r}")
    return tally
