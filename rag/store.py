"""The index: two Chroma collections (chunks, and a catalogue of papers) opened embedded or over HTTP.

The chunk collection is what llama-index's ChromaVectorStore reads and writes. The catalogue holds
one record per paper (metadata, ingest state, a paper-level vector for related work) and acts as
the manifest: a paper whose state is not "ready" was interrupted and is redone on the next ingest.
The collection metadata records the format version and the embedding model, so an index is never
queried with vectors from another model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ingest.models import Chunk, Paper
from rag.errors import EmptyIndexError, IndexFormatError, IndexMissingError, ModelMismatchError, PapersError
from rag.settings import Settings

FORMAT_VERSION = 1
_PAGE = 5000  # rows per Chroma get() page


@dataclass
class PaperRecord:
    """A catalogue entry: everything `papers list/show` prints and filters resolve against."""

    id: str
    title: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    source: str = ""
    url: str = ""
    state: str = "ready"
    chunks: int = 0
    pages: int = 0
    content_hash: str = ""
    abstract: str = ""
    sections: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "title": self.title,
            "authors_text": "; ".join(self.authors),
            "source": self.source,
            "url": self.url,
            "state": self.state,
            "chunks": self.chunks,
            "pages": self.pages,
            "content_hash": self.content_hash,
            "sections_json": json.dumps(self.sections, ensure_ascii=False),
            "extra_json": json.dumps(self.extra, ensure_ascii=False, default=str),
        }
        if self.year is not None:
            meta["year"] = self.year
        categories = self.extra.get("categories")
        if isinstance(categories, list) and categories:
            meta["categories"] = [str(c) for c in categories]
        return meta

    @classmethod
    def from_chroma(cls, pid: str, meta: dict[str, Any], document: str | None) -> PaperRecord:
        return cls(
            id=pid,
            title=meta.get("title", ""),
            authors=[a for a in meta.get("authors_text", "").split("; ") if a],
            year=meta.get("year"),
            source=meta.get("source", ""),
            url=meta.get("url", ""),
            state=meta.get("state", ""),
            chunks=int(meta.get("chunks", 0)),
            pages=int(meta.get("pages", 0)),
            content_hash=meta.get("content_hash", ""),
            abstract=(document or "").partition("\n\n")[2],
            sections=json.loads(meta.get("sections_json") or "[]"),
            extra=json.loads(meta.get("extra_json") or "{}"),
        )


def _forget_failed_system(path: str) -> None:
    """Drop chromadb's cached, half-started client for `path` so a later open can try again."""
    from chromadb.api.shared_system_client import SharedSystemClient

    for key in [k for k in SharedSystemClient._identifier_to_system if k == path or k.endswith(path)]:
        SharedSystemClient._identifier_to_system.pop(key, None)


class Store:
    """Owns the Chroma client and its two collections; knows nothing of models or text."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.index_dir)

    @cached_property
    def client(self):  # chromadb.ClientAPI
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
                raise PapersError(f"cannot reach Chroma server at {self.settings.chroma_url}: {exc}") from None
        path = self.settings.index_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        try:
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as exc:
            _forget_failed_system(str(path))  # else every later open in this process fails obscurely
            readonly = "readonly" in str(exc).lower() or "read-only" in str(exc).lower()
            why = "the index is read-only (Chroma must be able to write to it, even to search)" if readonly else exc
            raise PapersError(f"cannot open the index at {path}: {why}") from None

    def reopen(self) -> None:
        """Open the index afresh: drop this process's cached Chroma system for it (embedded mode)."""
        self._reading = None
        client = self.__dict__.pop("client", None)
        identifier = getattr(client, "_identifier", None)
        if identifier is not None and not self.settings.chroma_url:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient._identifier_to_system.pop(identifier, None)
            SharedSystemClient._identifier_to_refcount.pop(identifier, None)

    @property
    def _names(self) -> tuple[str, str]:
        prefix = self.settings.collection
        return f"{prefix}_chunks", f"{prefix}_catalogue"

    def exists(self) -> bool:
        if not self.settings.chroma_url and not (self.settings.index_dir / "chroma").exists():
            return False
        names = {c if isinstance(c, str) else c.name for c in self.client.list_collections()}
        return self._names[0] in names

    # -- opening ---------------------------------------------------------------------------------

    def open_for_write(self, model_name: str, dim: int) -> None:
        """Create the collections on first use, else check they were built with this model."""
        chunks_name, papers_name = self._names
        meta = {"format": FORMAT_VERSION, "embed_model": model_name, "dim": dim, "revision": 0}
        config = {"hnsw": {"space": "cosine"}}
        chunks = self.client.get_or_create_collection(
            chunks_name, metadata=meta, configuration=config, embedding_function=None
        )
        self.client.get_or_create_collection(
            papers_name, metadata={"format": FORMAT_VERSION}, configuration=config, embedding_function=None
        )
        self._check(chunks.metadata or {}, model_name)

    def open_for_read(self, model_name: str) -> None:
        """Check the index can be read with this model, and keep the chunk collection's handle for the
        reads of this query (each Chroma lookup of a collection by name is a round trip)."""
        self._reading = None
        if not self.exists():
            raise IndexMissingError(
                f"no index at {self.location}; run `papers ingest PATH` first (or pass --index DIR)"
            )
        chunks = self.chunks
        self._check(chunks.metadata or {}, model_name)
        self._reading = chunks

    @property
    def _chunks_for_read(self):
        return getattr(self, "_reading", None) or self.chunks

    def _check(self, meta: dict[str, Any], model_name: str) -> None:
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
    def chunks(self):
        return self.client.get_collection(self._names[0], embedding_function=None)

    @property
    def catalogue(self):
        return self.client.get_collection(self._names[1], embedding_function=None)

    @property
    def embed_model(self) -> str | None:
        return (self.chunks.metadata or {}).get("embed_model") if self.exists() else None

    @property
    def revision(self) -> int:
        return int((self.chunks.metadata or {}).get("revision", 0))

    def bump_revision(self) -> int:
        """Mark the chunk set as changed so derived indexes (BM25) know to rebuild."""
        chunks = self.chunks
        meta = dict(chunks.metadata or {})
        meta["revision"] = int(meta.get("revision", 0)) + 1
        chunks.modify(metadata=meta)
        return meta["revision"]

    # -- rebuilding (papers reindex) ---------------------------------------------------------------

    def create_next(self, model_name: str, dim: int):
        """Empty `<prefix>_next_*` collections to rebuild into; the live ones keep answering meanwhile."""
        chunks_name, papers_name = self._names
        revision = self.revision + 1
        config = {"hnsw": {"space": "cosine"}}
        made = []
        for name, meta in (
            (chunks_name, {"format": FORMAT_VERSION, "embed_model": model_name, "dim": dim, "revision": revision}),
            (papers_name, {"format": FORMAT_VERSION}),
        ):
            nxt = f"{name}_next"
            if nxt in {c if isinstance(c, str) else c.name for c in self.client.list_collections()}:
                self.client.delete_collection(nxt)  # leftover of an interrupted rebuild
            made.append(
                self.client.create_collection(nxt, metadata=meta, configuration=config, embedding_function=None)
            )
        return made[0], made[1]

    def swap_in_next(self) -> None:
        """Replace the live collections with the rebuilt `_next` ones (Chroma renames in place)."""
        self._reading = None
        for name in self._names:
            self.client.delete_collection(name)
            self.client.get_collection(f"{name}_next", embedding_function=None).modify(name=name)

    # -- catalogue ---------------------------------------------------------------------------------

    def put_paper(self, record: PaperRecord, vector: np.ndarray) -> None:
        self.put_papers([record], [vector])

    def put_papers(self, records: list[PaperRecord], vectors: list[np.ndarray]) -> None:
        """One upsert for many catalogue entries (a Chroma call per paper costs as much as encoding it)."""
        if records:
            self.catalogue.upsert(
                ids=[r.id for r in records],
                embeddings=[v.tolist() for v in vectors],
                metadatas=[r.to_metadata() for r in records],
                documents=[f"{r.title}\n\n{r.abstract}" for r in records],
            )

    def states(self, paper_ids: list[str]) -> dict[str, tuple[str, str]]:
        """paper id → (ingest state, content hash) for those of `paper_ids` in the catalogue."""
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(paper_ids), _PAGE):
            got = self.catalogue.get(ids=paper_ids[start : start + _PAGE], include=["metadatas"])
            for pid, meta in zip(got["ids"], got["metadatas"], strict=True):
                found[pid] = (meta.get("state", ""), meta.get("content_hash", ""))
        return found

    def paper_signatures(self) -> dict[str, str]:
        """paper id → 'content hash:chunk count' of every ready paper ('' while it is being indexed):
        what derived indexes compare to see which papers changed since they were built."""
        out: dict[str, str] = {}
        for ids, metas, _, _ in self._pages(self.catalogue, include=["metadatas"]):
            for pid, meta in zip(ids, metas, strict=True):
                ready = meta.get("state") == "ready"
                out[pid] = f"{meta.get('content_hash', '')}:{meta.get('chunks', 0)}" if ready else ""
        return out

    def set_state(self, paper_ids: list[str], state: str) -> None:
        if not paper_ids:
            return
        got = self.catalogue.get(ids=paper_ids, include=["metadatas"])
        metas = [{**m, "state": state} for m in got["metadatas"]]
        self.catalogue.update(ids=got["ids"], metadatas=metas)

    def paper(self, paper_id: str) -> PaperRecord | None:
        got = self.catalogue.get(ids=[paper_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return PaperRecord.from_chroma(got["ids"][0], got["metadatas"][0], got["documents"][0])

    def papers(self) -> list[PaperRecord]:
        records = []
        for ids, metas, docs, _ in self._pages(self.catalogue, include=["metadatas", "documents"]):
            records += [PaperRecord.from_chroma(i, m, d) for i, m, d in zip(ids, metas, docs, strict=True)]
        return records

    def paper_vectors(self, paper_ids: list[str] | None = None) -> tuple[list[str], np.ndarray]:
        if paper_ids is not None:
            got = self.catalogue.get(ids=paper_ids, include=["embeddings"])
            return got["ids"], np.asarray(got["embeddings"], dtype=np.float32)
        ids, vectors = [], []
        for page_ids, _, _, emb in self._pages(self.catalogue, include=["embeddings"]):
            ids += page_ids
            vectors.append(np.asarray(emb, dtype=np.float32))
        return ids, (np.vstack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32))

    def delete_paper(self, paper_id: str) -> int:
        """Remove a paper's chunks, then its catalogue entry; returns how many chunks went."""
        n = self.delete_chunks_of(paper_id)
        self.catalogue.delete(ids=[paper_id])
        return n

    # -- chunks ------------------------------------------------------------------------------------

    def delete_chunks_of(self, paper_id: str | list[str]) -> int:
        """Delete every chunk of one paper, or of several in one query."""
        chunks = self.chunks
        where = {"paper_id": paper_id} if isinstance(paper_id, str) else {"paper_id": {"$in": list(paper_id)}}
        ids = chunks.get(where=where, include=[])["ids"]
        for start in range(0, len(ids), _PAGE):
            chunks.delete(ids=ids[start : start + _PAGE])
        return len(ids)

    def count(self) -> int:
        return self.chunks.count() if self.exists() else 0

    def chunk_rows(self, where: dict[str, Any] | None = None) -> Iterator[tuple[list[str], list[dict], list[str]]]:
        """All chunks (ids, metadatas, documents), paged so 1M rows never sit in one response."""
        for ids, metas, docs, _ in self._pages(self.chunks, include=["metadatas", "documents"], where=where):
            yield ids, metas, docs

    def add_chunks(
        self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]], documents: list[str]
    ) -> None:
        """Chunk rows, in batches of the size Chroma accepts."""
        chunks = self.chunks
        step = self.client.get_max_batch_size()
        for at in range(0, len(ids), step):
            chunks.add(
                ids=ids[at : at + step],
                embeddings=vectors[at : at + step],
                metadatas=metadatas[at : at + step],
                documents=documents[at : at + step],
            )

    def nearest_chunks(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the k nearest chunks: ids and distances only, which is several
        times cheaper than also reading every candidate's document and metadata."""
        got = self._chunks_for_read.query(query_embeddings=[vector], n_results=k, where=where, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def cosines(self, ids: list[str], vector: np.ndarray) -> dict[str, float]:
        """Cosine similarity of stored chunks to a unit query vector (ids no longer stored are left out)."""
        if not ids:
            return {}
        got = self._chunks_for_read.get(ids=ids, include=["embeddings"])
        if not got["ids"]:
            return {}
        sims = np.asarray(got["embeddings"], dtype=np.float32) @ vector
        return dict(zip(got["ids"], sims.tolist(), strict=True))

    def get_chunks(self, ids: list[str], *, embeddings: bool = False) -> dict[str, Any]:
        include = ["metadatas", "documents"] + (["embeddings"] if embeddings else [])
        return self._chunks_for_read.get(ids=ids, include=include)

    def require_nonempty(self, rows: int | None = None) -> None:
        """`rows`: the chunk count when the caller knows it (BM25's rows at the current revision), since
        Chroma's count() scans the collection (12 ms at 100k chunks, on every query)."""
        if (self.count() if rows is None else rows) == 0:
            raise EmptyIndexError(f"the index at {self.location} is empty; add papers with `papers ingest PATH`")

    @staticmethod
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


def chunk_metadata(paper: Paper, chunk: Chunk) -> dict[str, Any]:
    """The metadata a chunk row carries in Chroma: its provenance and what filters need."""
    meta: dict[str, Any] = {
        "paper_id": paper.id,
        "title": paper.title,
        "authors": ", ".join(paper.authors),
        "source": paper.source,
        "url": paper.url,
        "section": chunk.section,
        "kind": chunk.kind,
        "start": chunk.start,
        "end": chunk.end,
    }
    if paper.year is not None:
        meta["year"] = paper.year
    if chunk.page_start is not None:
        meta["page_start"] = chunk.page_start
        meta["page_end"] = chunk.page_end
    return meta
