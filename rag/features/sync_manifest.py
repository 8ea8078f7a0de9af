"""What `papers sync` read last time from each file or Zotero item: its stamp (size and mtime), content
hash, the papers it gave, and the synced places (scopes) it was seen under. Saved atomically beside the
index; one sync at a time holds its lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag.errors import IndexLockedError

FORMAT = 1


@dataclass
class Row:
    stamp: str
    sha: str
    papers: list[str]
    scopes: list[str] = field(default_factory=list)


class Manifest:
    """Rows by entry key (a file's absolute path, or `zotero:<data dir>#<item key>`)."""

    def __init__(self, path: Path, rows: dict[str, Row] | None = None) -> None:
        self.path = path
        self.rows: dict[str, Row] = rows or {}

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """The saved manifest; an unreadable one counts as empty (the next sync re-reads everything, and
        papers whose content did not change are not embedded again)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return cls(path)
            return cls(path, {key: Row(**row) for key, row in data["rows"].items()})
        except (OSError, ValueError, KeyError, TypeError):
            return cls(path)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}")
        data = {"format": FORMAT, "rows": {key: asdict(row) for key, row in self.rows.items()}}
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)

    def in_scope(self, scope: str) -> list[str]:
        return [key for key, row in self.rows.items() if scope in row.scopes]

    def referenced(self) -> set[str]:
        """Every paper some row still gives."""
        return {pid for row in self.rows.values() for pid in row.papers}

    @contextlib.contextmanager
    def locked(self) -> Iterator[Manifest]:
        """One sync at a time per index: a second one meets a clear message (it would redo the same work)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLockedError(
                    f"another `papers sync` or `papers watch` is syncing into this index ({self.path.parent}); "
                    "wait for it to finish"
                ) from None
            fresh = Manifest.load(self.path)
            self.rows = fresh.rows
            yield self
