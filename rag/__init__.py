"""The engine: embedding, the Chroma store, retrieval, answers and citations, behind `Library`."""

from rag.settings import Settings  # noqa: I001  (first: sets telemetry env vars before chromadb loads)
from rag.errors import PapersError
from rag.library import IngestReport, Library
from rag.retrieval import Filters, Hit

__all__ = ["Filters", "Hit", "IngestReport", "Library", "PapersError", "Settings"]
