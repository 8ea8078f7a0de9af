"""The answer encoder's fit (bench/train_answer_encoder.py) with unanswerable questions: their near misses are
pushed below a learnt cosine bar, so the cosine the answerability fit reads gets an absolute scale."""

from __future__ import annotations

import random

import numpy as np

from bench.train_answer_encoder import Row, finetune
from bench.train_answer_scorer import Item
from rag.answers.features import FEATURES

ANSWERABLE = [
    (
        "Which optimiser trained the parser?",
        "The parser was trained with Adam at a learning rate of 0.001.",
        ["Parsing is a core task in NLP.", "Our parser builds on prior work.", "Parsers are evaluated on treebanks."],
    ),
    (
        "How many annotators labelled each sentence?",
        "Each sentence was labelled by three annotators.",
        ["Annotation quality matters.", "We release the sentences.", "Labels follow a fixed scheme."],
    ),
    (
        "What licence is the corpus released under?",
        "The corpus is released under CC BY 4.0.",
        ["The corpus spans ten years.", "We describe the corpus below.", "Corpora like this are rare."],
    ),
    (
        "Why does the model fail on long documents?",
        "It fails on long documents because its context window holds 512 tokens.",
        ["Long documents are common.", "The model is a transformer.", "Documents come from the web."],
    ),
]
UNANSWERABLE = [
    (
        "What GPU memory does the parser need at inference?",
        ["The parser runs on a GPU.", "Inference follows training.", "Memory use is discussed in prior work."],
    ),
    (
        "How long did annotating the corpus take in hours?",
        ["Annotating the corpus was done by experts.", "The corpus has many hours of speech.", "Annotators were paid."],
    ),
]


def _row(question: str, texts: list[str], answers: int) -> Row:
    x = np.zeros((len(texts), len(FEATURES)), dtype=np.float32)
    x[:, FEATURES.index("cosine")] = np.linspace(1.0, 0.0, len(texts))  # the order near misses are taken in
    y = np.arange(len(texts)) < answers
    return Row(Item(question, [], "train", "pdfs"), x, y, texts, paper=question)


def _near_miss_cosine(model) -> float:
    questions = model.encode([q for q, _ in UNANSWERABLE], normalize_embeddings=True)
    return float(
        np.mean(
            [
                (model.encode(misses, normalize_embeddings=True) @ q).max()
                for q, (_, misses) in zip(questions, UNANSWERABLE, strict=True)
            ]
        )
    )


def _fit(base, weight: float):
    import torch

    random.seed(0)
    torch.manual_seed(0)
    pool = [_row(q, [a, *misses], 1) for q, a, misses in ANSWERABLE]
    refused = [_row(q, misses, 0) for q, misses in UNANSWERABLE]
    return finetune(
        base, pool, epochs=3, lr=1e-4, repeats={}, batch=4, unanswerable=refused, unanswerable_weight=weight
    )


def test_unanswerable_questions_push_their_near_misses_down(bundled_library) -> None:
    base = bundled_library.engine.embedder.model
    before = _near_miss_cosine(base)
    without, with_bar = _fit(base, 0.0), _fit(base, 1.0)
    assert _near_miss_cosine(with_bar) < min(before, _near_miss_cosine(without)) - 0.02
    assert _near_miss_cosine(base) == before  # the shared model is fitted on a copy
