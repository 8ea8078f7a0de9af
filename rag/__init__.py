"""The engine: embedding, the Chroma store, retrieval, answers and citations, behind `Library`.

index/     the store (the only code that speaks Chroma), BM25, the embedder and its caches
search/    filters, dense/BM25/hybrid retrieval, fusion, rerank
answers/   answer types, extractive answers, the LLM prompt, the citation check, the pipeline
llm/       the backend interface and the OpenAI-compatible backend
features/  related papers, the daily digest, the doctor
engine.py (wiring) · reader.py (reads) · indexer.py (writes) · library.py (the facade)
"""

import rag.environment  # noqa: F401  (first: telemetry off before chromadb or gradio load)
from rag.errors import PapersError
from rag.index.records import Hit, PaperRecord
from rag.indexer import IngestReport
from rag.library import Library
from rag.search.filters import Filters
from rag.settings import Settings

__all__ = ["Filters", "Hit", "IngestReport", "Library", "PaperRecord", "PapersError", "Settings"]
