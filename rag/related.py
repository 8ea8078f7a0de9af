"""Related work: papers (not chunks) ranked by similarity to one paper, with the passage pair that matched.

The query paper is one in the index (by id, arXiv id or title), a PDF on disk, or an arXiv id fetched
on the fly; the latter two are chunked and embedded without being indexed. A paper's vector is the
normalised mean of its abstract/body chunk vectors (what ingest stores in the catalogue), so ranking
is one nearest-neighbour query on the catalogue; the best-matching passage pair is then found among
the chunks of the top papers only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.errors import PapersError
from rag.retrieval import Hit
from rag.store import chunk_metadata

if TYPE_CHECKING:
    from ingest.models import Paper
    from rag.library import Library
    from rag.store import PaperRecord

_MATCH_KINDS = ("body", "abstract")  # References and Chinese summaries say nothing about the topic


@dataclass
class RelatedPaper:
    paper: PaperRecord
    score: float
    query_passage: Hit | None = None  # the passage of the query paper that matched best
    matched_passage: Hit | None = None  # and the passage of this paper it matched


ChunkVectors = list[tuple[Hit, np.ndarray]]


def paper_vector(chunks: ChunkVectors) -> np.ndarray:
    mean = np.mean([v for _, v in chunks], axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)


def indexed_chunks(library: Library, paper_id: str) -> ChunkVectors:
    got = library.store.chunks.get(
        where={"$and": [{"paper_id": paper_id}, {"kind": {"$in": list(_MATCH_KINDS)}}]},
        include=["metadatas", "documents", "embeddings"],
    )
    return [
        (Hit.from_metadata(i, d, m), np.asarray(e, dtype=np.float32))
        for i, d, m, e in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)
    ]


def embed_paper(library: Library, paper: Paper) -> ChunkVectors:
    """Chunk and embed a paper that is not in the index (nothing is written to it)."""
    from ingest.chunking import chunk_paper

    s = library.settings
    chunks = [c for c in chunk_paper(paper, s.chunk_size, s.chunk_overlap) if c.kind in _MATCH_KINDS]
    if not chunks:
        raise PapersError(f"{paper.id}: no text to compare")
    texts = [library._embed_text(paper, c) for c in chunks]
    vectors = library._embed_cache.encode(texts, library.embedder.encode)
    hits = [Hit.from_metadata(c.id, c.text, chunk_metadata(paper, c)) for c in chunks]
    return list(zip(hits, vectors, strict=True))


def query_paper(library: Library, ref: str) -> tuple[str | None, ChunkVectors]:
    """(id of the query paper in the index or None, its chunks with vectors) for a ref of any kind."""
    path = Path(ref).expanduser()
    if ref.lower().endswith(".pdf") or (path.is_file() and path.suffix.lower() == ".pdf"):
        if not path.is_file():
            raise PapersError(f"{ref}: no such PDF file")
        from ingest.sources.pdf import load_pdf  # lazily: the PDF stack is heavy

        try:
            paper = load_pdf(path)
        except Exception as exc:  # SourceError, or whatever a broken PDF raises
            raise PapersError(str(exc).splitlines()[0] if str(exc) else f"{ref}: cannot read PDF") from None
        record = library.store.paper(paper.id)
        if record is not None and record.content_hash == paper.content_hash:
            return record.id, indexed_chunks(library, record.id)
        return None, embed_paper(library, paper)
    try:
        record = library.resolve_paper(ref)
    except PapersError:
        arxiv_id = _arxiv_id(ref)
        if arxiv_id is None:
            raise
        return None, embed_paper(library, _fetch_arxiv(library, arxiv_id))
    return record.id, indexed_chunks(library, record.id)


def _arxiv_id(ref: str) -> str | None:
    from ingest.arxiv_ids import parse_arxiv_id
    from ingest.models import SourceError

    try:
        return parse_arxiv_id(ref)[0]
    except SourceError:
        return None


def _fetch_arxiv(library: Library, arxiv_id: str) -> Paper:
    hint = f"arXiv:{arxiv_id} is not in the index; add it with `papers add {arxiv_id}`"
    try:
        from ingest.sources.arxiv import ArxivSettings, ArxivSource
    except ImportError:
        raise PapersError(hint) from None
    s = library.settings
    source = ArxivSource(
        ArxivSettings(
            api_url=s.arxiv_api_url,
            delay_seconds=s.arxiv_delay_seconds,
            timeout=s.download_timeout,
            cache_dir=s.cache_dir / "pdfs",
        )
    )
    try:
        return source.fetch_one(arxiv_id)
    except Exception as exc:  # network down, unknown id: the user still learns what to do
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PapersError(f"{hint} (fetching it failed: {reason})") from None


def best_pair(mine: ChunkVectors, theirs: ChunkVectors) -> tuple[Hit | None, Hit | None, float]:
    if not mine or not theirs:
        return None, None, 0.0
    sims = np.vstack([v for _, v in mine]) @ np.vstack([v for _, v in theirs]).T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    a, b = mine[int(i)][0], theirs[int(j)][0]
    a.score = b.score = float(sims[i, j])
    return a, b, float(sims[i, j])


def related_papers(library: Library, ref: str, k: int = 5) -> list[RelatedPaper]:
    """The k papers of the index most similar to `ref`, best first, each with its best passage pair."""
    library.store.open_for_read(library.settings.embed_model)
    own_id, own_chunks = query_paper(library, ref)
    if not own_chunks:
        raise PapersError(f"{ref}: the paper has no abstract or body passages to compare")
    vector = paper_vector(own_chunks)
    catalogue = library.store.catalogue
    n = min(catalogue.count(), k + 1)
    if n == 0:
        return []
    got = catalogue.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"])
    results = []
    for pid, distance in zip(got["ids"][0], got["distances"][0], strict=True):
        if pid == own_id or len(results) >= k:
            continue
        other = library.store.paper(pid)
        if other is None or other.state != "ready":
            continue
        query_hit, match_hit, _ = best_pair(own_chunks, indexed_chunks(library, pid))
        results.append(RelatedPaper(other, 1.0 - float(distance), query_hit, match_hit))
    return results
