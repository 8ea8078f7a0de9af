"""Embeddings cached by (model, text hash), so re-ingesting or rebuilding never re-encodes a chunk."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from rag.errors import DiskFullError, IndexReadOnlyError


@contextlib.contextmanager
def _sqlite_errors(path: Path) -> Iterator[None]:
    """SQLite reports a read-only or full database as an OperationalError: said here in the user's terms."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text:
            raise IndexReadOnlyError(f"cannot write to {path}: the index is read-only for this user") from None
        if "disk is full" in text:
            raise DiskFullError(
                f"no space left on the device holding {path}; free some space and run the same command again "
                "(papers already indexed are kept)"
            ) from None
        raise


class EmbeddingCache:
    def __init__(self, path: Path, model_name: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        with _sqlite_errors(path):
            self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._model = model_name

    @property
    def path(self) -> Path:
        return self._path

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self._model}\0{text}".encode()).hexdigest()

    def encode(self, texts: list[str], encoder: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors for `texts`, encoding only those not seen before with this model."""
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with _sqlite_errors(self._path):
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                for key, blob in self._db.execute(f"SELECT key, vec FROM emb WHERE key IN ({marks})", part):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        missing = sorted({i for i, k in enumerate(keys) if k not in found}, key=lambda i: keys[i])
        unique: dict[str, int] = {}
        for i in missing:
            unique.setdefault(keys[i], i)
        if unique:
            vectors = encoder([texts[i] for i in unique.values()])
            with _sqlite_errors(self._path), self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO emb VALUES (?, ?)",
                    [(k, v.astype(np.float32).tobytes()) for k, v in zip(unique, vectors, strict=True)],
                )
            found.update(zip(unique, vectors, strict=True))
        return np.vstack([found[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 0), np.float32)

    def close(self) -> None:
        self._db.close()
