"""One writer per index: an advisory file lock that a second writer (another `papers ingest`, the app's
upload, `doctor --repair`) meets with a clear message instead of a race."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from rag.errors import IndexLockedError

LOCK_NAME = "write.lock"


@contextlib.contextmanager
def write_lock(folder: Path, location: str) -> Iterator[None]:
    """Hold the write lock of the index whose lock file lives in `folder` (`location`: for the message)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise IndexLockedError(
                f"the index at {location} is being written by {holder}; wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"papers (pid {os.getpid()})")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def lock_holder(folder: Path) -> str | None:
    """Who holds the write lock right now (without taking it), or None."""
    path = folder / LOCK_NAME
    if not path.exists():
        return None
    try:
        with open(path) as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return handle.read().strip() or "another process"
            fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:
        return None
    return None
