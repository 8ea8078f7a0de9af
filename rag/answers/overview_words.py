"""Whether a question asks about a paper as a whole, read from its words by a fitted model: the cues of
`questions._CUES` ("main contribution", "limitations") catch a fifth of such questions; readers also ask
"What is the purpose of X?" or "What is X meant to provide?" (the model types 42 % of the dev ones, with the
cues, at 0.90 precision).

TF-IDF over the question's words and logistic regression, fitted by bench/train_question_types.py on the
train split's labelled questions (overview_weights.json: each word's idf and weight)."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

_WEIGHTS = Path(__file__).with_name("overview_weights.json")
_WORD = re.compile(r"(?u)\b\w\w+\b")  # the vectorizer's tokens, as fitted


@lru_cache(maxsize=1)
def _model() -> dict | None:
    return json.loads(_WEIGHTS.read_text(encoding="utf-8")) if _WEIGHTS.exists() else None


def asks_overview(text: str) -> bool:
    """The fitted model's probability that `text` asks about a paper as a whole is above its threshold."""
    model = _model()
    if model is None:
        return False
    words = model["words"]
    tf = {w: (1.0 + math.log(n)) * words[w][0] for w, n in Counter(_WORD.findall(text.lower())).items() if w in words}
    norm = math.sqrt(sum(v * v for v in tf.values())) or 1.0
    z = model["intercept"] + sum(v / norm * words[w][1] for w, v in tf.items())
    return 1.0 / (1.0 + math.exp(-z)) >= model["threshold"]
