"""The answer encoder: the packaged fine-tuned MiniLM (int8 ONNX) loads, feeds the scorer, and is optional."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.answers import answer_encoder
from rag.answers.features import FEATURES
from rag.answers.sentence_bank import SentenceBank
from rag.errors import PapersError


def test_the_packaged_model_is_small_and_loads_without_torch() -> None:
    folder = answer_encoder.resolve("packaged")
    assert folder == answer_encoder.PACKAGED
    assert (folder / answer_encoder.MODEL_FILE).stat().st_size <= 25_000_000  # what the repo may carry
    vectors = answer_encoder.load(folder).encode(["How many GPUs were used?", "We trained on eight A100 GPUs."])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_a_sentence_vector_does_not_depend_on_what_is_encoded_with_it() -> None:
    """Dynamic int8 quantisation scales a batch's activations together: encoded in one batch, a sentence's
    vector moved with its batch-mates, and answers with the order sentences were first met in."""
    encoder = answer_encoder.load(answer_encoder.PACKAGED)
    sentence = "We trained on eight A100 GPUs for three days."
    others = ["The corpus holds 8.1 million papers, 12 % of them with full text.", "See Table 2.", "Why?" * 40]
    alone = encoder.encode([sentence])[0]
    assert np.array_equal(encoder.encode([*others, sentence])[-1], alone)
    assert np.array_equal(encoder.encode([others[0], sentence, others[2]])[1], alone)


def test_off_and_missing_answer_encoders() -> None:
    assert answer_encoder.resolve("none") is None and answer_encoder.resolve("") is None
    with pytest.raises(PapersError, match=r"no model\.int8\.onnx in /nonexistent"):
        answer_encoder.load(Path("/nonexistent"))


def test_sentence_vectors_are_encoded_once_and_questions_always() -> None:
    encoded: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        encoded.append(list(texts))
        rng = np.random.default_rng(len(encoded))
        v = rng.normal(size=(len(texts), 8)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    bank = SentenceBank(encode, answer_encode=encode)
    first = bank.answer_cosines("q1", ["a", "b"])
    second = bank.answer_cosines("q2", ["b", "c"])
    assert encoded == [["a", "b"], ["q1"], ["c"], ["q2"]]
    assert first.shape == second.shape == (2,)
    assert SentenceBank(encode).answer_cosines("q", ["a"]) is None  # off: no feature, no cost


def test_the_scorer_reads_the_answer_cosine(bundled_library, make_library) -> None:
    """Answers use it (its features are filled), and an index read with it off still answers: answerability
    takes the signals it reads at their train mean then, not at 0 (which declined every question)."""
    from rag.answers.extractive import scored_candidates

    question = "How many training samples does TinyV need?"
    hits, vector = bundled_library.retrieve(question, k=16, filters=None, mode=None)
    _, _, x = scored_candidates(question, vector, hits, bundled_library.engine.sentence_bank, None)
    col = FEATURES.index("answer_cosine")
    assert np.abs(x[:, col]).max() > 0 and x[:, col + 1].max() == 0.0  # the gap: 0 at the best

    from rag import Library

    off = Library(bundled_library.settings.model_copy(update={"answer_encoder": "none"}))
    _, _, x_off = scored_candidates(question, vector, hits, off.engine.sentence_bank, None)
    assert not x_off[:, col].any()
    assert bundled_library.engine.sentence_bank.answer_encoder_on and not off.engine.sentence_bank.answer_encoder_on
    answer = off.ask(question)
    assert answer.refused or answer.sources[0].hit.paper_id.startswith("tinyv")
    answer = off.ask("What benchmark does 360-R1 introduce?")
    assert not answer.refused and "360-R1" in answer.sources[0].hit.title


def test_ingest_caches_the_answer_vectors_a_question_reads(bundled_library, monkeypatch) -> None:
    """After an ingest, answering encodes the question only: every candidate's answer vector is on disk."""
    from rag import Library

    encoder = answer_encoder.load(answer_encoder.PACKAGED.resolve())
    encoded: list[list[str]] = []
    original = encoder.encode

    def counted(texts: list[str], batch_size: int | None = None) -> np.ndarray:
        encoded.append(list(texts))
        return original(texts, batch_size)

    monkeypatch.setattr(encoder, "encode", counted)
    fresh = Library(bundled_library.settings)  # a new process's view: an empty in-memory bank
    question = "Which benchmark does 360-R1 introduce?"
    answer = fresh.ask(question)
    assert not answer.refused
    assert encoded == [[question]]


def _candidate(paper: str, title: str, text: str, score: float):
    """A candidate sentence of `paper` with a fitted `score`, as answerability reads it."""
    from rag.answers.candidates import Candidate
    from rag.index.records import Hit

    return Candidate(0, Hit(f"{paper}:0", text, paper, title), 0, len(text), None, None, score=score)


def test_answerability_reads_the_answer_cosine_of_the_named_papers_sentences_only() -> None:
    """Another paper's sentence that reads like an answer does not make a question about TinyV answerable."""
    from rag.answers.extractive import ANSWERABILITY, answerability_features
    from rag.answers.questions import analyse

    pool = [
        _candidate("ml", "Multi-LexSum: Real-world Summaries", "Models are trained on two GPU nodes.", 2.0),
        _candidate("tv", "TinyV: Reducing False Negatives in Verification", "TinyV is a small verifier.", 1.0),
        _candidate("tv", "TinyV: Reducing False Negatives in Verification", "It checks answers.", 0.5),
    ]
    x = np.zeros((len(pool), len(FEATURES)), dtype=np.float32)
    x[:, FEATURES.index("answer_cosine")] = [0.9, 0.3, 0.4]
    column = ANSWERABILITY.index("subject_answer_cosine")
    named = answerability_features(analyse("How much GPU memory does TinyV need?"), pool, x)
    assert named[column] == pytest.approx(0.4)  # TinyV's best, not Multi-LexSum's 0.9
    unnamed = answerability_features(analyse("How much memory is needed for training?"), pool, x)
    assert unnamed[column] == pytest.approx(0.9)  # names no paper: every candidate's


def test_answerability_reads_whether_the_best_sentence_states_the_typed_value_asked() -> None:
    """ "How many seconds …" answered best by a sentence with no duration: the papers may not report it."""
    from rag.answers.extractive import ANSWERABILITY, answerability_features
    from rag.answers.questions import analyse
    from rag.answers.typed_pool import asked_type

    def pool(*texts: str) -> list:
        return [_candidate("ip", "ipred: Improved Predictors", t, 2.0 - i) for i, t in enumerate(texts)]

    def row(question: str, candidates: list) -> np.ndarray:
        q = analyse(question)
        test = asked_type(q)
        x = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
        x[:, FEATURES.index("states_asked")] = [float(test is not None and test(c.text)) for c in candidates]
        return answerability_features(q, candidates, x)

    column = ANSWERABILITY.index("best_unstated")
    timed = "How many seconds does bagging 25 trees take?"
    assert row(timed, pool("We fit 25 classification trees for bagging.", "It took 3.2 seconds."))[column] == 1.0
    assert row(timed, pool("Bagging 25 trees took 3.2 seconds.", "We fit 25 trees."))[column] == 0.0
    untyped = "Why does bagging reduce variance?"  # asks for nothing typed: nothing to be unstated
    assert row(untyped, pool("Averaging many trees cancels their errors."))[column] == 0.0


def test_without_the_answer_encoder_its_signals_are_taken_at_their_train_mean() -> None:
    from rag.answers.extractive import ANSWER_ENCODER_SIGNALS, answerability_model

    model = answerability_model()
    assert {name for name, _ in model.without_answer_encoder} == set(ANSWER_ENCODER_SIGNALS)
    row = np.zeros(len(model.features), dtype=np.float32)
    off = model.with_answer_encoder_off(row)
    for name, mean in model.without_answer_encoder:
        assert off[model.features.index(name)] == pytest.approx(mean) and 0.2 < mean < 0.9  # a cosine's mean, not 0
    assert not row.any()  # the row itself is left as it was


def test_answerability_reads_a_question_for_plans_its_paper_never_speaks_of() -> None:
    """A question for the authors' plans whose paper's sentences say nothing of future work: a signal of its
    own, and none for a question that asks no plans."""
    from rag.answers.extractive import ANSWERABILITY, answerability_features
    from rag.answers.questions import analyse

    pool = [
        _candidate("ip", "ipred: Improved Predictors", "This note presents the ipred package for bagging.", 2.0),
        _candidate("ip", "ipred: Improved Predictors", "Bagging 25 trees took 3.2 seconds.", 1.0),
    ]
    planned = [*pool, _candidate("ip", "ipred: Improved Predictors", "We plan to add boosting.", 0.5)]

    def unstated(question: str, candidates: list) -> float:
        x = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
        return answerability_features(analyse(question), candidates, x)[ANSWERABILITY.index("plans_unstated")]

    asked = "What do the ipred authors plan to add in future versions?"
    assert unstated(asked, pool) == 1.0
    assert unstated(asked, planned) == 0.0
    assert unstated("How many seconds does bagging 25 trees take?", pool) == 0.0
