"""The harness's metrics against hand-computed values."""

from __future__ import annotations

import math

import pytest

from bench.metrics import evaluate, mrr_at_k, ndcg_at_k, recall_at_k


def test_ndcg_binary_relevance_by_hand():
    # relevant b at rank 2, d never retrieved: DCG = 1/log2(3); IDCG = 1 + 1/log2(3)
    got = ndcg_at_k(["a", "b", "c"], {"b": 1, "d": 1}, 10)
    assert got == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert got == pytest.approx(0.386853, abs=1e-6)


def test_ndcg_graded_and_perfect():
    # x (gain 1) first, y (gain 2) second: DCG = 1 + 2/log2(3); ideal puts y first: 2 + 1/log2(3)
    assert ndcg_at_k(["x", "y"], {"x": 1, "y": 2}) == pytest.approx(0.859719, abs=1e-6)
    assert ndcg_at_k(["y", "x"], {"x": 1, "y": 2}) == pytest.approx(1.0)


def test_ndcg_cutoff_and_empty():
    ranking = [f"n{i}" for i in range(10)] + ["hit"]
    assert ndcg_at_k(ranking, {"hit": 1}, 10) == 0.0  # rank 11 is past the cut-off
    assert ndcg_at_k([], {"hit": 1}) == 0.0
    assert ndcg_at_k(["a"], {}) == 0.0


def test_recall_at_100():
    ranking = [f"d{i}" for i in range(150)]
    assert recall_at_k(ranking, {"d5": 1, "d99": 1, "d120": 1, "zz": 1}, 100) == pytest.approx(0.5)
    assert recall_at_k(ranking, {"d0": 0}, 100) == 0.0  # grade 0 is not relevant


def test_mrr_at_10():
    assert mrr_at_k(["a", "b", "c", "d"], {"c": 1, "d": 1}) == pytest.approx(1 / 3)
    assert mrr_at_k([f"n{i}" for i in range(10)] + ["hit"], {"hit": 1}) == 0.0


def test_evaluate_averages_over_judged_queries():
    runs = {"q1": ["a", "b"], "q2": ["c"], "unjudged": ["a"]}
    qrels = {"q1": {"a": 1}, "q2": {"x": 1}}
    scores = evaluate(runs, qrels)
    assert scores["queries"] == 2
    assert scores["nDCG@10"] == pytest.approx(0.5)
    assert scores["MRR@10"] == pytest.approx(0.5)
    assert scores["Acc@1"] == pytest.approx(0.5)
    assert scores["Recall@100"] == pytest.approx(0.5)


def test_decline_precision_counts_false_declines_against_right_ones():
    from bench.qa_sets import QATally

    # three answerable questions, one declined; four unanswerable, three declined: 3 of 4 declines were right
    tally = QATally(false_decline=[True, False, False], declined=[True, True, True, False])
    report = tally.report()
    assert report["declines that were right (precision) %"] == 75.0
    assert report["unanswerable declined %"] == 75.0
    assert QATally().report()["declines that were right (precision) %"] == "n/a"


def test_a_shares_noise_band_narrows_with_more_questions_and_stays_inside_0_to_100():
    from bench.metrics import margin
    from bench.qa_sets import QATally

    assert margin([]) == "n/a"
    few, many = margin([True] * 8 + [False] * 2), margin([True] * 80 + [False] * 20)
    assert few > many > 0
    assert 7.0 < many < 9.0  # 80 % of 100: the textbook ±7.8 points
    assert 0 < margin([True] * 25) < 15  # all right on 25 questions still leaves room below 100 %
    bands = QATally(answered=[True] * 8 + [False] * 2, declined=[True, False]).margins()
    assert bands["answered (quote holds it, right paper) %"] == few
    assert bands["unanswerable declined %"] > few  # two questions say less than ten
