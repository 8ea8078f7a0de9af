"""The tuned numbers of the extractive answerer, named, each with what it does (set on the bundled corpus
and SciFact with bench/eval_answers.py; the refusal thresholds themselves are Settings fields)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractiveScoring:
    passages: int = 6  # sentences are taken from this many top passages
    min_sentence_chars: int = 25  # shorter English sentences are fragments, not answers
    max_sentence_chars: int = 700  # longer ones are extraction run-ons
    min_sentence_chars_cjk: int = 8  # Chinese packs more into fewer characters
    lexical_weight: float = 0.2  # share of the IDF-weighted term overlap added to the sentence cosine
    rank_penalty: float = 0.01  # per rank of the passage a sentence comes from (dense scoring)
    rank_penalty_cjk: float = 0.05  # the same for Chinese, where overlap alone scores sentences
    prefer_bonus: float = 0.05  # for sentences of the papers a follow-up question is about
    boilerplate_penalty: float = 0.5  # for "code is available at …" and link-only sentences
    name_bonus: float = 0.1  # confidence bonus when the question names a retrieved paper ("How does NOVER…")
    floor: float = 0.1  # a sentence more than this below the best one is not taken
    floor_broad: float = 0.15  # the same for survey questions ("which papers…"), which take more
    repeat_paper_penalty: float = 0.03  # for a second sentence from a paper already quoted
    repeat_paper_penalty_broad: float = 0.08  # the same for survey questions: hear from several papers
    duplicate_cosine: float = 0.9  # two sentences this similar say the same thing
    duplicate_overlap: float = 0.8  # or share this much of their words (when no vectors)


DEFAULT_SCORING = ExtractiveScoring()
