"""`Library`: the one public face of the engine. The CLI, the Gradio app and scripts call only this."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, wraps
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import chunk_paper
from ingest.models import Chunk, Paper, SourceError
from rag.answer import Answer
from rag.errors import BadQueryError, IndexLockedError
from rag.lexical import LexicalIndex, is_cjk, lexical_text
from rag.related import RelatedPaper, related_papers
from rag.retrieval import Filters, Hit, Retriever
from rag.settings import Settings
from rag.store import PaperRecord, Store, chunk_metadata

Progress = Callable[[str, int, int | None], None]  # (what, done, total)
# Papers are checked, chunked, encoded and written in groups: one Chroma call per group, not per paper.
_BATCH_PAPERS = 128
_BATCH_CHARS = 400_000  # ≈ 300 chunks of 256 tokens
MAX_QUERY_CHARS = 2000


@dataclass
class IngestReport:
    """What a batch did, per input: the CLI prints it and derives the exit code from it."""

    added: list[tuple[str, str, int]] = field(default_factory=list)  # (paper id, title, chunks)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (input, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def chunks(self) -> int:
        return sum(n for _, _, n in self.added)


def clean_query(query: str) -> str:
    """Strip control characters and bound the length; an empty query is a clear error."""
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in query)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise BadQueryError("the query is empty; type a question or some keywords")
    return cleaned[:MAX_QUERY_CHARS]


def _reopen_if_stale(method):
    """Retry a read once on a freshly opened index when another process wrote to it meanwhile.

    Embedded Chroma keeps in-memory state per process; after another process's ingest it can fail
    with "Error finding id" until the index is opened again (a Chroma server has no such problem).
    """

    @wraps(method)
    def wrapper(self: Library, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            if "Error finding id" not in str(exc) or self.settings.chroma_url:
                raise
            self._reopen()
            return method(self, *args, **kwargs)

    return wrapper


# What llama-index's ChromaVectorStore added to every chunk row of indexes written before papers wrote
# chunks itself (a JSON copy of the node, metadata included): dropped when `papers reindex` rewrites them.
_LLAMA_INDEX_KEYS = frozenset({"_node_content", "_node_type", "ref_doc_id", "doc_id", "document_id"})


class Library:
    """An index of papers: add, remove, list, search, ask, related."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.store = Store(self.settings)

    # -- components, built on first use so `papers list` never loads a model ---------------------------

    @cached_property
    def embedder(self):
        from rag.embedder import Embedder

        s = self.settings
        return Embedder(
            s.embed_model,
            device=s.device,
            batch_size=s.embed_batch_size,
            backend=s.encoder_backend,
            onnx_dir=s.onnx_dir,
        )

    @cached_property
    def _embed_cache(self):
        from rag.embed_cache import EmbeddingCache

        return EmbeddingCache(self.settings.cache_dir / "embeddings.sqlite", self.settings.embed_model)

    def _lexical(self) -> LexicalIndex:
        """The BM25 index at the store's current revision, brought up to date from Chroma when stale."""
        revision = self.store.revision  # read first: a write after this point moves it again
        cached = getattr(self, "_lexical_cached", None)
        if cached is not None and cached.revision == revision:
            return cached
        index = cached or LexicalIndex.load(self._lexical_dir)
        if index is None or index.revision != revision:
            index = self._update_lexical(index, revision)
            with contextlib.suppress(OSError):  # a read-only index still answers, from memory
                index.save(self._lexical_dir)
        self._lexical_cached = index
        return index

    @property
    def _lexical_dir(self) -> Path:
        if self.settings.chroma_url:
            safe = "".join(c if c.isalnum() else "_" for c in self.settings.chroma_url)
            return self.settings.cache_dir / f"bm25-{safe}-{self.settings.collection}"
        return self.settings.index_dir / "bm25"

    def _update_lexical(self, index: LexicalIndex | None, revision: int) -> LexicalIndex:
        """Re-read only the papers whose catalogue signature moved since `index` was built (all of them
        when there is no index yet, or when most changed: one paged scan is cheaper then)."""
        signatures = self.store.paper_signatures()
        if index is not None:
            changed = [p for p, sig in signatures.items() if not sig or index.papers.get(p) != sig]
            if len(changed) <= len(signatures) // 2:
                gone = set(index.papers).difference(signatures)
                rows = [
                    row
                    for at in range(0, len(changed), 256)
                    for row in self._lexical_rows({"paper_id": {"$in": changed[at : at + 256]}})
                ]
                return index.updated(rows, gone | set(changed), revision, signatures)
        return LexicalIndex.build(list(self._lexical_rows()), revision, signatures)

    def rebuild_lexical(self) -> LexicalIndex:
        """BM25 from scratch, every chunk re-read and re-tokenised (`papers doctor --repair`)."""
        index = self._update_lexical(None, self.store.revision)
        index.save(self._lexical_dir)
        self._lexical_cached = index
        self.__dict__.pop("retriever", None)
        return index

    def _lexical_rows(self, where: dict | None = None) -> Iterator[tuple[str, str, str, str]]:
        for ids, metas, docs in self.store.chunk_rows(where):
            for cid, meta, doc in zip(ids, metas, docs, strict=True):
                text = lexical_text(meta.get("title", ""), meta.get("section", ""), doc)
                yield cid, meta.get("paper_id", ""), meta.get("kind", "body"), text

    @cached_property
    def retriever(self) -> Retriever:
        s = self.settings
        return Retriever(self.store, self._lexical(), s.rrf_k, fusion=s.fusion, dense_weight=s.dense_weight)

    @cached_property
    def reranker(self):
        from rag.rerank import CrossEncoderReranker

        s = self.settings
        if not s.rerank_model:
            from rag.errors import PapersError

            raise PapersError("reranking needs a cross-encoder: set PAPERS_RERANK_MODEL to a model name or path")
        return CrossEncoderReranker(s.rerank_model, device=s.device, depth=s.rerank_depth)

    # -- writing ---------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        """One writer per index: a second `papers ingest` gets a clear message instead of a race."""
        folder = self.settings.cache_dir if self.settings.chroma_url else self.settings.index_dir
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "write.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise IndexLockedError(
                    f"the index at {self.store.location} is being written by {holder}; wait for it to finish"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"papers (pid {os.getpid()})")
            handle.flush()
            try:
                yield
            finally:
                handle.truncate(0)

    def ingest(
        self,
        inputs: Iterable[str],
        *,
        glob: str | None = None,
        password: str | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Files, folders, list files and URLs → papers in the index (see `ingest.sources`)."""
        from ingest.sources import expand_inputs, load_input

        opts = {
            "password": password,
            "max_bytes": self.settings.max_download_bytes,
            "timeout": self.settings.download_timeout,
            # big books report per page, so a 100+ page PDF shows progress while it is parsed
            "on_page": (lambda done, total: progress("pages", done, total)) if progress else None,
        }

        def stream() -> Iterator[Paper | SourceError]:
            for item in expand_inputs(inputs, glob):
                if isinstance(item, SourceError):
                    yield item
                else:
                    yield from load_input(item, **opts)

        return self.add_papers(stream(), progress=progress)

    def add_arxiv(
        self,
        ids: Iterable[str] = (),
        *,
        query: str | None = None,
        category: str | None = None,
        since: date | None = None,
        until: date | None = None,
        max_results: int | None = 50,
        abstract_only: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        """arXiv papers by id, by search query, or by category and date range, PDFs included."""
        source = self.arxiv_source

        def tick(done: int, total: int | None) -> None:
            if progress:
                progress("arxiv", done, total)

        def stream() -> Iterator[Paper | SourceError]:
            if ids:
                yield from source.fetch(list(ids), abstract_only=abstract_only, progress=tick)
            if query:
                yield from source.search(query, max_results=max_results, abstract_only=abstract_only, progress=tick)
            if category:
                start = since or date.today()
                yield from source.list_category(
                    category,
                    start,
                    until or date.today(),
                    max_results=max_results,
                    abstract_only=abstract_only,
                    progress=tick,
                )

        return self.add_papers(stream())

    @cached_property
    def arxiv_source(self):
        """One client per Library, so the polite delay between requests holds across calls."""
        from ingest.sources.arxiv import ArxivSettings, ArxivSource

        s = self.settings
        return ArxivSource(
            ArxivSettings(
                api_url=s.arxiv_api_url,
                delay_seconds=s.arxiv_delay_seconds,
                num_retries=s.arxiv_retries,
                pdf_base=s.arxiv_pdf_base,
                cache_dir=s.cache_dir / "arxiv",
                timeout=s.download_timeout,
                max_pdf_bytes=s.max_download_bytes,
            )
        )

    def add_papers(self, papers: Iterable[Paper | SourceError], *, progress: Progress | None = None) -> IngestReport:
        """Chunk, embed and store papers; unchanged papers are skipped, changed ones replaced."""
        report = IngestReport()
        with self._write_lock():
            self.store.open_for_write(self.settings.embed_model, self.embedder.dimension)
            pending: list[Paper] = []
            seen = 0
            changed = False
            for item in prefetch(papers):  # parsing runs in a thread while this one encodes
                seen += 1
                if isinstance(item, SourceError):
                    (report.skipped if item.skipped else report.failed).append((item.source, item.reason))
                else:
                    pending.append(item)
                if len(pending) >= _BATCH_PAPERS or sum(len(p.text) for p in pending) >= _BATCH_CHARS:
                    changed |= self._ingest_group(pending, report)
                    pending = []
                if progress:
                    progress("papers", seen, None)
            changed |= self._ingest_group(pending, report)
            if changed:
                self.store.bump_revision()
                self._refresh()
                self.embedder.prepare_query_encoder()
            elif seen:
                self._lexical()  # a run killed before its BM25 save left it behind: rebuild it now
        return report

    def _ingest_group(self, papers: list[Paper], report: IngestReport) -> bool:
        """Skip the unchanged papers of a group, chunk and write the rest; True when anything was written."""
        if not papers:
            return False
        known = self.store.states(list(dict.fromkeys(p.id for p in papers)))
        batch: list[tuple[Paper, list[Chunk]]] = []
        for paper in {p.id: p for p in papers}.values():  # the same paper twice in a group: the last wins
            if known.get(paper.id) == ("ready", paper.content_hash):
                report.unchanged.append((paper.id, paper.title))
                continue
            chunks = chunk_paper(paper, self.settings.chunk_size, self.settings.chunk_overlap)
            if not chunks:
                report.failed.append((paper.id, "no text to index"))
                continue
            batch.append((paper, chunks))
        if batch:
            self._write_batch(batch, report)
        return bool(batch)

    def _embed_text(self, paper: Paper, chunk: Chunk) -> str:
        return f"{paper.title}\n{chunk.text}"

    def _write_batch(self, batch: list[tuple[Paper, list[Chunk]]], report: IngestReport) -> None:
        # Encode before writing anything: an interruption while encoding leaves the index as it was.
        texts = [self._embed_text(p, c) for p, chunks in batch for c in chunks]
        vectors = self._embed_cache.encode(texts, self.embedder.encode)
        offset, paper_vectors = 0, []
        for _, chunks in batch:
            mine = vectors[offset : offset + len(chunks)]
            offset += len(chunks)
            body = [v for c, v in zip(chunks, mine, strict=True) if c.kind in ("body", "abstract")]
            mean = np.mean(body or list(mine), axis=0)
            paper_vectors.append(mean / (np.linalg.norm(mean) or 1.0))
        self.store.bump_revision()  # any write moves the revision, so BM25 never trusts a half-written batch
        # Mark first (an interrupted batch is redone on the next run), with the final vector, so that
        # "ready" is a metadata-only update: re-writing a vector costs Chroma 4x as much (HNSW update).
        self.store.put_papers([self._record(p, len(c), "indexing") for p, c in batch], paper_vectors)
        self.store.delete_chunks_of([p.id for p, _ in batch])
        pairs = [(paper, chunk) for paper, chunks in batch for chunk in chunks]
        self.store.add_chunks(
            [chunk.id for _, chunk in pairs],
            vectors,
            [chunk_metadata(paper, chunk) for paper, chunk in pairs],
            [chunk.text for _, chunk in pairs],
        )
        self.store.set_state([p.id for p, _ in batch], "ready")
        report.added += [(p.id, p.title, len(c)) for p, c in batch]

    @staticmethod
    def _record(paper: Paper, n_chunks: int, state: str) -> PaperRecord:
        sections = [
            {
                "title": s.title,
                "start": s.start,
                "end": s.end,
                "kind": s.kind,
                "page_start": paper.page_at(s.start),
                "page_end": paper.page_at(max(s.start, s.end - 1)),
            }
            for s in paper.sections
        ]
        return PaperRecord(
            id=paper.id,
            title=paper.title,
            authors=paper.authors,
            year=paper.year,
            source=paper.source,
            url=paper.url,
            state=state,
            chunks=n_chunks,
            pages=paper.pages,
            content_hash=paper.content_hash,
            abstract=paper.abstract,
            sections=sections,
            extra=paper.extra,
        )

    def reindex(self, embed_model: str | None = None, *, progress: Progress | None = None) -> int:
        """Re-embed every stored chunk (with `embed_model`, or the current one) into new collections, then
        swap them in. Texts come from the index itself, so nothing is re-parsed; unchanged (model, text)
        pairs come from the embedding cache. Returns the number of chunks."""
        with self._write_lock():
            old_model = self.store.embed_model
            if old_model is None:
                self.store.open_for_read(self.settings.embed_model)  # raises the usual clear error
            model = embed_model or self.settings.embed_model
            if model != self.settings.embed_model:
                self.settings.embed_model = model
                for name in ("embedder", "_embed_cache", "_bank"):
                    self.__dict__.pop(name, None)
            chunks, catalogue = self.store.create_next(model, self.embedder.dimension)
            sums: dict[str, tuple[np.ndarray, int, bool]] = {}  # paper → (sum, n, from body/abstract only)
            total, done = self.store.count(), 0
            for ids, metas, docs in self.store.chunk_rows():
                texts = [f"{m.get('title', '')}\n{d}" for m, d in zip(metas, docs, strict=True)]  # = _embed_text
                vectors = self._embed_cache.encode(texts, self.embedder.encode)
                metas = [{k: v for k, v in m.items() if k not in _LLAMA_INDEX_KEYS} for m in metas]
                chunks.add(ids=ids, embeddings=vectors, metadatas=metas, documents=docs)
                for meta, vector in zip(metas, vectors, strict=True):
                    pid, body = meta.get("paper_id", ""), meta.get("kind") in ("body", "abstract")
                    acc, n, only_body = sums.get(pid, (np.zeros_like(vector), 0, False))
                    if body and not only_body:  # the first body chunk replaces any non-body sum
                        acc, n, only_body = np.zeros_like(vector), 0, True
                    if body or not only_body:
                        sums[pid] = (acc + vector, n + 1, only_body)
                done += len(ids)
                if progress:
                    progress("chunks", done, total)
            for ids, metas, docs, _ in self.store._pages(self.store.catalogue, include=["metadatas", "documents"]):
                keep = [i for i, pid in enumerate(ids) if pid in sums]
                if not keep:
                    continue
                vectors = [sums[ids[i]][0] / (np.linalg.norm(sums[ids[i]][0]) or 1.0) for i in keep]
                catalogue.add(
                    ids=[ids[i] for i in keep],
                    embeddings=np.vstack(vectors),
                    metadatas=[metas[i] for i in keep],
                    documents=[docs[i] for i in keep],
                )
            self.store.swap_in_next()
            self.store.bump_revision()
            self._refresh()
        return done

    def remove(self, paper: str) -> tuple[PaperRecord, int]:
        """Remove a paper (by id, or a unique title prefix) and all its chunks."""
        with self._write_lock():
            self.store.open_for_read(self.settings.embed_model)
            record = self.resolve_paper(paper)
            n = self.store.delete_paper(record.id)
            self.store.bump_revision()
            self._refresh()
        return record, n

    def _reopen(self) -> None:
        """Forget every handle on the index (client, retriever, BM25) and open it afresh."""
        self.store.reopen()
        self.__dict__.pop("retriever", None)
        self._lexical_cached = None

    def _refresh(self) -> None:
        """Derived state (BM25, retriever) follows the store's new revision."""
        self.__dict__.pop("retriever", None)
        self._lexical()

    # -- reading ---------------------------------------------------------------------------------------

    @_reopen_if_stale
    def papers(self) -> list[PaperRecord]:
        self.store.open_for_read(self.settings.embed_model)
        return sorted(self.store.papers(), key=lambda p: (p.title.lower(), p.id))

    def resolve_paper(self, ref: str) -> PaperRecord:
        """A paper by exact id, then by arXiv id, then by unique case-insensitive title substring."""
        from rag.errors import PapersError

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

    def _allowed(self, filters: Filters | None) -> set[str] | None:
        if not filters or not filters.restricts_papers:
            return None
        return {p.id for p in self.store.papers() if filters.matches(p)}

    @_reopen_if_stale
    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
        rerank: bool | None = None,
    ) -> list[Hit]:
        hits, _ = self._retrieve(query, k=k, filters=filters, mode=mode, rerank=rerank)
        return hits

    def _retrieve(
        self, query: str, *, k: int | None, filters: Filters | None, mode: str | None, rerank: bool | None = None
    ) -> tuple[list[Hit], np.ndarray | None]:
        query = clean_query(query)
        self.store.open_for_read(self.settings.embed_model)
        if self.store.revision != self.retriever._lexical.revision:
            self._refresh()
        self.store.require_nonempty(rows=len(self.retriever._lexical.ids))
        mode = mode or self.settings.retrieval_mode
        vector = None if mode == "bm25" else self.embedder.encode_query(query)
        filters = filters or Filters(include_references=self.settings.include_references)
        allowed = self._allowed(filters)
        if allowed is not None and not allowed:
            return [], vector
        k = k or self.settings.top_k
        rerank = self.settings.rerank if rerank is None else rerank
        hits = self.retriever.retrieve(
            query,
            vector,
            mode=mode,
            k=max(k, self.settings.rerank_depth) if rerank else k,
            candidates=self.settings.candidates,
            allowed=allowed,
            include_refs=filters.include_references,
        )
        if rerank:
            hits = self.reranker.rerank(query, hits)
        return hits[:k], vector

    def _encode_interactive(self, texts: list[str]) -> np.ndarray:
        return self.embedder.encode(texts, interactive=True)

    def _sentence_bank(self):
        """Sentence vectors per passage, kept across questions (and on disk via the embedding cache)."""
        from rag.answer import SentenceBank

        bank = getattr(self, "_bank", None)
        if bank is None:
            try:
                cache = self._embed_cache
                bank = SentenceBank(lambda texts: cache.encode(texts, self._encode_interactive))
            except OSError:  # a read-only index still answers, encoding in memory
                bank = SentenceBank(self._encode_interactive)
            self._bank = bank
        return bank

    @_reopen_if_stale
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
        """A cited answer from the corpus, checked citation by citation (see `rag.citations`).

        `history` is the conversation so far as (question, answer) pairs — answers as `Answer`s (or
        their dicts, or text) — used to resolve follow-ups; `mode` is "extractive" (default) or "llm"
        (needs `llm_base_url`); `on_token` receives LLM text as it streams.
        """
        from rag.answer import compose_answer, confidence_of
        from rag.conversation import prefer, resolve

        s = self.settings
        question = clean_query(question)
        backend = None
        if (mode or s.answer_mode) == "llm":
            from rag.llm import backend_from_settings

            backend = backend_from_settings(s)  # a missing endpoint is a clear error before any work
        self.store.open_for_read(s.embed_model)
        titles = {p.id: p.title for p in self.store.papers()} if history else None
        resolution = resolve(question, history, titles=titles)
        hits, vector = self._retrieve(resolution.query, k=k, filters=filters, mode=None)
        if history and not resolution.expanded:
            threshold = s.min_coverage_cjk if is_cjk(question) else s.min_relevance
            if confidence_of(question, hits) < threshold:  # weak on its own: try it as a follow-up
                resolution = resolve(question, history, titles=titles, force=True)
                hits, vector = self._retrieve(resolution.query, k=k, filters=filters, mode=None)
        if resolution.prefer_papers and resolution.expanded:
            pinned, _ = self._retrieve(
                resolution.query, k=3, filters=Filters(papers=resolution.prefer_papers), mode=None
            )
            hits = prefer(hits, pinned, resolution.prefer_papers, k or s.top_k)
        answer = compose_answer(
            question,
            vector,
            hits,
            self._sentence_bank(),
            s,
            backend=backend,
            prefer_papers=resolution.prefer_papers if resolution.expanded else None,
            on_token=on_token,
        )
        answer.query = resolution.query
        return answer

    @_reopen_if_stale
    def neighbours(self, chunk_id: str, n: int = 1) -> list[Hit]:
        """The chunk and up to `n` chunks either side of it in its paper, in reading order."""
        got = self.store.get_chunks([chunk_id])
        if not got["ids"]:
            from rag.errors import PapersError

            raise PapersError(f"no passage {chunk_id!r} in the index")
        paper_id = got["metadatas"][0].get("paper_id", "")
        rows = self.store.chunks.get(where={"paper_id": paper_id}, include=["metadatas", "documents"])
        hits = sorted(
            (
                Hit.from_metadata(i, d, m)
                for i, d, m in zip(rows["ids"], rows["documents"], rows["metadatas"], strict=True)
            ),
            key=lambda h: (h.start, h.end),
        )
        at = next(i for i, h in enumerate(hits) if h.chunk_id == chunk_id)
        return hits[max(0, at - n) : at + n + 1]

    @_reopen_if_stale
    def related(self, paper: str, *, k: int = 5) -> list[RelatedPaper]:
        """Papers most similar to one (in the index, a PDF path, or an arXiv id), best passage pair each."""
        return related_papers(self, paper, k)

    def section_chunk_counts(self, paper_id: str) -> dict[str, int]:
        got = self.store.chunks.get(where={"paper_id": paper_id}, include=["metadatas"])
        counts: dict[str, int] = {}
        for meta in got["metadatas"]:
            counts[meta.get("section", "")] = counts.get(meta.get("section", ""), 0) + 1
        return counts

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


def prefetch(items: Iterable[Any], depth: int = 8) -> Iterator[Any]:
    """Iterate `items` in a worker thread, up to `depth` ahead: PDF parsing (the producer) overlaps with
    encoding (the consumer, which releases the GIL inside torch/onnxruntime). Errors re-raise here."""
    import queue
    import threading

    done = object()
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[Any, BaseException | None]) -> bool:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                box.put(entry, timeout=0.1)
                return True
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((done, None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((done, exc))

    worker = threading.Thread(target=work, name="papers-parse", daemon=True)
    worker.start()
    try:
        while True:
            item, error = box.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)
