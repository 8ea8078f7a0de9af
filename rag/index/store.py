"""The index: two Chroma collections (chunks, and a catalogue of papers), embedded or over HTTP.

This is the only module that speaks Chroma. The catalogue holds one record per paper (metadata,
ingest state, a paper-level vector for related work) and acts as the manifest: a paper whose state is
not "ready" was interrupted and is redone on the next ingest. The chunk collection's metadata records
the format version, the embedding model and a revision that every write moves, so an index is never
queried with another model's vectors and derived indexes (BM25) know when they are stale. Chroma's
own errors leave this module as `PapersError`s that say what happened and what to do.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from functools import cached_property, wraps
from typing import Any, TypeVar

import numpy as np

from rag.errors import (
    DiskFullError,
    EmptyIndexError,
    IndexChangedError,
    IndexFormatError,
    IndexMissingError,
    IndexReadOnlyError,
    ModelMismatchError,
    PapersError,
    UnavailableError,
)
from rag.index.records import Hit, PaperRecord
from rag.settings import Settings

FORMAT_VERSION = 1
_PAGE = 5000  # rows per Chroma get() page
_COSINE = {"hnsw": {"space": "cosine"}}
_LOW_DISK_BYTES = 5_000_000  # below this, a failed write is taken to be the full disk

F = TypeVar("F", bound=Callable[..., Any])


def _chroma_errors(method: F) -> F:
    """Chroma's exceptions, recognised here and nowhere else, become the PapersError that explains them."""

    @wraps(method)
    def wrapper(self: Store, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except PapersError:
            raise
        except Exception as exc:
            raise self._explained(exc) or exc  # noqa: B904  (the original traceback stays chained)

    return wrapper  # type: ignore[return-value]


def _forget_cached_system(identifier: str) -> None:
    """Make chromadb build a fresh System for this path on the next open.

    chromadb keeps one System per persist directory for the whole process, including a half-started
    one after a failed open and one whose in-memory HNSW state went stale after another process wrote
    (chroma-core/chroma#3792, #6499); `clear_system_cache()` would drop every other live client's
    System too, so only this path's entry is removed. The one place papers touches chromadb's internals.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    for key in [k for k in SharedSystemClient._identifier_to_system if k == identifier or k.endswith(identifier)]:
        SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)


class Store:
    """Owns the Chroma client and its two collections; knows nothing of models or text."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._reading = None  # the chunk collection's handle for the reads of one query (see open_for_read)

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.index_dir)

    @property
    def embedded(self) -> bool:
        return not self.settings.chroma_url

    # -- the client ---------------------------------------------------------------------------------

    @cached_property
    def _client(self):  # chromadb.ClientAPI
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(self.settings.chroma_url)
            try:
                return chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1",
                    port=url.port or 8000,
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
            except Exception as exc:
                raise UnavailableError(f"cannot reach Chroma server at {self.settings.chroma_url}: {exc}") from None
        path = self.settings.index_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        try:
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as exc:
            _forget_cached_system(str(path))  # else every later open in this process fails obscurely
            why = (
                "the index is read-only (Chroma must be able to write to it, even to search)" if _readonly(exc) else exc
            )
            raise PapersError(f"cannot open the index at {path}: {why}") from None

    def reopen(self) -> None:
        """Open the index afresh: this process's cached Chroma System for it is dropped (embedded mode)."""
        self._reading = None
        client = self.__dict__.pop("_client", None)
        identifier = getattr(client, "_identifier", None)
        if identifier is not None and self.embedded:
            _forget_cached_system(identifier)

    def _explained(self, exc: Exception) -> PapersError | None:
        text = str(exc)
        if "Error finding id" in text:
            return IndexChangedError(
                f"the index at {self.location} changed while it was read (another process is writing to it); "
                "run the command again, or serve the index from one process (`papers serve`)"
            )
        if _readonly(exc):
            return IndexReadOnlyError(f"cannot write to {self.location}: the index is read-only for this user")
        if self.embedded and _disk_nearly_full(self.settings.index_dir):
            return DiskFullError(
                f"no space left on the device holding {self.location}; free some space and run the same "
                "command again (papers already indexed are kept)"
            )
        return None

    @property
    def _names(self) -> tuple[str, str]:
        prefix = self.settings.collection
        return f"{prefix}_chunks", f"{prefix}_catalogue"

    def _collection_names(self) -> set[str]:
        return {c if isinstance(c, str) else c.name for c in self._client.list_collections()}

    @_chroma_errors
    def exists(self) -> bool:
        if self.embedded and not (self.settings.index_dir / "chroma").exists():
            return False
        return self._names[0] in self._collection_names()

    @property
    def _chunks(self):
        return self._client.get_collection(self._names[0], embedding_function=None)

    @property
    def _catalogue(self):
        return self._client.get_collection(self._names[1], embedding_function=None)

    @property
    def _chunks_for_read(self):
        return self._reading or self._chunks

    # -- opening ------------------------------------------------------------------------------------

    @_chroma_errors
    def open_for_write(self, model_name: str, dim: int) -> None:
        """Create the collections on first use, else check they were built with this model."""
        chunks_name, papers_name = self._names
        meta = {"format": FORMAT_VERSION, "embed_model": model_name, "dim": dim, "revision": 0}
        chunks = self._client.get_or_create_collection(
            chunks_name, metadata=meta, configuration=self._configuration, embedding_function=None
        )
        papers = self._client.get_or_create_collection(
            papers_name, metadata={"format": FORMAT_VERSION}, configuration=self._configuration, embedding_function=None
        )
        self._check(chunks.metadata or {}, model_name)
        for collection in (chunks, papers):
            self._search_breadth(collection)

    @_chroma_errors
    def open_for_read(self, model_name: str | None = None) -> None:
        """Check the index can be read with this model (None: whatever model built it), and keep the chunk
        collection's handle for the reads of this query (each lookup of a collection is a round trip)."""
        self._reading = None
        if not self.exists():
            raise IndexMissingError(
                f"no index at {self.location}; run `papers ingest PATH` first (or pass --index DIR)"
            )
        chunks = self._chunks
        meta = chunks.metadata or {}
        self._check(meta, model_name or meta.get("embed_model"))
        self._search_breadth(chunks)
        self._reading = chunks

    @property
    def _configuration(self) -> dict[str, Any]:
        return {"hnsw": {**_COSINE["hnsw"], "ef_search": self.settings.hnsw_ef_search}}

    def _search_breadth(self, collection) -> None:
        """Search an index made before `Settings.hnsw_ef_search` (or with another value) with the set breadth.
        Chroma keeps it in the collection's configuration; an index that cannot be written keeps its own."""
        hnsw = (getattr(collection, "configuration_json", None) or {}).get("hnsw") or {}
        if hnsw.get("ef_search", self.settings.hnsw_ef_search) == self.settings.hnsw_ef_search:
            return
        with contextlib.suppress(Exception):  # a read-only copy still answers, at its own breadth
            collection.modify(configuration={"hnsw": {"ef_search": self.settings.hnsw_ef_search}})

    def _check(self, meta: dict[str, Any], model_name: str | None) -> None:
        version = meta.get("format")
        if version != FORMAT_VERSION:
            hint = "newer" if isinstance(version, int) and version > FORMAT_VERSION else "older"
            raise IndexFormatError(
                f"index at {self.location} has format {version} ({hint}); this papers reads format "
                f"{FORMAT_VERSION}: "
                + ("upgrade papers" if hint == "newer" else "rebuild it with `papers ingest` into a new --index DIR")
            )
        if meta.get("embed_model") != model_name:
            raise ModelMismatchError(
                f"index at {self.location} was built with embedding model {meta.get('embed_model')!r} "
                f"(dim {meta.get('dim')}), not {model_name!r}; pass --embed-model "
                f"{meta.get('embed_model')!r}, or build a new index with this model "
                "(`papers ingest --embed-model … --index NEW`)"
            )

    @property
    @_chroma_errors
    def embed_model(self) -> str | None:
        return (self._chunks.metadata or {}).get("embed_model") if self.exists() else None

    @property
    @_chroma_errors
    def revision(self) -> int:
        return int((self._chunks.metadata or {}).get("revision", 0))

    @_chroma_errors
    def bump_revision(self) -> int:
        """Mark the chunk set as changed so derived indexes (BM25) know to rebuild."""
        chunks = self._chunks
        meta = dict(chunks.metadata or {})
        meta["revision"] = int(meta.get("revision", 0)) + 1
        chunks.modify(metadata=meta)
        return meta["revision"]

    # -- rebuilding (papers reindex) ----------------------------------------------------------------

    @_chroma_errors
    def begin_rebuild(self, model_name: str, dim: int) -> Rebuild:
        """Empty `<prefix>_next` collections to rebuild into; the live ones keep answering meanwhile."""
        chunks_name, papers_name = self._names
        revision = self.revision + 1
        made = []
        existing = self._collection_names()
        for name, meta in (
            (chunks_name, {"format": FORMAT_VERSION, "embed_model": model_name, "dim": dim, "revision": revision}),
            (papers_name, {"format": FORMAT_VERSION}),
        ):
            nxt = f"{name}_next"
            if nxt in existing:
                self._client.delete_collection(nxt)  # leftover of an interrupted rebuild
            made.append(
                self._client.create_collection(
                    nxt, metadata=meta, configuration=self._configuration, embedding_function=None
                )
            )
        return Rebuild(self, made[0], made[1])

    @_chroma_errors
    def _swap_in_next(self) -> None:
        """Replace the live collections with the rebuilt `_next` ones (Chroma renames in place)."""
        self._reading = None
        for name in self._names:
            self._client.delete_collection(name)
            self._client.get_collection(f"{name}_next", embedding_function=None).modify(name=name)

    # -- catalogue ----------------------------------------------------------------------------------

    @_chroma_errors
    def put_papers(self, records: list[PaperRecord], vectors: list[np.ndarray]) -> None:
        """One upsert for many catalogue entries (a Chroma call per paper costs as much as encoding it)."""
        if records:
            self._catalogue.upsert(
                ids=[r.id for r in records],
                embeddings=[v.tolist() for v in vectors],
                metadatas=[r.to_metadata() for r in records],
                documents=[r.document for r in records],
            )

    @_chroma_errors
    def states(self, paper_ids: list[str]) -> dict[str, tuple[str, str]]:
        """paper id → (ingest state, content hash) for those of `paper_ids` in the catalogue."""
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(paper_ids), _PAGE):
            got = self._catalogue.get(ids=paper_ids[start : start + _PAGE], include=["metadatas"])
            for pid, meta in zip(got["ids"], got["metadatas"], strict=True):
                found[pid] = (meta.get("state", ""), meta.get("content_hash", ""))
        return found

    @_chroma_errors
    def paper_signatures(self) -> dict[str, str]:
        """paper id → 'content hash:chunk count' of every ready paper ('' while it is being indexed):
        what derived indexes compare to see which papers changed since they were built."""
        out: dict[str, str] = {}
        for ids, metas, _, _ in _pages(self._catalogue, include=["metadatas"]):
            for pid, meta in zip(ids, metas, strict=True):
                ready = meta.get("state") == "ready"
                out[pid] = f"{meta.get('content_hash', '')}:{meta.get('chunks', 0)}" if ready else ""
        return out

    @_chroma_errors
    def set_state(self, paper_ids: list[str], state: str) -> None:
        if not paper_ids:
            return
        got = self._catalogue.get(ids=paper_ids, include=["metadatas"])
        metas = [{**m, "state": state} for m in got["metadatas"]]
        self._catalogue.update(ids=got["ids"], metadatas=metas)

    @_chroma_errors
    def paper(self, paper_id: str) -> PaperRecord | None:
        got = self._catalogue.get(ids=[paper_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return PaperRecord.from_metadata(got["ids"][0], got["metadatas"][0], got["documents"][0])

    @_chroma_errors
    def papers(self) -> list[PaperRecord]:
        records = []
        for ids, metas, docs, _ in _pages(self._catalogue, include=["metadatas", "documents"]):
            records += [PaperRecord.from_metadata(i, m, d) for i, m, d in zip(ids, metas, docs, strict=True)]
        return records

    @_chroma_errors
    def paper_vectors(self, paper_ids: list[str]) -> dict[str, np.ndarray]:
        """paper id → its stored paper vector, for those of `paper_ids` in the catalogue."""
        got = self._catalogue.get(ids=paper_ids, include=["embeddings"])
        vectors = np.asarray(got["embeddings"], dtype=np.float32)
        return dict(zip(got["ids"], vectors, strict=True))

    @_chroma_errors
    def nearest_papers(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(paper id, cosine similarity) of the k papers whose vectors are nearest."""
        n = min(self._catalogue.count(), k)
        if n <= 0:
            return []
        got = self._catalogue.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"])
        return [(pid, 1.0 - float(d)) for pid, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    @_chroma_errors
    def delete_paper(self, paper_id: str) -> int:
        """Remove a paper's chunks, then its catalogue entry; returns how many chunks went."""
        n = self.delete_chunks_of(paper_id)
        self._catalogue.delete(ids=[paper_id])
        return n

    # -- chunks -------------------------------------------------------------------------------------

    @_chroma_errors
    def delete_chunks_of(self, paper_id: str | list[str]) -> int:
        """Delete every chunk of one paper, or of several in one query."""
        where = {"paper_id": paper_id} if isinstance(paper_id, str) else {"paper_id": {"$in": list(paper_id)}}
        ids = self._chunks.get(where=where, include=[])["ids"]
        self.delete_chunks(ids)
        return len(ids)

    @_chroma_errors
    def delete_chunks(self, ids: list[str]) -> None:
        chunks = self._chunks
        for start in range(0, len(ids), _PAGE):
            chunks.delete(ids=ids[start : start + _PAGE])

    @_chroma_errors
    def count(self) -> int:
        return self._chunks.count() if self.exists() else 0

    @_chroma_errors
    def chunk_rows(self, where: dict[str, Any] | None = None) -> Iterator[tuple[list[str], list[dict], list[str]]]:
        """All chunks (ids, metadatas, documents), paged so 1M rows never sit in one response."""
        for ids, metas, docs, _ in _pages(self._chunks, include=["metadatas", "documents"], where=where):
            yield ids, metas, docs

    def chunks_of_papers(self, paper_ids: list[str]) -> Iterator[tuple[list[str], list[dict], list[str]]]:
        """The chunk rows of the given papers, a few hundred papers per query."""
        for at in range(0, len(paper_ids), 256):
            yield from self.chunk_rows({"paper_id": {"$in": paper_ids[at : at + 256]}})

    @_chroma_errors
    def chunk_papers(self) -> Iterator[tuple[str, str]]:
        """(chunk id, paper id) of every stored chunk, paged: what consistency checks compare."""
        for ids, metas, _, _ in _pages(self._chunks, include=["metadatas"]):
            for cid, meta in zip(ids, metas, strict=True):
                yield cid, (meta or {}).get("paper_id", "")

    @_chroma_errors
    def add_chunks(
        self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]], documents: list[str]
    ) -> None:
        """Chunk rows, in batches of the size Chroma accepts."""
        _add_rows(self._client, self._chunks, ids, vectors, metadatas, documents)

    @_chroma_errors
    def nearest_chunks(
        self,
        vector: np.ndarray,
        k: int,
        *,
        papers: set[str] | None = None,
        exclude_kinds: list[str] | tuple[str, ...] = (),
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the k nearest chunks, only of `papers` (when given) and not of
        `exclude_kinds`: ids and distances only, several times cheaper than reading documents too.
        A filter is a Chroma pre-filter that scans every row's metadata: callers avoid it when they can."""
        clauses: list[dict[str, Any]] = []
        if papers is not None:
            clauses.append({"paper_id": {"$in": sorted(papers)}})
        if exclude_kinds:
            clauses.append({"kind": {"$nin": list(exclude_kinds)}})
        where = None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses}
        got = self._chunks_for_read.query(query_embeddings=[vector], n_results=k, where=where, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    @_chroma_errors
    def cosines(self, ids: list[str], vector: np.ndarray) -> dict[str, float]:
        """Cosine similarity of stored chunks to a unit query vector (ids no longer stored are left out)."""
        if not ids:
            return {}
        got = self._chunks_for_read.get(ids=ids, include=["embeddings"])
        if not got["ids"]:
            return {}
        sims = np.asarray(got["embeddings"], dtype=np.float32) @ vector
        return dict(zip(got["ids"], sims.tolist(), strict=True))

    @_chroma_errors
    def passages(self, ids: list[str]) -> dict[str, Hit]:
        """chunk id → passage, for the ids still stored (one Chroma call)."""
        if not ids:
            return {}
        got = self._chunks_for_read.get(ids=ids, include=["metadatas", "documents"])
        return {
            cid: Hit.from_metadata(cid, doc, meta)
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }

    @_chroma_errors
    def passages_of(self, paper_id: str, kinds: tuple[str, ...] | None = None) -> list[Hit]:
        """A paper's passages in reading order (only those of `kinds`, when given)."""
        return [hit for hit, _ in self._paper_rows(paper_id, kinds, embeddings=False)]

    @_chroma_errors
    def passage_vectors_of(self, paper_id: str, kinds: tuple[str, ...] | None = None) -> list[tuple[Hit, np.ndarray]]:
        """A paper's passages in reading order, each with its stored vector."""
        return self._paper_rows(paper_id, kinds, embeddings=True)

    def _paper_rows(self, paper_id: str, kinds: tuple[str, ...] | None, *, embeddings: bool):
        where: dict[str, Any] = {"paper_id": paper_id}
        if kinds:
            where = {"$and": [where, {"kind": {"$in": list(kinds)}}]}
        include = ["metadatas", "documents"] + (["embeddings"] if embeddings else [])
        got = self._chunks_for_read.get(where=where, include=include)
        vectors = got["embeddings"] if embeddings else [None] * len(got["ids"])
        rows = [
            (Hit.from_metadata(cid, doc, meta), None if vec is None else np.asarray(vec, dtype=np.float32))
            for cid, doc, meta, vec in zip(got["ids"], got["documents"], got["metadatas"], vectors, strict=True)
        ]
        return sorted(rows, key=lambda row: (row[0].start, row[0].end))

    def require_nonempty(self, rows: int | None = None) -> None:
        """`rows`: the chunk count when the caller knows it (BM25's rows at the current revision), since
        Chroma's count() scans the collection (12 ms at 100k chunks, on every query)."""
        if (self.count() if rows is None else rows) == 0:
            raise EmptyIndexError(f"the index at {self.location} is empty; add papers with `papers ingest PATH`")


class Rebuild:
    """The `_next` collections of a rebuild in progress: filled, then swapped in with `finish`."""

    def __init__(self, store: Store, chunks, catalogue) -> None:
        self._store, self._chunks, self._catalogue = store, chunks, catalogue

    def catalogue_rows(self) -> Iterator[tuple[list[str], list[dict], list[str]]]:
        """The live catalogue's (ids, metadatas, documents), paged."""
        for ids, metas, docs, _ in _pages(self._store._catalogue, include=["metadatas", "documents"]):
            yield ids, metas, docs

    def add_chunks(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict], documents: list[str]) -> None:
        _add_rows(self._store._client, self._chunks, ids, vectors, metadatas, documents)

    def add_papers(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict], documents: list[str]) -> None:
        _add_rows(self._store._client, self._catalogue, ids, vectors, metadatas, documents)

    def finish(self) -> None:
        self._store._swap_in_next()


def _add_rows(client, collection, ids, vectors, metadatas, documents) -> None:
    step = client.get_max_batch_size()
    for at in range(0, len(ids), step):
        collection.add(
            ids=ids[at : at + step],
            embeddings=vectors[at : at + step],
            metadatas=metadatas[at : at + step],
            documents=documents[at : at + step],
        )


def _pages(collection, include: list[str], where: dict[str, Any] | None = None):
    offset = 0
    while True:
        got = collection.get(include=include, limit=_PAGE, offset=offset, where=where)
        if not got["ids"]:
            return
        yield (
            got["ids"],
            got.get("metadatas") or [{}] * len(got["ids"]),
            got.get("documents") or [""] * len(got["ids"]),
            got.get("embeddings") if got.get("embeddings") is not None else [],
        )
        if len(got["ids"]) < _PAGE:
            return
        offset += _PAGE


def _readonly(exc: Exception) -> bool:
    """SQLite under Chroma reports a read-only database in its message, not as an OSError."""
    text = str(exc).lower()
    return "readonly database" in text or "read-only" in text or "read only" in text


def _disk_nearly_full(folder) -> bool:
    try:
        return shutil.disk_usage(folder).free < _LOW_DISK_BYTES
    except OSError:
        return False
