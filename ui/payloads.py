"""Results as JSON values: one form for `--json` on the CLI, the HTTP API and the MCP server's structured content.

An `Answer` is always its own `to_dict()`; other results are their dataclass fields.
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag import Hit, PaperRecord
    from rag.features.related import RelatedPaper


def json_default(obj: Any) -> Any:
    """What `json.dumps` cannot encode by itself: dataclasses, objects with `to_dict`, anything else as text."""
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    return str(obj)


def plain(value: Any) -> Any:
    """`value` as nested dicts, lists, strings and numbers (what a JSON body or structured content carries)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=json_default))


def paper_summary(paper: PaperRecord) -> dict[str, Any]:
    """A catalogue entry without its bulky fields (sections, abstract): what a list of papers shows."""
    return {k: v for k, v in vars(paper).items() if k not in ("sections", "abstract")}


def paper_detail(paper: PaperRecord, section_chunks: dict[str, int]) -> dict[str, Any]:
    """Everything about one paper, with how many chunks each section has."""
    return {**vars(paper), "section_chunks": section_chunks}


def hit_payload(hit: Hit, rank: int | None = None) -> dict[str, Any]:
    """A passage: its rank when ranked, every field, and its '§ Section, p. N' location."""
    return {**({"rank": rank} if rank is not None else {}), **asdict(hit), "location": hit.location}


def hits_payload(hits: list[Hit]) -> list[dict[str, Any]]:
    return [hit_payload(h, rank) for rank, h in enumerate(hits, 1)]


def related_payload(results: list[RelatedPaper]) -> list[dict[str, Any]]:
    """Related papers: each paper's summary, its similarity, and the passage pair that matched best."""
    return [
        {
            "paper": paper_summary(r.paper),
            "score": r.score,
            "query_passage": asdict(r.query_passage) if r.query_passage else None,
            "matched_passage": asdict(r.matched_passage) if r.matched_passage else None,
        }
        for r in results
    ]
