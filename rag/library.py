"""`Library`: the one public face of the engine. The CLI, the Gradio app and scripts call only this.

It is the read side (`Reader`: papers, search, ask, neighbours, stats) with the write side (`Indexer`)
and the features on top (related work, the doctor); each job lives in its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any, TypeVar

from rag.engine import Engine
from rag.features import doctor as index_doctor
from rag.features.related import RelatedPaper, related_papers
from rag.features.sync import Place, SyncReport
from rag.features.sync import sync as sync_places
from rag.features.watch import SyncLog
from rag.index.embedder import Embedder
from rag.indexer import Indexer
from rag.reader import Reader, retry_if_changed
from rag.search.filters import Filters
from rag.settings import Settings

T = TypeVar("T")


def _writes(method: Callable[..., T]) -> Callable[..., T]:
    """A Library method that is the Indexer's own (its signature and docstring, for help() and gr.api)."""

    @wraps(method)
    def forward(self: Library, *args: Any, **kwargs: Any) -> T:
        return method(self.indexer, *args, **kwargs)

    return forward


class Library(Reader):
    """An index of papers: add, remove, list, search, ask, related."""

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None) -> None:
        super().__init__(Engine(settings or Settings(), embedder=embedder))
        self.indexer = Indexer(self.engine, self)

    @property
    def embedder(self) -> Embedder:
        return self.engine.embedder

    # -- writes: the Indexer's methods, same signatures --------------------------------------------

    ingest = _writes(Indexer.ingest)
    add = _writes(Indexer.add)
    add_arxiv = _writes(Indexer.add_arxiv)
    add_papers = _writes(Indexer.add_papers)
    reindex = _writes(Indexer.reindex)
    remove = _writes(Indexer.remove)
    remove_papers = _writes(Indexer.remove_papers)

    # -- features -----------------------------------------------------------------------------------

    @retry_if_changed
    def related(self, paper: str, *, k: int = 5, filters: Filters | None = None) -> list[RelatedPaper]:
        """Papers most similar to one (in the index, a PDF path, or an arXiv id), best passage pair each;
        only papers `filters` lets through, when given."""
        return related_papers(self, paper, k, filters)

    def sync(self, places: list[Place], **options: Any) -> SyncReport:
        """Mirror folders and Zotero libraries (`folder_place`, `zotero_place`) into the index; the
        options are those of `rag.features.sync.sync` (dry_run, yes, quiet_seconds, password)."""
        return sync_places(self, places, **options)

    @cached_property
    def sync_log(self) -> SyncLog:
        """What background syncing (`papers serve --watch`) did lately, for the Library tab."""
        return SyncLog()

    def doctor(self, *, repair: bool = False) -> index_doctor.DoctorReport:
        """Check that catalogue, chunks and BM25 agree (and, with `repair`, fix what does not)."""
        return index_doctor.repair(self.engine) if repair else index_doctor.check(self.engine)
