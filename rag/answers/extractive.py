"""Extractive cited answers: pick the retrieved sentences that answer the question, cite each one.

No LLM: every sentence of an answer is quoted verbatim from a passage the user is shown, so a
citation can never point at text that does not say it. When the retrieved text is not similar
enough to the question, the answer says the corpus does not hold it and lists the closest passages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rag.answers.scoring import DEFAULT_SCORING, ExtractiveScoring
from rag.answers.sentence_bank import Encode, SentenceBank
from rag.answers.types import Answer, AnswerSentence, Source
from rag.index.records import Hit
from rag.text import is_cjk, is_heading, sentence_spans, tokenize

# Questions that ask for a survey across the corpus: spread the answer over several papers.
_BROAD = re.compile(
    r"\b(papers|works|studies|approaches|methods|which (?:papers|works)|list|compare|comparison|several|"
    r"different|various|across)\b|哪些|比较|对比",
    re.IGNORECASE,
)


@dataclass
class _Candidate:
    hit_rank: int
    start: int
    end: int
    text: str
    score: float = 0.0
    sim: float = 0.0
    vector: np.ndarray | None = None


def _overlap(query_tokens: set[str], text: str) -> float:
    if not query_tokens:
        return 0.0
    return len(query_tokens & set(tokenize(text))) / len(query_tokens)


def _weighted_overlap(weights: dict[str, float], text: str) -> float:
    """Share of the question's term weight found in `text` (rare terms count for more)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    found = set(tokenize(text))
    return sum(w for t, w in weights.items() if t in found) / total


def _term_weights(query_tokens: set[str], texts: list[str]) -> dict[str, float]:
    """IDF of each question term over the candidate sentences: a term every sentence has says little."""
    sets = [set(tokenize(t)) for t in texts]
    n = len(sets) or 1
    return {t: math.log(1 + n / (1 + sum(t in s for s in sets))) for t in query_tokens}


# Boilerplate that matches a question about a paper by name but answers nothing.
_BOILERPLATE = re.compile(
    r"https?://|\\footnote|\\href|github\.com"
    r"|\b(code|data(sets?)?|implementation|resources?|project repository) (is|are) (publicly )?available",
    re.IGNORECASE,
)


def is_broad(question: str) -> bool:
    return bool(_BROAD.search(question))


def _candidates(
    question: str, hits: list[Hit], bank: SentenceBank, passages: int, w: ExtractiveScoring
) -> list[_Candidate]:
    cjk = is_cjk(question)
    out: list[_Candidate] = []
    for rank, hit in enumerate(hits[:passages]):
        if (hit.kind == "zh") != cjk:  # Chinese summaries answer Chinese questions, and only those
            continue
        spans, vectors = bank.get(hit.text) if not cjk else (sentence_spans(hit.text), None)
        for i, (start, end) in enumerate(spans):
            text = hit.text[start:end]
            if is_heading(text) and not cjk:  # a section title is not an answer
                continue
            fits = w.min_sentence_chars <= len(text) <= w.max_sentence_chars
            if fits or (cjk and len(text) >= w.min_sentence_chars_cjk):
                out.append(_Candidate(rank, start, end, text, vector=None if vectors is None else vectors[i]))
    return out


def confidence_of(
    question: str,
    hits: list[Hit],
    candidates: list[_Candidate] | None = None,
    w: ExtractiveScoring = DEFAULT_SCORING,
) -> float:
    """How sure we are the passages answer the question, on the scale the thresholds are set on.

    English: the mean of the best passage cosine and the best sentence cosine (a sentence that
    matches sharply lifts a passage that is only broadly on topic). Chinese (the embedder is
    English-only): the share of the question's bigrams found in the best passage.
    """
    if not hits:
        return 0.0
    if is_cjk(question):
        tokens = set(tokenize(question))
        return max(_overlap(tokens, h.text) for h in hits)
    passage = max((h.dense for h in hits if h.dense is not None), default=0.0)
    sentence = max((c.sim for c in candidates or []), default=passage)
    return (passage + sentence) / 2 + (w.name_bonus if names_a_paper(question, hits[:3]) else 0.0)


_NAME = re.compile(r"\b(?=[\w-]*(?:[A-Z][\w-]*[A-Z]|\d))[A-Za-z][\w-]*[A-Za-z0-9]\b")  # NOVER, TinyV, GUI-G1


def names_a_paper(question: str, hits: list[Hit]) -> bool:
    """The question uses a name-like word (capitals inside, or digits) that a retrieved paper's title has."""
    names = {m.group(0).lower() for m in _NAME.finditer(question)}
    if not names:
        return False
    return any(names & {w.lower() for w in re.findall(r"[\w-]+", h.title)} for h in hits)


def extractive_answer(
    question: str,
    query_vector: np.ndarray | None,
    hits: list[Hit],
    bank: SentenceBank | Encode,
    *,
    max_sentences: int = 4,
    min_relevance: float = 0.3,
    min_coverage_cjk: float = 0.2,
    prefer_papers: list[str] | None = None,
    scoring: ExtractiveScoring = DEFAULT_SCORING,
) -> Answer:
    """Select, de-duplicate and order sentences from the top passages; number sources by first use."""
    if not isinstance(bank, SentenceBank):
        bank = SentenceBank(bank)
    w, passages = scoring, scoring.passages
    cjk = is_cjk(question)
    if not cjk and query_vector is not None:
        bank.prepare([h.text for h in hits[:passages] if h.kind != "zh"])
    candidates = _candidates(question, hits, bank, passages, w) if hits else []
    weights = _term_weights(set(tokenize(question)), [c.text for c in candidates])
    prefer = set(prefer_papers or [])
    for c in candidates:
        lexical = _weighted_overlap(weights, c.text)
        bonus = w.prefer_bonus if hits[c.hit_rank].paper_id in prefer else 0.0
        bonus -= w.boilerplate_penalty if _BOILERPLATE.search(c.text) else 0.0
        if cjk or query_vector is None or c.vector is None:
            c.score = lexical - w.rank_penalty_cjk * c.hit_rank + bonus
        else:
            c.sim = float(c.vector @ query_vector)
            c.score = c.sim + w.lexical_weight * lexical - w.rank_penalty * c.hit_rank + bonus
    confidence = confidence_of(question, hits, candidates, w)
    threshold = min_coverage_cjk if cjk else min_relevance
    if not candidates or confidence < threshold:
        return Answer(question, [], [], refused=True, confidence=confidence, closest=hits[:3])
    chosen = _select(candidates, hits, max_sentences, w, broad=is_broad(question))
    return _compose(question, chosen, hits, confidence)


def _select(
    candidates: list[_Candidate], hits: list[Hit], limit: int, w: ExtractiveScoring, *, broad: bool
) -> list[_Candidate]:
    """Greedy: best first, skipping near-duplicates and weak tails; a paper already used pays a little
    (more when the question is broad, so a survey question hears from several papers)."""
    best = max(c.score for c in candidates)
    floor = best - (w.floor_broad if broad else w.floor)
    penalty = w.repeat_paper_penalty_broad if broad else w.repeat_paper_penalty
    chosen: list[_Candidate] = []
    used: set[str] = set()
    pool = list(candidates)
    while pool and len(chosen) < limit:
        pool.sort(key=lambda c: -(c.score - (penalty if hits[c.hit_rank].paper_id in used else 0.0)))
        pick = pool.pop(0)
        if chosen and pick.score < floor:
            break
        if any(_near_duplicate(pick, c, hits, w) for c in chosen):
            continue
        chosen.append(pick)
        used.add(hits[pick.hit_rank].paper_id)
    return chosen


def _near_duplicate(a: _Candidate, b: _Candidate, hits: list[Hit], w: ExtractiveScoring) -> bool:
    """Same sentence (overlapping chunks repeat text), or a paraphrase (Chinese summary vs takeaways)."""
    if hits[a.hit_rank].paper_id == hits[b.hit_rank].paper_id and (
        a.text == b.text or a.text in b.text or b.text in a.text
    ):
        return True
    if a.vector is not None and b.vector is not None:
        return float(a.vector @ b.vector) > w.duplicate_cosine
    ta, tb = set(tokenize(a.text)), set(tokenize(b.text))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > w.duplicate_overlap


def _compose(question: str, chosen: list[_Candidate], hits: list[Hit], confidence: float) -> Answer:
    """Group sentences by paper (best first), in reading order inside a passage; sources by first use."""
    paper_order: list[str] = []
    for c in chosen:
        pid = hits[c.hit_rank].paper_id
        if pid not in paper_order:
            paper_order.append(pid)
    ordered = sorted(chosen, key=lambda c: (paper_order.index(hits[c.hit_rank].paper_id), c.hit_rank, c.start))
    sources: dict[int, Source] = {}
    sentences: list[AnswerSentence] = []
    for c in ordered:
        hit = hits[c.hit_rank]
        source = sources.get(c.hit_rank)
        if source is None:
            source = sources[c.hit_rank] = Source(n=len(sources) + 1, hit=hit)
        source.quotes.append((c.start, c.end))
        sentences.append(AnswerSentence(c.text, [source.n], verbatim=True, page=hit.pages))
    return Answer(question, sentences, list(sources.values()), confidence=confidence)
