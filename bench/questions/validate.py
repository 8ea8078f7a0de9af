"""Check the PDF/body question sets against the text the product itself extracts.

    cd /work/main && .venv/bin/python bench/questions/validate.py

Papers are loaded with the product's loaders (`ingest`): the four PDFs in ../shared/pdfs and the
bundled corpus data/papers.jsonl; the held-out sets (heldout_*.jsonl, split "test") against the five
held-out PDFs of bench/heldout.py and the bundled corpus, skipped with a line saying so when those PDFs
have not been fetched. For every item it checks that the paper ids exist; that each
"sentence"/"answer" occurs verbatim in its paper, the answer inside its sentence, on the stated
"page" and in the stated "section" (never the References); that the question shares at most five
consecutive words (lower-cased, punctuation stripped) with its papers' text; and, for unanswerable
named-entity items, that the "missing" term occurs in no paper at all. One line per problem, then a
summary; exit code 1 when there is any problem.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import train_papers  # noqa: E402
from bench.heldout import HELDOUT_DIR, pdf_paths, present  # noqa: E402
from ingest.models import Paper  # noqa: E402
from ingest.sources import load_input  # noqa: E402
from ingest.sources.pdf import load_pdf  # noqa: E402

PDFS = ROOT.parent / "shared" / "pdfs"
PDF_NAMES = ("1111.2011v2", "2206.10883v3", "papermage", "2305.03393v1-pg9")
FILES = ("pdfs_answerable.jsonl", "pdfs_multi.jsonl", "pdfs_unanswerable.jsonl", "bundled_body.jsonl")
HELDOUT_FILES = ("heldout_answerable.jsonl", "heldout_multi.jsonl", "heldout_unanswerable.jsonl")
TRAIN_PAPERS_FILES = ("train_papers_answerable.jsonl", "train_papers_multi.jsonl", "train_papers_unanswerable.jsonl")
MAX_SHARED = 5  # consecutive words a question may share with its paper
# The type labels `eval_answers --type` and `answer_recall --by-type` group by: one spelling each.
QUESTION_TYPES = {"name", "quantity", "reason", "method", "yesno", "definition", "overview", "comparison", "list"}
FIELDS = {
    "pdfs_answerable.jsonl": {"id", "question", "answer", "sentence", "page", "section", "type", "where", "split"},
    "bundled_body.jsonl": {"id", "question", "answer", "sentence", "page", "section", "type", "where", "split"},
    "pdfs_multi.jsonl": {"id", "question", "papers", "answers", "sentences", "type", "split"},
    "pdfs_unanswerable.jsonl": {"id", "question", "about", "missing", "kind", "split"},
}
FIELDS |= {
    f"{prefix}_{kind}.jsonl": FIELDS[f"pdfs_{kind}.jsonl"]
    for prefix in ("heldout", "train_papers")
    for kind in ("answerable", "multi", "unanswerable")
}


def splits_of(name: str) -> set[str]:
    """The held-out sets are test only (never trained on); the others are split for fitting."""
    return {"test"} if name.startswith("heldout_") else {"train", "dev"}


def load_papers(pdfs: list[Path]) -> dict[str, Paper]:
    """`pdfs` and the bundled corpus, as the product loads them."""
    papers = [load_pdf(path) for path in pdfs]
    papers += [p for p in load_input(str(ROOT / "data" / "papers.jsonl")) if isinstance(p, Paper)]
    return {p.id: p for p in papers}


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def shared_run(question: str, text: str) -> list[str]:
    """A run of MAX_SHARED + 1 consecutive question words that also occurs in `text` ([] if none)."""
    q, n = words(question), MAX_SHARED + 1
    grams = {tuple(q[i : i + n]) for i in range(len(q) - n + 1)}
    t = words(text)
    for i in range(len(t) - n + 1):
        if tuple(t[i : i + n]) in grams:
            return list(t[i : i + n])
    return []


def check_span(paper: Paper, answer: str, sentence: str, item: dict[str, Any]) -> list[str]:
    """Problems with one (answer, sentence) pair in `paper`; page/section only when the item states them."""
    if sentence not in paper.text:
        return [f"sentence not verbatim in {paper.id}: {sentence[:70]!r}"]
    problems = [] if answer in sentence else [f"answer {answer!r} not inside its sentence"]
    offsets = [m.start() for m in re.finditer(re.escape(sentence), paper.text)]
    sections = [next(s for s in paper.sections if s.start <= o < s.end) for o in offsets]
    if all(s.kind == "references" for s in sections):
        problems.append("sentence is in the References")
    if "page" in item and item["page"] not in {paper.page_at(o) for o in offsets}:
        problems.append(f"page {item['page']} but the sentence is on page {paper.page_at(offsets[0])}")
    if "section" in item and item["section"] not in {s.title for s in sections}:
        problems.append(f"section {item['section']!r} but the sentence is in {sections[0].title!r}")
    return problems


def check_item(name: str, item: dict[str, Any], papers: dict[str, Paper]) -> list[str]:
    problems = [f"missing fields {sorted(missing)}"] if (missing := FIELDS[name] - item.keys()) else []
    if item.get("split") not in splits_of(name):
        problems.append(f"split {item.get('split')!r}")
    if "type" in item and item["type"] not in QUESTION_TYPES:
        problems.append(f"type {item['type']!r} (one of {sorted(QUESTION_TYPES)})")
    if name.endswith("_unanswerable.jsonl"):
        if item.get("about") is not None and item["about"] not in papers:
            problems.append(f"unknown paper {item['about']!r}")
        term = str(item.get("missing", "")).lower()
        found = [p for p, doc in papers.items() if term in doc.text.lower()]
        if item.get("kind") == "named_entity" and found:
            problems.append(f"missing term {item['missing']!r} occurs in {found}")
        return problems
    ids = item.get("papers") or [item.get("paper")]
    if unknown := [i for i in ids if i not in papers]:
        return [*problems, f"unknown paper(s) {unknown}"]
    if name.endswith("_multi.jsonl"):
        if not len(ids) == len(item["answers"]) == len(item["sentences"]) >= 2:
            problems.append("papers/answers/sentences must pair up, two or more")
        for pid, ans, sent in zip(ids, item["answers"], item["sentences"], strict=False):
            problems += check_span(papers[pid], ans, sent, {})
    else:  # the sentence is in the (first) listed paper, or in any of them for list questions
        holder = next((papers[i] for i in ids if item["sentence"] in papers[i].text), papers[ids[0]])
        problems += check_span(holder, item["answer"], item["sentence"], item)
    for pid in ids:
        if run := shared_run(item["question"], papers[pid].text):
            problems.append(f"question shares {' '.join(run)!r} with {pid}")
    return problems


def main() -> int:
    groups = [(FILES, load_papers([PDFS / f"{name}.pdf" for name in PDF_NAMES]))]
    if present():
        groups.append((HELDOUT_FILES, load_papers(pdf_paths())))
    else:
        print(f"# skipping {', '.join(HELDOUT_FILES)}: no held-out PDFs in {HELDOUT_DIR} (python -m bench.heldout)")
    if train_papers.present():
        groups.append((TRAIN_PAPERS_FILES, load_papers(train_papers.pdf_paths())))
    else:
        folder = train_papers.TRAIN_PAPERS_DIR
        print(f"# skipping {', '.join(TRAIN_PAPERS_FILES)}: no PDFs in {folder} (python -m bench.train_papers)")
    n_problems, seen = 0, Counter[str]()
    for files, papers in groups:
        for name in files:
            text = (HERE / name).read_text(encoding="utf-8")
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
            for item in items:
                seen[item.get("id", "?")] += 1
                duplicate = ["duplicate id"] if seen[item.get("id", "?")] > 1 else []
                for problem in check_item(name, item, papers) + duplicate:
                    print(f"{name}:{item.get('id', '?')}: {problem}")
                    n_problems += 1
            splits = Counter(str(i.get("split")) for i in items)
            print(f"# {name}: {len(items)} items ({', '.join(f'{k} {v}' for k, v in sorted(splits.items()))})")
        print(f"# {len(papers)} papers loaded for {files[0].rsplit('_', 1)[0]}")
    print(f"# {n_problems} problem(s)")
    return 1 if n_problems else 0


if __name__ == "__main__":
    sys.exit(main())
