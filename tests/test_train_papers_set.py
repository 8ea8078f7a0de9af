"""The training papers' question sets (bench/questions/train_papers_*.jsonl): well formed, tied to the
pinned PDFs of bench/train_papers.py, split train/dev, disjoint from the held-out papers, and read by the
training scripts (the point of them: more varied papers to fit the answerer's weights on)."""

from __future__ import annotations

from collections import Counter

import pytest

from bench import heldout, train_papers
from bench.qa_sets import QUESTIONS, QASets, read_jsonl
from bench.train_answer_scorer import items as answerable_training_items
from bench.train_answerability import unanswerable_items

FILES = ("train_papers_answerable.jsonl", "train_papers_multi.jsonl", "train_papers_unanswerable.jsonl")


@pytest.fixture(scope="module")
def sets() -> QASets:
    return QASets.load_train_papers()


def test_sizes_and_split(sets):
    assert len(sets.single) >= 45 and len(sets.multi) >= 6 and len(sets.unanswerable) >= 15
    rows = sets.single + sets.multi + sets.unanswerable
    assert max(Counter(r["id"] for r in rows).values()) == 1
    splits = Counter(r["split"] for r in rows)
    assert set(splits) == {"train", "dev"} and 0.2 <= splits["dev"] / len(rows) <= 0.4
    assert Counter(r["where"] for r in sets.single)["body"] > len(sets.single) / 2
    assert Counter(r["kind"] for r in sets.unanswerable)["named_entity"] >= 5


def test_papers_are_the_pinned_pdfs_and_none_is_held_out(sets):
    pinned = {v.paper_id for v in train_papers.VIGNETTES}
    assert len(pinned) == len(train_papers.VIGNETTES) >= 5
    assert not pinned & {v.paper_id for v in heldout.VIGNETTES}
    assert not {v.package for v in train_papers.VIGNETTES} & {v.package for v in heldout.VIGNETTES}
    per_paper = Counter(r["paper"] for r in sets.single)
    assert set(per_paper) == pinned and min(per_paper.values()) >= 6
    for r in sets.multi:
        assert len(set(r["papers"])) == len(r["answers"]) == len(r["sentences"]) >= 2 and set(r["papers"]) <= pinned
    assert {r["about"] for r in sets.unanswerable} <= pinned
    for r in sets.single:
        assert r["answer"] in r["sentence"], r["id"]


def test_training_scripts_ask_them_of_their_own_index(sets):
    asked = {i.question: i.corpus for i in answerable_training_items()}
    assert all(asked.get(r["question"]) == "train-papers" for r in sets.single + sets.multi)
    refused = {u.question: u.corpus for u in unanswerable_items()}
    assert all(refused.get(r["question"]) == "train-papers" for r in sets.unanswerable)


@pytest.mark.skipif(not train_papers.present(), reason="training PDFs not fetched (python -m bench.train_papers)")
def test_sets_match_the_text_the_product_extracts():
    import importlib.util

    spec = importlib.util.spec_from_file_location("validate", QUESTIONS / "validate.py")
    validate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(validate)
    papers = validate.load_papers(train_papers.pdf_paths())
    problems = [
        f"{name}:{item['id']}: {problem}"
        for name in FILES
        for item in read_jsonl(QUESTIONS / name)
        for problem in validate.check_item(name, item, papers)
    ]
    assert problems == []


def test_every_question_set_labels_its_types_with_one_spelling_each():
    """`eval_answers --type yesno` and `answer_recall --by-type` group by the label: a second spelling
    ("yes/no", as these sets once had) split one type in two and dropped it from the filter."""
    from bench.questions.validate import QUESTION_TYPES, check_item

    labels = Counter(r["type"] for path in sorted(QUESTIONS.glob("*.jsonl")) for r in read_jsonl(path) if "type" in r)
    assert set(labels) <= QUESTION_TYPES and labels["yesno"] >= 100
    item = {"split": "train", "type": "yes/no"}
    assert any("type 'yes/no'" in p for p in check_item("train_papers_unanswerable.jsonl", item, {}))
