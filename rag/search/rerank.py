"""Second-stage reranking of the top candidates with any sentence-transformers `CrossEncoder`.

The model is named by `settings.rerank_model` (a hub name or a local path) and loaded once, on first
use. No cross-encoder ships in a package reachable here, so the default is no reranking; a user who
has one (e.g. a local copy of cross-encoder/ms-marco-MiniLM-L-6-v2) passes `--rerank` with
`PAPERS_RERANK_MODEL=/path`.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from rag.errors import UnavailableError
from rag.index.models import prepare_offline, resolve_model_path
from rag.index.passages import embed_text

if TYPE_CHECKING:
    from rag.index.records import Hit


class CrossEncoderReranker:
    """Rescores (query, passage) pairs jointly; the top `depth` hits are reordered, the rest follow."""

    def __init__(self, model: str, *, device: str = "cpu", depth: int = 30, batch_size: int = 16) -> None:
        self.model_name = model
        self.device = device
        self.depth = depth
        self.batch_size = batch_size

    @cached_property
    def model(self):
        path = prepare_offline(resolve_model_path(self.model_name))
        from sentence_transformers import CrossEncoder

        try:
            return CrossEncoder(path, device=self.device)
        except (OSError, ValueError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UnavailableError(f"cannot load rerank model {self.model_name!r}: {first}") from None

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        if len(hits) < 2:
            return hits
        head, tail = hits[: self.depth], hits[self.depth :]
        pairs = [(query, embed_text(h.title, h.text)) for h in head]
        scores = self.model.predict(pairs, batch_size=self.batch_size, show_progress_bar=False)
        for hit, score in zip(head, scores, strict=True):
            hit.rerank = float(score)
            hit.score = float(score)
        head.sort(key=lambda h: -(h.rerank or 0.0))
        return head + tail
