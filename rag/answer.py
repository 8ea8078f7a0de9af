"""Extractive cited answers: pick the retrieved sentences that answer the question, cite each one.

No LLM: every sentence of an answer is quoted verbatim from a passage the user is shown, so a
citation can never point at text that does not say it. When the retrieved text is not similar
enough to the question, the answer says the corpus does not hold it and lists the closest passages.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from rag.lexical import is_cjk, tokenize
from rag.retrieval import Hit
from rag.sentences import is_heading, sentence_spans

REFUSAL = "The indexed papers don't appear to answer this."
Encode = Callable[[list[str]], np.ndarray]

# Questions that ask for a survey across the corpus: spread the answer over several papers.
_BROAD = re.compile(
    r"\b(papers|works|studies|approaches|methods|which (?:papers|works)|list|compare|comparison|several|"
    r"different|various|across)\b|哪些|比较|对比",
    re.IGNORECASE,
)


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
    verbatim: bool = False  # the text occurs character for character in a cited passage
    page: str = ""  # where in the cited paper, e.g. "p. 3" (empty for abstract-only records)


@dataclass
class Answer:
    question: str
    sentences: list[AnswerSentence]
    sources: list[Source]
    refused: bool = False
    mode: str = "extractive"
    confidence: float = 0.0
    closest: list[Hit] = field(default_factory=list)
    query: str = ""  # what was actually retrieved with (differs from question for resolved follow-ups)
    removed_citations: list[int] = field(default_factory=list)  # ids cited that were never given
    dropped: list[str] = field(default_factory=list)  # unsupported sentences removed by the checker
    raw: str = ""  # the generator's text before the citation check (LLM mode)

    @property
    def text(self) -> str:
        if self.refused or not self.sentences:
            return REFUSAL
        return " ".join(f"{s.text} {''.join(f'[{n}]' for n in s.citations)}".strip() for s in self.sentences)

    @property
    def cited_papers(self) -> list[str]:
        """Paper ids of the sources, in citation order (what a follow-up question refers back to)."""
        seen: list[str] = []
        for s in self.sources:
            if s.hit.paper_id not in seen:
                seen.append(s.hit.paper_id)
        return seen

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "query": self.query or self.question,
            "answer": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "confidence": round(self.confidence, 4),
            "sentences": [asdict(s) for s in self.sentences],
            "sources": [
                {"n": s.n, "quotes": [s.hit.text[a:b] for a, b in s.quotes], **asdict(s.hit)} for s in self.sources
            ],
            "removed_citations": self.removed_citations,
            "dropped": self.dropped,
            "closest": [asdict(h) for h in self.closest],
        }


class SentenceBank:
    """Sentence spans and unit vectors per passage text, computed once and kept (LRU).

    Embedding sentences is what an answer costs; passages recur across questions, so each is split
    and encoded once per process (and `encode` may itself be backed by the on-disk embedding cache).
    """

    def __init__(self, encode: Encode, max_passages: int = 4096) -> None:
        self._encode = encode
        self._max = max_passages
        self._rows: OrderedDict[str, tuple[list[tuple[int, int]], np.ndarray]] = OrderedDict()

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()

    def prepare(self, texts: list[str]) -> None:
        """Split and encode, in one batch, every passage not seen yet."""
        todo: dict[str, tuple[str, list[tuple[int, int]]]] = {}
        for text in texts:
            key = self._key(text)
            if key in self._rows:
                self._rows.move_to_end(key)
            elif key not in todo:
                todo[key] = (text, sentence_spans(text))
        if not todo:
            return
        flat = [text[a:b] for text, spans in todo.values() for a, b in spans]
        vectors = self._encode(flat) if flat else np.zeros((0, 1), np.float32)
        at = 0
        for key, (_, spans) in todo.items():
            self._rows[key] = (spans, vectors[at : at + len(spans)])
            at += len(spans)
        while len(self._rows) > self._max:
            self._rows.popitem(last=False)

    def get(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        key = self._key(text)
        if key not in self._rows:
            self.prepare([text])
        return self._rows[key]

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


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


def _candidates(question: str, hits: list[Hit], bank: SentenceBank, passages: int) -> list[_Candidate]:
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
            if 25 <= len(text) <= 700 or (cjk and len(text) >= 8):
                out.append(_Candidate(rank, start, end, text, vector=None if vectors is None else vectors[i]))
    return out


def confidence_of(question: str, hits: list[Hit], candidates: list[_Candidate] | None = None) -> float:
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
    return (passage + sentence) / 2 + (NAME_BONUS if names_a_paper(question, hits[:3]) else 0.0)


NAME_BONUS = 0.1  # a question that names a retrieved paper ("How does NOVER work?") is on topic
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
    passages: int = 6,
    prefer_papers: list[str] | None = None,
) -> Answer:
    """Select, de-duplicate and order sentences from the top passages; number sources by first use."""
    if not isinstance(bank, SentenceBank):
        bank = SentenceBank(bank)
    cjk = is_cjk(question)
    if not cjk and query_vector is not None:
        bank.prepare([h.text for h in hits[:passages] if h.kind != "zh"])
    candidates = _candidates(question, hits, bank, passages) if hits else []
    weights = _term_weights(set(tokenize(question)), [c.text for c in candidates])
    prefer = set(prefer_papers or [])
    for c in candidates:
        lexical = _weighted_overlap(weights, c.text)
        bonus = 0.05 if hits[c.hit_rank].paper_id in prefer else 0.0
        bonus -= 0.5 if _BOILERPLATE.search(c.text) else 0.0
        if cjk or query_vector is None or c.vector is None:
            c.score = lexical - 0.05 * c.hit_rank + bonus
        else:
            c.sim = float(c.vector @ query_vector)
            c.score = c.sim + 0.2 * lexical - 0.01 * c.hit_rank + bonus
    confidence = confidence_of(question, hits, candidates)
    threshold = min_coverage_cjk if cjk else min_relevance
    if not candidates or confidence < threshold:
        return Answer(question, [], [], refused=True, confidence=confidence, closest=hits[:3])
    chosen = _select(candidates, hits, max_sentences, broad=is_broad(question))
    return _compose(question, chosen, hits, confidence)


def _select(candidates: list[_Candidate], hits: list[Hit], limit: int, *, broad: bool) -> list[_Candidate]:
    """Greedy: best first, skipping near-duplicates and weak tails; a paper already used pays a little
    (more when the question is broad, so a survey question hears from several papers)."""
    best = max(c.score for c in candidates)
    floor = best - (0.15 if broad else 0.1)
    penalty = 0.08 if broad else 0.03
    chosen: list[_Candidate] = []
    used: set[str] = set()
    pool = list(candidates)
    while pool and len(chosen) < limit:
        pool.sort(key=lambda c: -(c.score - (penalty if hits[c.hit_rank].paper_id in used else 0.0)))
        pick = pool.pop(0)
        if chosen and pick.score < floor:
            break
        if any(_near_duplicate(pick, c, hits) for c in chosen):
            continue
        chosen.append(pick)
        used.add(hits[pick.hit_rank].paper_id)
    return chosen


def _near_duplicate(a: _Candidate, b: _Candidate, hits: list[Hit]) -> bool:
    """Same sentence (overlapping chunks repeat text), or a paraphrase (Chinese summary vs takeaways)."""
    if hits[a.hit_rank].paper_id == hits[b.hit_rank].paper_id and (
        a.text == b.text or a.text in b.text or b.text in a.text
    ):
        return True
    if a.vector is not None and b.vector is not None:
        return float(a.vector @ b.vector) > 0.9
    ta, tb = set(tokenize(a.text)), set(tokenize(b.text))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.8


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


def compose_answer(
    question: str,
    query_vector: np.ndarray | None,
    hits: list[Hit],
    bank: SentenceBank,
    settings: Any,  # rag.settings.Settings
    *,
    backend: Any = None,  # rag.llm.LLMBackend; None → extractive
    prefer_papers: list[str] | None = None,
    on_token: Callable[[str], None] | None = None,
) -> Answer:
    """Extractive or LLM answer, then the citation check — every answer passes through it."""
    from rag.citations import check_answer

    s = settings
    answer = extractive_answer(
        question,
        query_vector,
        hits,
        bank,
        max_sentences=s.max_answer_sentences,
        min_relevance=s.min_relevance,
        min_coverage_cjk=s.min_coverage_cjk,
        prefer_papers=prefer_papers,
    )
    if backend is not None and not answer.refused:  # below threshold the LLM is not even asked
        from rag.llm.generate import llm_answer

        given = [h for h in hits[:6] if (h.kind == "zh") == is_cjk(question)] or hits[:6]
        answer = llm_answer(
            question,
            given,
            backend,
            stream=s.llm_stream,
            on_token=on_token,
            max_sentences=s.max_answer_sentences + 1,
            confidence=answer.confidence,
        )
        answer = check_answer(
            answer, bank, threshold=s.support_threshold, drop_unsupported=s.drop_unsupported, given=given
        )
        if answer.refused:
            answer.closest = hits[:3]
        return answer
    if answer.refused:
        return answer
    return check_answer(answer, bank, threshold=s.support_threshold, drop_unsupported=s.drop_unsupported)
