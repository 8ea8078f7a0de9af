"""The extractive answerer's numbers that are not fitted, named, each with what it does. The weights that
score sentences and answerability are fitted (scorer_weights.json, answerability_weights.json); these
bound the candidate pool and the shape of an answer, and were set on the train split of bench/questions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractiveScoring:
    pool_passages: int = 24  # passages whose sentences all compete (set on train: 1.2 points more answered than 16)
    part_passages: int = 3  # passages retrieved for each part of a question about several things, read in turn
    typed_passages: int = 3  # passages of a named paper stating what the question asks for, added to the pool
    passages: int = 6  # passages Chinese questions read (matched lexically)
    min_sentence_chars: int = 25  # shorter English sentences are fragments, not answers
    max_sentence_chars: int = 700  # longer ones are extraction run-ons
    min_sentence_chars_cjk: int = 8  # Chinese packs more into fewer characters
    rank_penalty_cjk: float = 0.05  # per rank of the passage a Chinese sentence comes from
    prefer_bonus: float = 0.5  # fitted-score bonus for the papers a follow-up question is about
    boilerplate_penalty: float = 3.0  # fitted-score penalty for "code is available at …" and link-only sentences
    margin: float = 3.0  # other sentences are quoted when within this fitted score of the best
    quote_mass: float = 0.85  # … until the quoted ones hold this share of the answer probability (both set on train)
    tie_band: float = 0.25  # scores this close are a tie: a sentence this close to the last quoted one is quoted too
    tie_redundancy: float = 2.0  # the last place among tied ones: score less this times cosine with a quoted one
    typed_margin: float = 2.0  # a sentence stating the asked-for value is quoted when this close to the best
    neighbour_margin: float = 3.0  # the best's neighbour that carries the asked-for value, when the best doesn't
    margin_broad: float = 4.5  # a paper's best sentence this close to the best is quoted for questions across papers
    broad_floor: float = 0.0  # … and any paper's best sentence scoring above this (even far below a very sure best)
    max_quotes: int = 3  # sentences quoted for a question about one thing
    answerability_top: int = 5  # best sentences whose signals decide whether the question is answered
    rare_word_zipf: float = 1.5  # a lower-case word English uses less than this (wordfreq zipf) is a name ("brms"),
    # below inflections of English words ("maximised" 2.0) and above packages (brms 1.3, verl 1.4, fixest 0)
    floor: float = 0.1  # Chinese: a sentence more than this below the best is not taken
    duplicate_cosine: float = 0.9  # two sentences this similar say the same thing
    duplicate_overlap: float = 0.8  # or share this much of their words (when no vectors)


DEFAULT_SCORING = ExtractiveScoring()
