"""Turn sources (abstract files, PDFs, arXiv) into `Paper` records and provenance-carrying `Chunk`s.

Pure: nothing here touches the index or a model, so it is fast to test with plain files.
"""

from ingest.models import Chunk, Paper, Section, SourceError

__all__ = ["Chunk", "Paper", "Section", "SourceError"]
