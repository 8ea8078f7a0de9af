"""The answer scorer's fit (bench/train_answer_scorer.py): a question's weight counts as that many copies of
it, which is how the arXiv-style corpus is made to count more than the many vignette questions."""

from __future__ import annotations

import numpy as np
import pytest

from bench.train_answer_scorer import Listwise, corpus_weights, pointwise


def _groups(seed: int, n: int = 12) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = rng.normal(size=(6, 3))
        y = np.zeros(6, dtype=bool)
        y[int(np.argmax(x[:, 0] + 0.5 * rng.normal(size=6)))] = True
        out.append((x, y))
    return out


@pytest.mark.parametrize("make", [Listwise, pointwise])
def test_a_weight_of_two_fits_as_two_copies(make) -> None:
    groups = _groups(0)
    weights = [2.0 if i % 3 == 0 else 1.0 for i in range(len(groups))]
    copies = groups + [g for i, g in enumerate(groups) if i % 3 == 0]
    weighted, copied = make(1.0).fit(groups, weights), make(1.0).fit(copies)
    x = np.vstack([x for x, _ in groups])
    # Listwise standardises on the rows it is given, so compare rankings rather than raw coefficients.
    assert np.corrcoef(weighted.decision_function(x), copied.decision_function(x))[0, 1] > 0.99
    unweighted = make(1.0).fit(groups).decision_function(x)
    assert not np.allclose(unweighted, weighted.decision_function(x))


def test_corpus_weights_parse_and_reject() -> None:
    assert corpus_weights("pdfs=3,train-papers=0.5") == {"pdfs": 3.0, "train-papers": 0.5}
    with pytest.raises(SystemExit, match="--weight"):
        corpus_weights("pdfs")
    with pytest.raises(SystemExit, match="no corpus pdf "):
        corpus_weights("pdf=3")
