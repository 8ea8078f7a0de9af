"""The parts of one index, wired once: store, BM25, embedder and its caches, retriever, reranker, arXiv.

Everything heavy is built on first use, so `papers list` never loads a model. Models are shared by every
Engine of the process that asks for the same one (an app and a script, or a test session, load it once);
an embedder can also be handed in.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from functools import partial
from pathlib import Path

import numpy as np

from rag.answers import answer_encoder
from rag.answers.candidates import candidate_texts
from rag.answers.sentence_bank import Encode, SentenceBank, quotable_sentences
from rag.errors import IndexReadOnlyError, PapersError
from rag.index.embed_cache import EmbeddingCache
from rag.index.embedder import Embedder
from rag.index.lexical_sync import LexicalSync
from rag.index.locks import write_lock
from rag.index.onnx_encoder import OnnxEncoder
from rag.index.store import Store
from rag.search.rerank import CrossEncoderReranker
from rag.search.retriever import Retriever
from rag.settings import Settings

_SHARED: dict[tuple, Embedder] = {}
_SHARED_LOCK = threading.Lock()


def shared_embedder(settings: Settings) -> Embedder:
    """The process's one Embedder for these embedding settings."""
    key = (
        settings.embed_model,
        settings.device,
        settings.embed_batch_size,
        settings.encoder_backend,
        str(settings.onnx_dir),
        settings.embed_query_prefix,
        settings.embed_passage_prefix,
        settings.embed_multilingual,
    )
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = Embedder(
                settings.embed_model,
                device=settings.device,
                batch_size=settings.embed_batch_size,
                backend=settings.encoder_backend,
                onnx_dir=settings.onnx_dir,
                query_prefix=settings.embed_query_prefix,
                passage_prefix=settings.embed_passage_prefix,
                multilingual=settings.embed_multilingual,
            )
        return _SHARED[key]


class Engine:
    """Owns the index's parts; readers (`Reader`) and writers (`Indexer`) share one Engine."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.store = Store(settings)
        self.lexical = LexicalSync(self.store, settings)
        self._embedder = embedder
        self._embed_cache: EmbeddingCache | None = None
        self._bank: SentenceBank | None = None
        self._answer_cache: EmbeddingCache | None = None
        self._answer_cache_key = ""
        self._retriever: Retriever | None = None
        self._reranker: CrossEncoderReranker | None = None
        self._arxiv = None  # ingest.sources.arxiv.ArxivSource, imported on first use (network stack)

    # -- models ---------------------------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None or self._embedder.model_name != self.settings.embed_model:
            self._embedder = shared_embedder(self.settings)
        return self._embedder

    def use_model(self, embed_model: str) -> None:
        """Switch to another embedding model (reindex): its embedder, cache keys and sentence vectors."""
        if embed_model != self.settings.embed_model:
            self.settings.embed_model = embed_model
            self._embedder = None
            self._embed_cache = None
            self._bank = self._answer_cache = None

    @property
    def embed_cache(self) -> EmbeddingCache:
        if self._embed_cache is None:
            self._embed_cache = EmbeddingCache(self.settings.cache_dir / "embeddings.sqlite", self.embedder.cache_key)
        return self._embed_cache

    def use_cache_dir(self, folder: Path) -> None:
        """Embeddings and sentence vectors from the (empty) cache in `folder`: benchmarks time answers cold."""
        self._embed_cache = EmbeddingCache(folder / "embeddings.sqlite", self.embedder.cache_key)
        self._bank = self._answer_cache = None

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Passage vectors through the embedding cache: a text is encoded once per model, ever."""
        return self.embed_cache.encode(texts, self.embedder.encode)

    @property
    def sentence_bank(self) -> SentenceBank:
        """Sentence vectors per passage, kept across questions (and on disk via the embedding cache)."""
        if self._bank is None:

            def interactive(texts: list[str]) -> np.ndarray:
                return self.embedder.encode(texts, interactive=True)

            def queries(texts: list[str]) -> np.ndarray:
                return np.stack([self.embedder.encode_query(t) for t in texts])

            answers = self._answer_encoder()
            answer_query = answers.encode if answers is not None else None  # questions are not kept
            try:
                encode: Encode = partial(self.embed_cache.encode, encoder=interactive)
                answer_sentences = self.encode_answer_sentences if answers is not None else None
            except (OSError, IndexReadOnlyError):  # a read-only index still answers, encoding in memory
                encode, answer_sentences = interactive, answer_query
            self._bank = SentenceBank(
                encode, encode_query=queries, answer_encode=answer_sentences, answer_encode_query=answer_query
            )
        return self._bank

    def _answer_encoder(self) -> OnnxEncoder | None:
        """The answer encoder (`Settings.answer_encoder`), or None when it is off."""
        folder = answer_encoder.resolve(self.settings.answer_encoder)
        return answer_encoder.load(folder.resolve()) if folder is not None else None

    def encode_answer_sentences(self, texts: list[str]) -> np.ndarray:
        """Sentence vectors under the answer encoder, through the embedding cache (keyed by its weights)."""
        encoder = self._answer_encoder()
        if encoder is None:
            raise PapersError("the answer encoder is off (Settings.answer_encoder)")
        key = f"answer-encoder:{answer_encoder.fingerprint(encoder.onnx_path)}"
        if self._answer_cache is None or self._answer_cache_key != key:
            self._answer_cache = EmbeddingCache(self.embed_cache.path, key)
            self._answer_cache_key = key
        return self._answer_cache.encode(texts, encoder.encode)

    def cache_quotable(self, passages: list[str]) -> None:
        """Encode every sentence an answer may quote from `passages` into the embedding cache, with the
        embedder and the answer encoder: a question then costs lookups, not encodes."""
        self.encode_passages(quotable_sentences(passages))
        if self._answer_encoder() is not None:
            self.encode_answer_sentences(candidate_texts(passages))

    @property
    def reranker(self) -> CrossEncoderReranker:
        s = self.settings
        if not s.rerank_model:
            raise PapersError("reranking needs a cross-encoder: set PAPERS_RERANK_MODEL to a model name or path")
        if self._reranker is None:
            self._reranker = CrossEncoderReranker(s.rerank_model, device=s.device, depth=s.rerank_depth)
        return self._reranker

    # -- retrieval state ------------------------------------------------------------------------------

    @property
    def retriever(self) -> Retriever:
        """A retriever over the BM25 snapshot at the store's revision (rebuilt when a write moved it)."""
        lexical = self.lexical.current()
        if self._retriever is None or self._retriever.lexical is not lexical:
            s = self.settings
            self._retriever = Retriever(
                self.store,
                lexical,
                s.rrf_k,
                fusion=s.fusion,
                dense_weight=s.dense_weight,
                exact_rows=s.exact_search_rows,
            )
        return self._retriever

    def refresh(self) -> None:
        """Derived state (BM25, retriever) follows the store's new revision."""
        _ = self.retriever

    def reopen(self) -> None:
        """Forget every handle on the index (client, retriever, BM25) and open it afresh."""
        self.store.reopen()
        self.lexical.forget()
        self._retriever = None

    # -- sources and writing --------------------------------------------------------------------------

    @property
    def arxiv_source(self):
        """One client per Engine, so the polite delay between requests holds across calls."""
        if self._arxiv is None:
            from ingest.sources.arxiv import ArxivSettings, ArxivSource

            s = self.settings
            self._arxiv = ArxivSource(
                ArxivSettings(
                    api_url=s.arxiv_api_url,
                    delay_seconds=s.arxiv_delay_seconds,
                    num_retries=s.arxiv_retries,
                    pdf_base=s.arxiv_pdf_base,
                    cache_dir=s.cache_dir / "arxiv",
                    timeout=s.download_timeout,
                    max_pdf_bytes=s.max_download_bytes,
                )
            )
        return self._arxiv

    def write_lock(self) -> AbstractContextManager[None]:
        """One writer per index (see `rag.index.locks`)."""
        return write_lock(self.settings.lock_dir, self.store.location)
