"""Related work: papers (not chunks) ranked by similarity to one paper, with the passage pair that matched.

The query paper is one in the index (by id, arXiv id or title), a PDF on disk, or an arXiv id fetched
on the fly; the latter two are chunked and embedded without being indexed. A paper's vector is the one
`rag.index.passages` defines (what ingest stores in the catalogue), so ranking is one nearest-neighbour
query on the catalogue; the best-matching passage pair is then found among the top papers' chunks only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.arxiv_ids import parse_arxiv_id
from ingest.chunking import chunk_paper
from ingest.models import Paper, SourceError
from rag.errors import PapersError
from rag.index.passages import TOPICAL_KINDS, embed_text, paper_vector
from rag.index.records import Hit, PaperRecord, chunk_metadata
from rag.reader import Reader
from rag.search.filters import Filters


@dataclass
class RelatedPaper:
    paper: PaperRecord
    score: float
    query_passage: Hit | None = None  # the passage of the query paper that matched best
    matched_passage: Hit | None = None  # and the passage of this paper it matched


ChunkVectors = list[tuple[Hit, np.ndarray]]


def indexed_chunks(reader: Reader, paper_id: str) -> ChunkVectors:
    return reader.store.passage_vectors_of(paper_id, TOPICAL_KINDS)


def embed_paper(reader: Reader, paper: Paper) -> ChunkVectors:
    """Chunk and embed a paper that is not in the index (nothing is written to it)."""
    s = reader.settings
    chunks = [c for c in chunk_paper(paper, s.chunk_size, s.chunk_overlap) if c.kind in TOPICAL_KINDS]
    if not chunks:
        raise PapersError(f"{paper.id}: no text to compare")
    vectors = reader.engine.encode_passages([embed_text(paper.title, c.text) for c in chunks])
    hits = [Hit.from_metadata(c.id, c.text, chunk_metadata(paper, c)) for c in chunks]
    return list(zip(hits, vectors, strict=True))


def query_paper(reader: Reader, ref: str) -> tuple[str | None, ChunkVectors]:
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
        record = reader.paper(paper.id)
        if record is None:
            return None, embed_paper(reader, paper)
        # The id is the file's: the indexed paper is this one. Read another way since (an earlier version's
        # parse), its chunks are embedded afresh, and it is still left out of its own related papers.
        current = record.content_hash == paper.content_hash
        return record.id, indexed_chunks(reader, record.id) if current else embed_paper(reader, paper)
    try:
        record = reader.resolve_paper(ref)
    except PapersError:
        arxiv_id = _arxiv_id(ref)
        if arxiv_id is None:
            raise
        return None, embed_paper(reader, _fetch_arxiv(reader, arxiv_id))
    return record.id, indexed_chunks(reader, record.id)


def _arxiv_id(ref: str) -> str | None:
    try:
        return parse_arxiv_id(ref)[0]
    except SourceError:
        return None


def _fetch_arxiv(reader: Reader, arxiv_id: str) -> Paper:
    hint = f"arXiv:{arxiv_id} is not in the index; add it with `papers add {arxiv_id}`"
    try:
        source = reader.engine.arxiv_source
    except ImportError:
        raise PapersError(hint) from None
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


def related_papers(reader: Reader, ref: str, k: int = 5, filters: Filters | None = None) -> list[RelatedPaper]:
    """The k papers of the index most similar to `ref`, best first, each with its best passage pair
    (only papers `filters` lets through, when given)."""
    reader.store.open_for_read(reader.settings.embed_model)
    own_id, own_chunks = query_paper(reader, ref)
    if not own_chunks:
        raise PapersError(f"{ref}: the paper has no abstract or body passages to compare")
    vector = paper_vector([h.kind for h, _ in own_chunks], [v for _, v in own_chunks])
    results = []
    allowed = {p.id for p in reader.papers() if filters.matches(p)} if filters and filters.restricts_papers else None
    depth = k + 1 if allowed is None else min(len(allowed), k) * 20 + 1  # filtered: look further down the list
    for pid, similarity in reader.store.nearest_papers(vector, depth):
        if pid == own_id or len(results) >= k or (allowed is not None and pid not in allowed):
            continue
        other = reader.paper(pid)
        if other is None or other.state != "ready":
            continue
        query_hit, match_hit, _ = best_pair(own_chunks, indexed_chunks(reader, pid))
        results.append(RelatedPaper(other, similarity, query_hit, match_hit))
    return results
