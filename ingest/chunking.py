"""Section-aware, sentence-aware chunking with exact character spans.

llama-index's SentenceSplitter does the packing with overlap; we run it one section at a time so no chunk
crosses a section boundary, and map its spans back onto the paper's text. It packs our sentences
(`ingest.sentences`), not nltk punkt's: punkt ends one at "et al." and 8 % of chunks opened mid-sentence
("(2022) on the S2-VL training set."), a fragment no answer could quote whole.
"""

from __future__ import annotations

from functools import lru_cache

from ingest.models import Chunk, Paper, chunk_id
from ingest.sentences import sentence_pieces

DEFAULT_CHUNK_SIZE = 256  # tokens; all-MiniLM-L6-v2 truncates at 256 word pieces
DEFAULT_CHUNK_OVERLAP = 32


@lru_cache(maxsize=8)
def _splitter(chunk_size: int, chunk_overlap: int):
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap, chunking_tokenizer_fn=sentence_pieces)


def chunk_paper(
    paper: Paper,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP,
) -> list[Chunk]:
    """Split each section of `paper` into overlapping chunks whose text is verbatim `paper.text[start:end]`."""
    splitter = _splitter(chunk_size, min(chunk_overlap, chunk_size // 2))
    chunks: list[Chunk] = []
    for section in paper.sections:
        body = paper.text[section.start : section.end]
        if not body.strip():
            continue
        if section.kind == "body" and body.strip() == section.title.strip():
            continue  # a heading with its subsections right below ("4 Results" over "4.1 …"); a caption stays
        cursor = 0
        for piece in splitter.split_text(body):
            local = body.find(piece, cursor)
            if local < 0:  # the splitter normalised something: fall back to an unanchored search
                local = body.find(piece)
            if local < 0:
                continue
            cursor = local + 1
            start = section.start + local
            end = start + len(piece)
            chunks.append(
                Chunk(
                    id=chunk_id(paper.id, start, end),
                    paper_id=paper.id,
                    text=piece,
                    start=start,
                    end=end,
                    section=section.title,
                    page_start=paper.page_at(start),
                    page_end=paper.page_at(end - 1),
                    kind=section.kind,
                )
            )
    return chunks
