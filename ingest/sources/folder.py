"""A folder as `papers sync` sees it: every file of a known format under it, each a `SyncEntry`.

Walking never stops at a bad spot: an unreadable subfolder or a symlink loop is one `SourceError` each,
and the caller keeps what it had indexed under a spot it could not read (it may only be unmounted).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ingest.models import Paper, SourceError, SyncEntry

# The formats a synced folder takes (list files are left out: they name inputs, they hold no papers).
SYNC_SUFFIXES = (".pdf", ".jsonl", ".ndjson", ".bib", ".bibtex")


def file_stamp(path: Path) -> str | None:
    """'size:mtime_ns' of a file (None when it is gone): what tells a file changed without reading it."""
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


def folder_entries(root: str, glob: str | None = None) -> Iterator[SyncEntry | SourceError]:
    """The files under `root` (recursive, symlinks followed once; or `root` itself when it is a file), as
    entries keyed by their absolute path.
    A missing root or an unreadable folder is a `SourceError` whose `source` is that folder's path."""
    base = Path(root).expanduser().absolute()
    if base.is_file():  # one file mirrored (a .bib export, a JSONL that is rewritten)
        yield file_entry(base)
        return
    if not base.is_dir():
        why = "is not a folder" if base.exists() else "folder not found (moved or unmounted?)"
        yield SourceError(str(base), f"{why}; what was indexed from it is kept")
        return
    if glob:
        for path in sorted(p for p in base.glob(glob) if p.is_file()):
            yield file_entry(path)
        return
    seen: dict[tuple[int, int], str] = {}
    errors: list[SourceError] = []

    def unreadable(err: OSError) -> None:
        errors.append(SourceError(str(err.filename or base), f"cannot read folder: {err.strerror or err}"))

    for folder, dirs, files in os.walk(base, followlinks=True, onerror=unreadable):
        yield from errors
        errors.clear()
        try:
            st = os.stat(folder)
        except OSError as exc:
            yield SourceError(folder, f"cannot read folder: {exc.strerror or exc}")
            dirs[:] = []
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            yield SourceError(folder, f"symlink loop (the same folder as {seen[ident]}); not followed")
            dirs[:] = []
            continue
        seen[ident] = folder
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.suffix.lower() in SYNC_SUFFIXES and path.is_file():
                try:
                    yield file_entry(path)
                except OSError as exc:  # gone between listing and reading its size
                    yield SourceError(str(path), f"cannot read: {exc.strerror or exc}")
    yield from errors


def file_entry(path: Path) -> SyncEntry:
    """A file as a sync entry; its loader is the registry's (any format `papers ingest` reads)."""
    from ingest.pdf.document import file_sha256

    st = path.stat()

    def load(**opts: object) -> Iterator[Paper | SourceError]:
        from ingest.sources import load_input

        return load_input(str(path), **opts)

    return SyncEntry(
        key=str(path),
        stamp=f"{st.st_size}:{st.st_mtime_ns}",
        fingerprint=lambda: file_sha256(path),
        load=load,
        restamp=lambda: file_stamp(path),
        label=str(path),
        modified=st.st_mtime,
    )
