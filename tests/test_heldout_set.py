"""The held-out question sets (bench/questions/heldout_*.jsonl): well formed, tied to the pinned PDFs of
bench/heldout.py, and never read by a training script (they measure papers no weight was fitted on)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bench.heldout import VIGNETTES, pdf_paths, present
from bench.qa_sets import QUESTIONS, QASets, corpus_inputs, read_jsonl
from bench.train_answer_scorer import items as answerable_training_items
from bench.train_answerability import unanswerable_items

BENCH = Path(__file__).resolve().parents[1] / "bench"
HELDOUT_FILES = ("heldout_answerable.jsonl", "heldout_multi.jsonl", "heldout_unanswerable.jsonl")


@pytest.fixture(scope="module")
def sets() -> QASets:
    return QASets.load_heldout()


def test_sizes_and_split(sets):
    assert len(sets.single) >= 45 and len(sets.multi) >= 6 and len(sets.unanswerable) >= 15
    rows = sets.single + sets.multi + sets.unanswerable
    assert {r["split"] for r in rows} == {"test"}
    assert max(Counter(r["id"] for r in rows).values()) == 1
    kinds = Counter(r["kind"] for r in sets.unanswerable)
    assert kinds["named_entity"] and kinds["quantity"] and kinds["other"]


def test_every_paper_is_one_of_the_pinned_pdfs_and_has_six_questions(sets):
    """The product names a PDF without a DOI by its content hash: the ids pin the exact files."""
    pinned = {f"pdf:{v.sha256[:16]}" for v in VIGNETTES}
    per_paper = Counter(r["paper"] for r in sets.single)
    assert set(per_paper) == pinned and min(per_paper.values()) >= 6
    for r in sets.multi:
        assert len(set(r["papers"])) == len(r["answers"]) == len(r["sentences"]) >= 2
        assert set(r["papers"]) <= pinned
    assert {r["about"] for r in sets.unanswerable} <= pinned


def test_answer_spans_sit_in_their_sentences(sets):
    for r in sets.single:
        assert r["answer"] in r["sentence"], r["id"]
        assert isinstance(r["page"], int) and r["where"] in {"body", "abstract"}
    for r in sets.multi:
        assert all(a in s for a, s in zip(r["answers"], r["sentences"], strict=True)), r["id"]


def test_no_training_script_reads_the_heldout_sets(sets):
    asked = {r["question"] for r in sets.single + sets.multi + sets.unanswerable}
    trained = {item.question for item in answerable_training_items()} | {q for q, *_ in unanswerable_items()}
    assert not asked & trained
    assert not any("heldout" in path for path in corpus_inputs())
    for script in sorted(BENCH.glob("train_*.py")):
        assert not re.search(r"heldout", script.read_text(encoding="utf-8"), re.I), script.name


@pytest.mark.skipif(not present(), reason="held-out PDFs not fetched (python -m bench.heldout); CI does not fetch them")
def test_sets_match_the_text_the_product_extracts():
    import importlib.util

    spec = importlib.util.spec_from_file_location("validate", QUESTIONS / "validate.py")
    validate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(validate)
    papers = validate.load_papers(pdf_paths())
    problems = [
        f"{name}:{item['id']}: {problem}"
        for name in HELDOUT_FILES
        for item in read_jsonl(QUESTIONS / name)
        for problem in validate.check_item(name, item, papers)
    ]
    assert problems == []
