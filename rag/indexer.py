"""Writes: papers into the index (ingest, arXiv), re-embedding (reindex) and removal, one writer at a time.

A batch is parsed in a worker thread while this one encodes; papers are checked, chunked, encoded and
written in groups (one Chroma call per group, not per paper). Every write moves the store's revision,
so BM25 and every reader follow it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ingest.chunking import chunk_paper
from ingest.models import Chunk, Paper, SourceError
from ingest.pdf.ocr import OcrOptions
from rag.engine import Engine
from rag.index.passages import PaperVectors, embed_text, lexical_text, paper_vector
from rag.index.records import PaperRecord, chunk_metadata
from rag.reader import Reader

Progress = Callable[[str, int, int | None], None]  # (what, done, total)
_BATCH_PAPERS = 128  # papers per group
_BATCH_CHARS = 400_000  # ≈ 300 chunks of 256 tokens

# What llama-index's ChromaVectorStore added to every chunk row of indexes written before papers wrote
# chunks itself (a JSON copy of the node, metadata included): dropped when `papers reindex` rewrites them.
_LLAMA_INDEX_KEYS = frozenset({"_node_content", "_node_type", "ref_doc_id", "doc_id", "document_id"})


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

    def extend(self, other: IngestReport) -> None:
        for name in ("added", "unchanged", "skipped", "failed"):
            getattr(self, name).extend(getattr(other, name))


class Indexer:
    """The write side of a library."""

    def __init__(self, engine: Engine, reader: Reader) -> None:
        self.engine = engine
        self._reader = reader  # resolves the paper a removal names

    @property
    def settings(self):
        return self.engine.settings

    # -- sources ------------------------------------------------------------------------------------

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
            "ocr": OcrOptions(
                self.settings.ocr, self.settings.ocr_lang, self.settings.ocr_dpi, self.settings.ocr_workers
            ),
            "on_ocr_page": (lambda done, total: progress("OCR pages", done, total)) if progress else None,
        }

        def stream() -> Iterator[Paper | SourceError]:
            for item in expand_inputs(inputs, glob):
                if isinstance(item, SourceError):
                    yield item
                else:
                    yield from load_input(item, **opts)

        return self.add_papers(stream(), progress=progress)

    def add(self, refs: Iterable[str] = (), *, progress: Progress | None = None, **arxiv: Any) -> IngestReport:
        """Any mix of arXiv ids/URLs and files, folders or PDF URLs (see `ingest.refs`), plus an arXiv
        query or category when `arxiv` names one (the keywords of `add_arxiv`). A ref that is neither a
        file nor an id is reported as a bad id."""
        from ingest.refs import split_refs

        split = split_refs(refs)
        report = IngestReport()
        ids = split.arxiv_ids + split.other
        if ids or arxiv.get("query") or arxiv.get("category"):
            report.extend(self.add_arxiv(ids, progress=progress, **arxiv))
        if split.files:
            report.extend(self.ingest(split.files, progress=progress))
        return report

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
        source = self.engine.arxiv_source

        def tick(done: int, total: int | None) -> None:
            if progress:
                progress("arxiv", done, total)

        def stream() -> Iterator[Paper | SourceError]:
            if ids:
                yield from source.fetch(list(ids), abstract_only=abstract_only, progress=tick)
            if query:
                yield from source.search(query, max_results=max_results, abstract_only=abstract_only, progress=tick)
            if category:
                yield from source.list_category(
                    category,
                    since or date.today(),
                    until or date.today(),
                    max_results=max_results,
                    abstract_only=abstract_only,
                    progress=tick,
                )

        return self.add_papers(stream())

    # -- the write pipeline -------------------------------------------------------------------------

    def add_papers(self, papers: Iterable[Paper | SourceError], *, progress: Progress | None = None) -> IngestReport:
        """Chunk, embed and store papers; unchanged papers are skipped, changed ones replaced."""
        engine, store = self.engine, self.engine.store
        report = IngestReport()
        with engine.write_lock():
            store.open_for_write(self.settings.embed_model, engine.embedder.dimension)
            delta = _LexicalDelta(store.revision)
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
                    changed |= self._ingest_group(pending, report, delta)
                    pending = []
                if progress:
                    progress("papers", seen, None)
            changed |= self._ingest_group(pending, report, delta)
            if changed:
                delta.follow(engine, store.bump_revision())
                engine.refresh()
                engine.embedder.prepare_query_encoder()
            elif seen:
                engine.lexical.current()  # a run killed before its BM25 save left it behind: rebuild it now
        return report

    def _ingest_group(self, papers: list[Paper], report: IngestReport, delta: _LexicalDelta) -> bool:
        """Skip the unchanged papers of a group, chunk and write the rest; True when anything was written."""
        if not papers:
            return False
        known = self.engine.store.states(list(dict.fromkeys(p.id for p in papers)))
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
            self._write_batch(batch, report, delta)
        return bool(batch)

    def _write_batch(self, batch: list[tuple[Paper, list[Chunk]]], report: IngestReport, delta: _LexicalDelta) -> None:
        store = self.engine.store
        # Encode before writing anything: an interruption while encoding leaves the index as it was.
        vectors = self.engine.encode_passages([embed_text(p.title, c.text) for p, chunks in batch for c in chunks])
        # Every sentence an answer may quote, too (into the embedding cache): a question then costs lookups.
        self.engine.cache_quotable([c.text for _, chunks in batch for c in chunks if c.kind != "zh"])
        offset, paper_vectors = 0, []
        for _, chunks in batch:
            paper_vectors.append(paper_vector([c.kind for c in chunks], vectors[offset : offset + len(chunks)]))
            offset += len(chunks)
        store.bump_revision()  # any write moves the revision, so BM25 never trusts a half-written batch
        # Mark first (an interrupted batch is redone on the next run), with the final vector, so that
        # "ready" is a metadata-only update: re-writing a vector costs Chroma 4x as much (HNSW update).
        store.put_papers([PaperRecord.from_paper(p, len(c), "indexing") for p, c in batch], paper_vectors)
        store.delete_chunks_of([p.id for p, _ in batch])
        pairs = [(paper, chunk) for paper, chunks in batch for chunk in chunks]
        store.add_chunks(
            [chunk.id for _, chunk in pairs],
            vectors,
            [chunk_metadata(paper, chunk) for paper, chunk in pairs],
            [chunk.text for _, chunk in pairs],
        )
        store.set_state([p.id for p, _ in batch], "ready")
        report.added += [(p.id, p.title, len(c)) for p, c in batch]
        delta.add(batch)

    # -- rebuilding and removing --------------------------------------------------------------------

    def reindex(self, embed_model: str | None = None, *, progress: Progress | None = None) -> int:
        """Re-embed every stored chunk (with `embed_model`, or the current one) into new collections, then
        swap them in. Texts come from the index itself, so nothing is re-parsed; unchanged (model, text)
        pairs come from the embedding cache. Returns the number of chunks."""
        engine, store = self.engine, self.engine.store
        with engine.write_lock():
            if store.embed_model is None:
                store.open_for_read(self.settings.embed_model)  # raises the usual clear error
            engine.use_model(embed_model or self.settings.embed_model)
            rebuild = store.begin_rebuild(self.settings.embed_model, engine.embedder.dimension)
            sums = PaperVectors()
            total, done = store.count(), 0
            for ids, metas, docs in store.chunk_rows():
                texts = [embed_text(m.get("title", ""), d) for m, d in zip(metas, docs, strict=True)]
                vectors = engine.encode_passages(texts)
                metas = [{k: v for k, v in m.items() if k not in _LLAMA_INDEX_KEYS} for m in metas]
                rebuild.add_chunks(ids, vectors, metas, docs)
                for meta, vector in zip(metas, vectors, strict=True):
                    sums.add(meta.get("paper_id", ""), meta.get("kind", "body"), vector)
                done += len(ids)
                if progress:
                    progress("chunks", done, total)
            for ids, metas, docs in rebuild.catalogue_rows():
                keep = [i for i, pid in enumerate(ids) if pid in sums]
                if keep:
                    rebuild.add_papers(
                        [ids[i] for i in keep],
                        [sums.vector(ids[i]) for i in keep],
                        [metas[i] for i in keep],
                        [docs[i] for i in keep],
                    )
            rebuild.finish()
            store.bump_revision()
            engine.refresh()
        return done

    def remove(self, paper: str) -> tuple[PaperRecord, int]:
        """Remove a paper (by id, or a unique title prefix) and all its chunks."""
        engine, store = self.engine, self.engine.store
        with engine.write_lock():
            store.open_for_read(self.settings.embed_model)
            record = self._reader.resolve_paper(paper)
            delta = _LexicalDelta(store.revision)
            n = store.delete_paper(record.id)
            delta.remove(record.id)
            delta.follow(engine, store.bump_revision())
            engine.refresh()
        return record, n

    def remove_papers(self, paper_ids: Iterable[str]) -> list[tuple[PaperRecord, int]]:
        """Remove several papers by id in one write (ids no longer indexed are passed over)."""
        engine, store = self.engine, self.engine.store
        removed = []
        with engine.write_lock():
            store.open_for_read(self.settings.embed_model)
            delta = _LexicalDelta(store.revision)
            for pid in dict.fromkeys(paper_ids):
                record = store.paper(pid)
                if record is not None:
                    removed.append((record, store.delete_paper(pid)))
                    delta.remove(pid)
            if removed:
                delta.follow(engine, store.bump_revision())
                engine.refresh()
        return removed


@dataclass
class _LexicalDelta:
    """What one write changes for BM25: handed to it directly, so it follows without reading the
    catalogue or any unchanged chunk (`LexicalSync.follow`)."""

    before: int  # the store's revision when the write began
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    drop: set[str] = field(default_factory=set)
    signatures: dict[str, str] = field(default_factory=dict)

    def add(self, batch: list[tuple[Paper, list[Chunk]]]) -> None:
        for paper, chunks in batch:
            self.drop.add(paper.id)
            self.signatures[paper.id] = f"{paper.content_hash}:{len(chunks)}"
            self.rows += [(c.id, paper.id, c.kind, lexical_text(paper.title, c.section, c.text)) for c in chunks]

    def remove(self, paper_id: str) -> None:
        self.drop.add(paper_id)
        self.signatures[paper_id] = ""

    def follow(self, engine: Engine, revision: int) -> None:
        engine.lexical.follow(self.before, revision, self.rows, self.drop, self.signatures)


def prefetch(items: Iterable[Any], depth: int = 8) -> Iterator[Any]:
    """Iterate `items` in a worker thread, up to `depth` ahead: PDF parsing (the producer) overlaps with
    encoding (the consumer, which releases the GIL inside torch/onnxruntime). Errors re-raise here."""
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
