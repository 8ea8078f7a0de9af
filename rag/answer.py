"""Extractive cited answers: pick the retrieved sentences that answer the question, cite each one.

No LLM: every sentence of an answer is quoted verbatim from a passage the user is shown, so a
citation can never point at text that does not say it. When the best passage is not similar enough
to the question, the answer says the corpus does not hold it and lists the closest passages instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from rag.lexical import is_cjk, tokenize
from rag.retrieval import Hit
from rag.sentences import sentence_spans

REFUSAL = "The indexed papers don't appear to answer this."


@dataclass
class Source:
    """A cited passage: number [n], the passage, and which character spans of it were quoted."""

    n: int
    hit: Hit
    quotes: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class AnswerSentence:
    text: str
    citations: list[int]
    support: float = 1.0  # how well the cited passages support it (1.0: verbatim quote)
    supported: bool = True


@dataclass
class Answer:
    question: str
    sentences: list[AnswerSentence]
    sources: list[Source]
    refused: bool = False
    mode: str = "extractive"
    confidence: float = 0.0
    closest: list[Hit] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.refused:
            return REFUSAL
        return " ".join(f"{s.text} {''.join(f'[{n}]' for n in s.citations)}".strip() for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "confidence": round(self.confidence, 4),
            "sentences": [asdict(s) for s in self.sentences],
            "sources": [
                {"n": s.n, "quotes": [s.hit.text[a:b] for a, b in s.quotes], **asdict(s.hit)} for s in self.sources
            ],
            "closest": [asdict(h) for h in self.closest],
        }


@dataclass
class _Candidate:
    hit_rank: int
    start: int
    end: int
    text: str
    score: float = 0.0
    vector: np.ndarray | None = None


def _overlap(query_tokens: set[str], text: str) -> float:
    if not query_tokens:
        return 0.0
    return len(query_tokens & set(tokenize(text))) / len(query_tokens)


def confidence_of(question: str, hits: list[Hit]) -> float:
    """Dense cosine of the best passage; for CJK questions (English-only embedder) lexical coverage."""
    if not hits:
        return 0.0
    if is_cjk(question):
        tokens = set(tokenize(question))
        return max(_overlap(tokens, h.text) for h in hits)
    return max((h.dense for h in hits if h.dense is not None), default=0.0)


def extractive_answer(
    question: str,
    query_vector: np.ndarray | None,
    hits: list[Hit],
    encode,  # Callable[[list[str]], np.ndarray]
    *,
    max_sentences: int = 4,
    min_relevance: float = 0.3,
    min_coverage_cjk: float = 0.2,
    passages: int = 6,
) -> Answer:
    """Select, de-duplicate and order sentences from the top passages; number sources by first use."""
    confidence = confidence_of(question, hits)
    threshold = min_coverage_cjk if is_cjk(question) else min_relevance
    if not hits or confidence < threshold:
        return Answer(question, [], [], refused=True, confidence=confidence, closest=hits[:3])
    cjk = is_cjk(question)
    query_tokens = set(tokenize(question))
    candidates: list[_Candidate] = []
    for rank, hit in enumerate(hits[:passages]):
        if (hit.kind == "zh") != cjk:  # Chinese summaries answer Chinese questions, and only those
            continue
        for start, end in sentence_spans(hit.text):
            text = hit.text[start:end]
            if 25 <= len(text) <= 700 or (cjk and len(text) >= 8):
                candidates.append(_Candidate(rank, start, end, text))
    if not candidates:
        return Answer(question, [], [], refused=True, confidence=confidence, closest=hits[:3])

    if cjk or query_vector is None:
        for c in candidates:
            c.score = _overlap(query_tokens, c.text) - 0.05 * c.hit_rank
    else:
        vectors = encode([c.text for c in candidates])
        sims = vectors @ query_vector
        for c, v, sim in zip(candidates, vectors, sims, strict=True):
            c.vector = v
            c.score = float(sim) + 0.2 * _overlap(query_tokens, c.text) - 0.01 * c.hit_rank

    chosen = _select(candidates, hits, max_sentences)
    return _compose(question, chosen, hits, confidence)


def _select(candidates: list[_Candidate], hits: list[Hit], limit: int) -> list[_Candidate]:
    """Greedy: best first, skipping near-duplicates and weak tails; a paper already used pays a little."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0].score
    chosen: list[_Candidate] = []
    used_papers: set[str] = set()
    pool = list(ranked)
    while pool and len(chosen) < limit:

        def adjusted(c: _Candidate) -> float:
            return c.score - (0.04 if hits[c.hit_rank].paper_id in used_papers else 0.0)

        pool.sort(key=lambda c: -adjusted(c))
        pick = pool.pop(0)
        if chosen and pick.score < best * 0.75:
            break
        if any(_near_duplicate(pick, c, hits) for c in chosen):
            continue
        chosen.append(pick)
        used_papers.add(hits[pick.hit_rank].paper_id)
    return chosen


def _near_duplicate(a: _Candidate, b: _Candidate, hits: list[Hit]) -> bool:
    if hits[a.hit_rank].paper_id == hits[b.hit_rank].paper_id and (
        a.text == b.text or (a.start < b.end and b.start < a.end and a.hit_rank == b.hit_rank)
    ):
        return True
    if a.vector is not None and b.vector is not None:
        return float(a.vector @ b.vector) > 0.9
    return a.text == b.text


def _compose(question: str, chosen: list[_Candidate], hits: list[Hit], confidence: float) -> Answer:
    """Group sentences by passage (best passage first), in reading order inside a passage."""
    order: list[int] = []
    for c in chosen:
        if c.hit_rank not in order:
            order.append(c.hit_rank)
    sources: list[Source] = []
    sentences: list[AnswerSentence] = []
    for rank in order:
        mine = sorted((c for c in chosen if c.hit_rank == rank), key=lambda c: c.start)
        source = Source(n=len(sources) + 1, hit=hits[rank], quotes=[(c.start, c.end) for c in mine])
        sources.append(source)
        sentences += [AnswerSentence(text=c.text, citations=[source.n]) for c in mine]
    return Answer(question, sentences, sources, confidence=confidence)
