"""The fitted scorers, applied: weights from JSON files beside this module, written by the training
scripts in bench/ (a linear model each: a dot product at query time, no ML library imported).

- `scorer_weights.json`: how likely a candidate sentence answers the question (bench/train_answer_scorer.py);
- `answerability_weights.json`: how likely the best candidates answer it at all, from question-level
  signals, with the decline threshold calibrated on the train split (bench/train_answerability.py);
- `statement_weights.json`: the same for a statement checked against the papers (a claim, as in SciFact).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class LinearModel:
    features: tuple[str, ...]
    coef: np.ndarray
    intercept: float
    threshold: float = 0.5  # for a decision on the probability (answerability)
    threshold_several: float = 0.5  # … of a question about several things (its parts score lower each)
    threshold_flagged: float = 0.0  # … at least, of one asking a number or an attribute no best candidate gives
    # Features read from the answer encoder, with their mean on the train split: what they are taken to be
    # when it is off (`PAPERS_ANSWER_ENCODER=none`), so the model's calibration holds instead of reading 0.
    without_answer_encoder: tuple[tuple[str, float], ...] = ()

    def with_answer_encoder_off(self, row: np.ndarray) -> np.ndarray:
        row = row.copy()
        for name, mean in self.without_answer_encoder:
            row[self.features.index(name)] = mean
        return row

    def decision(self, x: np.ndarray) -> np.ndarray:
        return x @ self.coef + self.intercept

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision(x)))


@cache
def load(name: str, expected: tuple[str, ...]) -> LinearModel:
    """The model in `name` beside this module, checked against the features the code computes now."""
    data = json.loads((HERE / name).read_text(encoding="utf-8"))
    features = tuple(data["features"])
    if features != expected:
        raise RuntimeError(f"{name} was fitted on other features; rerun {data.get('fitted_by', 'its training script')}")
    threshold = float(data.get("threshold", 0.5))
    return LinearModel(
        features,
        np.asarray(data["coef"], dtype=np.float32),
        float(data["intercept"]),
        threshold,
        float(data.get("threshold_several", threshold)),
        float(data.get("threshold_flagged", 0.0)),
        tuple((name, float(mean)) for name, mean in data.get("without_answer_encoder", {}).items()),
    )
