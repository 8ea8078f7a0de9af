"""Keeps the BM25 index in step with the store: at the store's revision, updated from Chroma only for the
papers whose catalogue signature moved, saved beside the index so the next process starts warm."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from rag.index.lexical import LexicalIndex
from rag.index.passages import lexical_text
from rag.index.store import Store
from rag.settings import Settings


class LexicalSync:
    """The BM25 index of one store: `current()` is always at the store's revision."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self._cached: LexicalIndex | None = None

    @property
    def folder(self) -> Path:
        """Where it is saved (`Settings.lexical_dir`)."""
        return self._settings.lexical_dir

    def current(self) -> LexicalIndex:
        """The BM25 index at the store's current revision, brought up to date from Chroma when stale."""
        revision = self._store.revision  # read first: a write after this point moves it again
        cached = self._cached
        if cached is not None and cached.revision == revision:
            return cached
        index = cached or LexicalIndex.load(self.folder)
        if index is None or index.revision != revision:
            index = self._update(index, revision)
            with contextlib.suppress(OSError):  # a read-only index still answers, from memory
                index.save(self.folder)
        self._cached = index
        return index

    def follow(
        self, before: int, revision: int, rows: list[tuple[str, str, str, str]], drop: set[str], signatures: dict
    ) -> bool:
        """Apply a write this process just made (the store went from revision `before` to `revision`;
        `rows` are the new chunks' lexical rows, `drop` the papers whose old rows go, `signatures` their new
        catalogue signatures, '' for removed papers) without reading the catalogue or any other chunk.
        False when the index in hand is not at `before` (then `current()` catches up the usual way)."""
        index = self._cached or LexicalIndex.load(self.folder)
        if index is None or index.revision != before:
            return False
        index = index.updated(rows, drop, revision, signatures)
        with contextlib.suppress(OSError):
            index.save(self.folder)
        self._cached = index
        return True

    def rebuild(self) -> LexicalIndex:
        """BM25 from scratch, every chunk re-read and re-tokenised (`papers doctor --repair`)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        index = self._update(None, self._store.revision)
        index.save(self.folder)
        self._cached = index
        return index

    def forget(self) -> None:
        """Drop the in-memory copy (the store was reopened): the next `current()` reloads."""
        self._cached = None

    def leftovers(self) -> list[Path]:
        """Temporary folders of saves that were interrupted."""
        return sorted(self.folder.parent.glob(f"{self.folder.name}.tmp*"))

    def _update(self, index: LexicalIndex | None, revision: int) -> LexicalIndex:
        """Re-read only the papers whose catalogue signature moved since `index` was built (all of them
        when there is no index yet, or when most changed: one paged scan is cheaper then)."""
        signatures = self._store.paper_signatures()
        if index is not None:
            changed = [p for p, sig in signatures.items() if not sig or index.papers.get(p) != sig]
            if len(changed) <= len(signatures) // 2:
                gone = set(index.papers).difference(signatures)
                rows = list(lexical_rows(self._store.chunks_of_papers(changed)))
                moved = {**{p: signatures[p] for p in changed}, **dict.fromkeys(gone, "")}
                return index.updated(rows, gone | set(changed), revision, moved)
        return LexicalIndex.build(list(self.rows()), revision, signatures)

    def rows(self) -> Iterator[tuple[str, str, str, str]]:
        """(chunk id, paper id, kind, lexical text) of every stored chunk."""
        return lexical_rows(self._store.chunk_rows())


def lexical_rows(pages) -> Iterator[tuple[str, str, str, str]]:
    """(chunk id, paper id, kind, lexical text) of chunk rows as Chroma pages them (ids, metadatas, documents)."""
    for ids, metas, docs in pages:
        for cid, meta, doc in zip(ids, metas, docs, strict=True):
            text = lexical_text(meta.get("title", ""), meta.get("section", ""), doc)
            yield cid, meta.get("paper_id", ""), meta.get("kind", "body"), text
