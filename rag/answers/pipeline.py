"""From a question to a checked answer: resolve a follow-up against the conversation, retrieve, answer
(extractive, or an LLM over the same passages), and put every answer through the citation check."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.answers.citations import check_answer
from rag.answers.conversation import prefer, resolve
from rag.answers.extractive import closest_passages, extractive_answer, typed_passages
from rag.answers.generated import llm_answer
from rag.answers.questions import analyse, is_question, parts
from rag.answers.scoring import DEFAULT_SCORING
from rag.answers.sentence_bank import SentenceBank
from rag.answers.typed_pool import PassagesOf
from rag.answers.types import Answer
from rag.index.records import Hit
from rag.llm.base import LLMBackend
from rag.search.filters import Filters
from rag.settings import Settings
from rag.text import is_cjk

# A Latin-script name in a Chinese question ("Multi-LexSum", "GPT-4", "N"): the things it is about.
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.+_][A-Za-z0-9]+)*")

# (query, k, filters) → (hits, the query's vector or None)
Retrieve = Callable[[str, int | None, Filters | None], tuple[list[Hit], np.ndarray | None]]


@dataclass
class IndexFacts:
    """What the answerer may ask of the index beyond the passages: paper vectors (for topicality) and
    whether a word occurs anywhere (for names no paper mentions), a Chinese question's English form
    (rag.search.translate; None when it has none), and a paper's passages with their vectors (for the
    passages stating what a question asks, `rag.answers.typed_pool`)."""

    paper_vectors: Callable[[list[str]], dict[str, np.ndarray]] = lambda ids: {}
    known: Callable[[str], bool] | None = None
    translate: Callable[[str], str | None] | None = None
    passages_of: PassagesOf | None = None


def answer_question(
    question: str,
    *,
    retrieve: Retrieve,
    bank: SentenceBank,
    settings: Settings,
    k: int | None = None,
    filters: Filters | None = None,
    history: list[tuple[str, Any]] | None = None,
    titles: Callable[[], dict[str, str]] | None = None,
    backend: LLMBackend | None = None,
    on_token: Callable[[str], None] | None = None,
    facts: IndexFacts | None = None,
) -> Answer:
    """A cited answer to a cleaned question. `history`: the (question, answer) turns so far; `titles`:
    paper id → title of the library (read only for follow-ups, to name the papers they refer to). The
    answerer reads at least `pool_passages` passages, however few `k` asks for."""
    s = settings
    facts = facts or IndexFacts()
    depth = max(k or s.top_k, DEFAULT_SCORING.pool_passages)
    names = titles() if history and titles else None
    resolution = resolve(question, history, titles=names)
    hits, vector = retrieve_parts(retrieve, resolution.query, depth, filters)
    answer = None
    if history and not resolution.expanded:  # does it stand on its own? (extractive: cheap, no LLM yet)
        answer = compose_answer(question, vector, hits, bank, s, facts=facts)
        if answer.refused:  # weak on its own: try it as a follow-up
            resolution = resolve(question, history, titles=names, force=True)
            hits, vector = retrieve_parts(retrieve, resolution.query, depth, filters)
    pin = (filters or Filters()).only(resolution.prefer_papers) if resolution.expanded else None
    if pin is not None:  # the papers the conversation is about, as far as the chosen filters allow
        pinned, _ = retrieve(resolution.query, 3, pin)
        hits = prefer(hits, pinned, pin.papers, depth)
    if answer is None or resolution.expanded or backend is not None:
        answer = compose_answer(
            question,
            vector,
            hits,
            bank,
            s,
            backend=backend,
            prefer_papers=resolution.prefer_papers if resolution.expanded else None,
            on_token=on_token,
            facts=facts,
            query=resolution.query,
        )
    answer.query = resolution.query
    return answer


def retrieve_parts(
    retrieve: Retrieve, query: str, depth: int, filters: Filters | None
) -> tuple[list[Hit], np.ndarray | None]:
    """The passages of a question and, when it asks about several things, of each part alone
    (`questions.parts`), taken in turn so every part's best passages are read: asked whole, a question
    about two papers retrieved only the one its words favour."""
    hits, vector = retrieve(query, depth, filters)
    split = parts(analyse(query)) if not is_cjk(query) else []
    if not split:
        return hits, vector
    lists = [hits, *(retrieve(part, DEFAULT_SCORING.part_passages, filters)[0] for part in split)]
    merged: dict[str, Hit] = {}
    for turn in itertools.zip_longest(*lists):
        for hit in turn:
            if hit is not None:
                merged.setdefault(hit.chunk_id, hit)
    return list(merged.values())[:depth], vector


def answerability_threshold(text: str = "?") -> float:
    """The calibrated decline threshold the extractive answerer applies to `text` (`calibrated_threshold`)."""
    from rag.answers.extractive import calibrated_threshold

    return calibrated_threshold(analyse(text), statement=not is_question(text))


def compose_answer(
    question: str,
    query_vector: np.ndarray | None,
    hits: list[Hit],
    bank: SentenceBank,
    settings: Settings,
    *,
    backend: LLMBackend | None = None,
    prefer_papers: list[str] | None = None,
    on_token: Callable[[str], None] | None = None,
    facts: IndexFacts | None = None,
    query: str | None = None,
) -> Answer:
    """Extractive or LLM answer, then the citation check — every answer passes through it (`query`: what
    was retrieved with, when a follow-up was resolved)."""
    s = settings
    facts = facts or IndexFacts()
    english = facts.translate(query or question) if facts.translate and is_cjk(question) else None
    answer = None
    if english is not None and query_vector is not None:
        answer = _answer_in_english(question, english, query_vector, hits, bank, s, facts)
    answer = answer or _extract(question, query_vector, hits, bank, s, facts, prefer_papers=prefer_papers, query=query)
    if backend is not None and not answer.refused:  # below threshold the LLM is not even asked
        given = [h for h in hits[:6] if (h.kind == "zh") == is_cjk(question)] or hits[:6]
        if query_vector is not None and not is_cjk(question):  # what a named paper states of the asked value
            given += typed_passages(
                analyse(english or query or question), given, query_vector, facts.passages_of, per_paper=2
            )
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
            answer.closest = closest_passages(hits)
        return answer
    if answer.refused:
        return answer
    return check_answer(answer, bank, threshold=s.support_threshold, drop_unsupported=s.drop_unsupported)


def _answer_in_english(
    question: str,
    english: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    bank: SentenceBank,
    settings: Settings,
    facts: IndexFacts,
) -> Answer | None:
    """A Chinese question over English papers: the answer its English form gets, quoted from the English
    passages with the same decline rules. None when the retrieved passages include Chinese summaries that
    answer it (the bundled corpus's kind "zh"): those are read as before."""
    s = settings
    if any(h.kind == "zh" for h in hits):
        own = extractive_answer(
            question, None, hits, bank, max_sentences=s.max_answer_sentences, min_coverage_cjk=s.min_coverage_cjk
        )
        quoted = " ".join(src.hit.title + " " + src.hit.text for src in own.sources).lower()
        names = _LATIN_NAME.findall(unicodedata.normalize("NFKC", question))
        if not own.refused and all(name.lower() in quoted for name in names):
            return None
    answer = _extract(english, query_vector, [h for h in hits if h.kind != "zh"], bank, s, facts)
    answer.question = question
    return answer


def _extract(
    question: str,
    query_vector: np.ndarray | None,
    hits: list[Hit],
    bank: SentenceBank,
    settings: Settings,
    facts: IndexFacts,
    **options: Any,
) -> Answer:
    """The extractive answer with the settings' limits, the calibrated threshold and the index's facts."""
    s = settings
    return extractive_answer(
        question,
        query_vector,
        hits,
        bank,
        max_sentences=s.max_answer_sentences,
        min_relevance=s.min_relevance,  # None: the calibrated threshold, read from the question as it is answered
        min_coverage_cjk=s.min_coverage_cjk,
        paper_vectors=facts.paper_vectors(sorted({h.paper_id for h in hits})),
        known=facts.known,
        passages_of=facts.passages_of,
        **options,
    )
