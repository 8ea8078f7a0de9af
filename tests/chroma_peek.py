"""Chroma as it is on disk or on the server, read with chromadb's own client (not through `Store`): what
tests compare the engine's view with, or damage on purpose."""

from __future__ import annotations

from urllib.parse import urlparse


def client(library):
    """A chromadb client on the library's index (embedded folder or server)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    s = library.settings
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if s.chroma_url:
        url = urlparse(s.chroma_url)
        return chromadb.HttpClient(host=url.hostname, port=url.port, settings=chroma_settings)
    return chromadb.PersistentClient(path=str(s.index_dir / "chroma"), settings=chroma_settings)


def chunks(library):
    """The chunk collection."""
    return client(library).get_collection(f"{library.settings.collection}_chunks", embedding_function=None)


def catalogue(library):
    """The catalogue collection (one row per paper)."""
    return client(library).get_collection(f"{library.settings.collection}_catalogue", embedding_function=None)


def chunk_ids(library, **where) -> list[str]:
    """Sorted ids of the stored chunks (of one paper, with paper_id=...)."""
    got = chunks(library).get(where=where or None, include=[])
    return sorted(got["ids"])
