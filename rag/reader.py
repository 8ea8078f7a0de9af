"""Reads: the catalogue, passages, search and cited answers over one index (what features build on)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property, wraps
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from rag.answers.highlights import HighlightLocator, pdf_path
from rag.answers.pipeline import IndexFacts, answer_question
from rag.answers.types import Answer, Highlight
from rag.engine import Engine
from rag.errors import IndexChangedError, PapersError
from rag.index.passages import TOPICAL_KINDS
from rag.index.records import Hit, PaperRecord
from rag.search.filters import Filters
from rag.search.fusion import reciprocal_rank_fusion
from rag.search.translate import translate
from rag.settings import Settings
from rag.text import clean_query, is_cjk

F = TypeVar("F", bound=Callable[..., Any])


def retry_if_changed(method: F) -> F:
    """Retry a read once on a freshly opened index when another process wrote to it meanwhile.

    Embedded Chroma keeps in-memory state per process; after another process's ingest it can fail until
    the index is opened again (a Chroma server has no such problem)."""

    @wraps(method)
    def wrapper(self: Reader, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except IndexChangedError:
            if not self.store.embedded:
                raise
            self.engine.reopen()
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class Reader:
    """The read side of a library: list, resolve, search, ask, neighbours, stats."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._paper_passages: tuple[object, OrderedDict[str, list[tuple[Hit, np.ndarray]]]] = (None, OrderedDict())

    @property
    def settings(self) -> Settings:
        return self.engine.settings

    @property
    def store(self):  # rag.index.store.Store
        return self.engine.store

    # -- the catalogue ------------------------------------------------------------------------------

    @retry_if_changed
    def papers(self) -> list[PaperRecord]:
        self.store.open_for_read(self.settings.embed_model)
        return sorted(self.store.papers(), key=lambda p: (p.title.lower(), p.id))

    def paper(self, paper_id: str) -> PaperRecord | None:
        """A paper by its exact id, or None."""
        return self.store.paper(paper_id)

    def resolve_paper(self, ref: str) -> PaperRecord:
        """A paper by exact id, then by arXiv id, then by unique case-insensitive title substring."""
        record = self.store.paper(ref) or self.store.paper(f"arxiv:{ref}")
        if record:
            return record
        needle = ref.lower().strip()
        matches = [p for p in self.store.papers() if needle and needle in p.title.lower()]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise PapersError(f"no paper matching {ref!r} in the index (see `papers list`)")
        listed = "; ".join(f"{m.id}" for m in matches[:5])
        raise PapersError(f"{ref!r} matches {len(matches)} papers ({listed}); use the paper id")

    def show(self, ref: str) -> tuple[PaperRecord, dict[str, int]]:
        """A paper (see `resolve_paper`) and how many chunks each of its sections has."""
        self.store.open_for_read(self.settings.embed_model)
        record = self.resolve_paper(ref)
        counts: dict[str, int] = {}
        for hit in self.store.passages_of(record.id):
            counts[hit.section] = counts.get(hit.section, 0) + 1
        return record, counts

    def stats(self) -> dict[str, Any]:
        self.store.open_for_read(self.settings.embed_model)
        papers = self.store.papers()
        by_source: dict[str, int] = {}
        for p in papers:
            by_source[p.source] = by_source.get(p.source, 0) + 1
        return {
            "index": self.store.location,
            "papers": len(papers),
            "chunks": self.store.count(),
            "by_source": by_source,
            "incomplete": [p.id for p in papers if p.state != "ready"],
            "embed_model": self.store.embed_model,
            "revision": self.store.revision,
        }

    # -- passages -----------------------------------------------------------------------------------

    @retry_if_changed
    def neighbours(self, chunk_id: str, n: int = 1) -> list[Hit]:
        """The chunk and up to `n` chunks either side of it in its paper, in reading order."""
        found = self.store.passages([chunk_id]).get(chunk_id)
        if found is None:
            raise PapersError(f"no passage {chunk_id!r} in the index")
        hits = self.store.passages_of(found.paper_id)
        at = next(i for i, h in enumerate(hits) if h.chunk_id == chunk_id)
        return hits[max(0, at - n) : at + n + 1]

    # -- search and answers -------------------------------------------------------------------------

    @retry_if_changed
    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
        rerank: bool | None = None,
    ) -> list[Hit]:
        hits, _ = self.retrieve(query, k=k, filters=filters, mode=mode, rerank=rerank)
        return hits

    def retrieve(
        self, query: str, *, k: int | None, filters: Filters | None, mode: str | None, rerank: bool | None = None
    ) -> tuple[list[Hit], np.ndarray | None]:
        """The k best passages for a query, and the query's vector (None in BM25 mode)."""
        s, engine = self.settings, self.engine
        query = clean_query(query)
        self.store.open_for_read(s.embed_model)
        retriever = engine.retriever  # at the store's current revision
        self.store.require_nonempty(rows=retriever.lexical.size)
        mode = mode or s.retrieval_mode
        english = self.english_query(query)  # a Chinese question searched in English too (rag.search.translate)
        vector = None if mode == "bm25" else engine.embedder.encode_question(query, english)
        filters = filters or Filters(include_references=s.include_references)
        allowed = self._allowed(filters)
        if allowed is not None and not allowed:
            return [], vector
        k = k or s.top_k
        rerank = s.rerank if rerank is None else rerank
        depth = max(k, s.rerank_depth) if rerank else k
        queries = [english, query] if english else [query]
        rankings = [
            retriever.retrieve(
                q,
                vector,
                mode=mode,
                k=depth,
                candidates=s.candidates,
                allowed=allowed,
                include_refs=filters.include_references,
            )
            for q in queries
        ]
        hits = _fused(rankings) if english else rankings[0]
        if rerank:
            hits = engine.reranker.rerank(english or query, hits)
        return hits[:k], vector

    def english_query(self, query: str) -> str | None:
        """The English form of a Chinese query, its word senses chosen by this index's vocabulary (None for a
        query not in Chinese, or one the dictionary cannot put into English words)."""
        if not is_cjk(query):
            return None
        lexical = self.engine.lexical.current()
        key = (lexical.revision, query)
        if key not in self._translations:
            if len(self._translations) >= 1024:  # a long-running server must not keep every question it saw
                self._translations.clear()
            english = translate(query, weight=lexical.idf)
            self._translations[key] = english if english != query and not is_cjk(english) else None
        return self._translations[key]

    @cached_property
    def _translations(self) -> dict[tuple[int, str], str | None]:
        return {}

    def _allowed(self, filters: Filters | None) -> set[str] | None:
        if not filters or not filters.restricts_papers:
            return None
        return {p.id for p in self.store.papers() if filters.matches(p)}

    @retry_if_changed
    def ask(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        history: list[tuple[str, Any]] | None = None,
        mode: str | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """A cited answer from the corpus, checked citation by citation (see `rag.answers.citations`).

        `history` is the conversation so far as (question, answer) pairs — answers as `Answer`s (or
        their dicts, or text) — used to resolve follow-ups; `mode` is "extractive" (default) or "llm"
        (needs `llm_base_url`); `on_token` receives LLM text as it streams.
        """
        s = self.settings
        question = clean_query(question)
        backend = None
        if (mode or s.answer_mode) == "llm":
            from rag.llm import backend_from_settings

            backend = backend_from_settings(s)  # a missing endpoint is a clear error before any work
        self.store.open_for_read(s.embed_model)

        def retrieve(query: str, k: int | None, filters: Filters | None) -> tuple[list[Hit], np.ndarray | None]:
            return self.retrieve(query, k=k, filters=filters, mode=None)

        answer = answer_question(
            question,
            retrieve=retrieve,
            facts=self.answer_facts(),
            bank=self.engine.sentence_bank,
            settings=s,
            k=k,
            filters=filters,
            history=history,
            titles=lambda: {p.id: p.title for p in self.store.papers()},
            backend=backend,
            on_token=on_token,
        )
        return self.highlighter.add_to(answer)

    def answer_facts(self) -> IndexFacts:
        """What the answerer may ask of this index beyond the retrieved passages (also what the answer
        benches in bench/ score with, so they see the product's own candidate pool)."""
        lexical = self.engine.lexical.current()
        return IndexFacts(
            paper_vectors=self.store.paper_vectors,
            known=lambda token: token in lexical.vocab,
            translate=self.english_query,
            passages_of=lambda paper_id: self._passages_with_vectors(paper_id, lexical),
        )

    def _passages_with_vectors(self, paper_id: str, revision: object) -> list[tuple[Hit, np.ndarray]]:
        """A paper's passages and vectors, kept for the papers asked about most recently until the index
        changes (`revision`: the BM25 snapshot, a new object after every write): questions come in runs
        about one paper, and reading a long paper's rows costs tens of ms."""
        seen, cache = self._paper_passages
        if seen is not revision:
            cache = OrderedDict()
            self._paper_passages = (revision, cache)
        if paper_id not in cache:
            cache[paper_id] = self.store.passage_vectors_of(paper_id, TOPICAL_KINDS)
            while len(cache) > 16:
                cache.popitem(last=False)
        cache.move_to_end(paper_id)
        return [(replace(hit), vector) for hit, vector in cache[paper_id]]

    # -- where quotes are on the page -----------------------------------------------------------------

    @cached_property
    def highlighter(self) -> HighlightLocator:
        return HighlightLocator(self.paper)

    def pdf_file(self, record: PaperRecord) -> Path | None:
        """The PDF a paper was read from, when it was one (it may have moved since: check before reading)."""
        return pdf_path(record)

    def find_on_page(self, record: PaperRecord, page: int, text: str) -> list[Highlight]:
        """Where `text` is drawn on a page of a paper's PDF (running onto the next page if it does); [] if not."""
        path = self.pdf_file(record)
        if path is None or not path.is_file():
            return []
        return self.highlighter.find(path, text, range(page, page + 2))


def _fused(rankings: list[list[Hit]]) -> list[Hit]:
    """One ranking of the hits of several queries (RRF); a passage found by both keeps the first's scores."""
    by_id: dict[str, Hit] = {}
    for ranking in rankings:
        for hit in ranking:
            by_id.setdefault(hit.chunk_id, hit)
    fused = reciprocal_rank_fusion([[h.chunk_id for h in ranking] for ranking in rankings])
    return [by_id[cid] for cid, _ in fused]
