"""Follow-up questions ("what dataset did they use?") resolved against the previous turns.

A question that leans on context (pronouns, "the paper", ellipsis like "and on AIME?") or that does
not find a confident answer on its own is expanded with the previous question's key terms and the
short names of the papers the previous answer cited; those papers are then preferred in retrieval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rag.index.records import Hit
from rag.text import is_cjk, tokenize

_ANAPHORA = re.compile(
    r"\b(they|them|their|theirs|it|its|this|that|these|those|he|she|his|her"
    r"|the (?:paper|papers|authors|method|approach|model|framework|work|study|same|former|latter))\b"
    r"|^(?:and|also|what about|how about|and what about|why|how so)\b"
    r"|他们|它|该文|该方法|这篇|这个|这些|那篇|其",
    re.IGNORECASE,
)


_WORDS = re.compile(r"[\w][\w'-]*")  # words as written: the expanded query is embedded as well as matched


@dataclass
class Resolution:
    """What to retrieve with, and which papers the conversation is about."""

    query: str
    prefer_papers: list[str] = field(default_factory=list)
    expanded: bool = False


def depends_on_context(question: str) -> bool:
    """Pronouns or ellipsis, or too few content words to stand alone."""
    if _ANAPHORA.search(question.strip()):
        return True
    return len(set(tokenize(question))) <= (2 if not is_cjk(question) else 3)


def cited_papers(answer: Any) -> list[str]:
    """Paper ids cited by a previous answer: an `Answer`, its `to_dict()`, or plain text (none)."""
    if hasattr(answer, "cited_papers"):
        return list(answer.cited_papers)
    if isinstance(answer, dict):
        return list(dict.fromkeys(s.get("paper_id", "") for s in answer.get("sources", []) if s.get("paper_id")))
    return []


def short_title(title: str) -> str:
    """'TinyV: Reducing False Negatives…' → 'TinyV' (a paper's handle is what people refer to)."""
    head = re.split(r"[:：]", title, maxsplit=1)[0].strip()
    return head if len(head) <= 40 else " ".join(head.split()[:5])


def resolve(
    question: str,
    history: list[tuple[str, Any]] | None,
    *,
    titles: dict[str, str] | None = None,
    force: bool = False,
) -> Resolution:
    """Expand `question` with context from the latest turn when it needs it (or when `force`d,
    e.g. because it found nothing confident on its own)."""
    if not history:
        return Resolution(question)
    prev_q, prev_a = history[-1]
    prev_q = getattr(prev_a, "query", "") or prev_q  # a resolved follow-up carries its own context on
    papers = cited_papers(prev_a)
    if not (force or depends_on_context(question)):
        return Resolution(question)
    own = set(tokenize(question))
    terms = [w for w in dict.fromkeys(_WORDS.findall(prev_q)) if tokenize(w) and not set(tokenize(w)) & own]
    names = [short_title(titles[p]) for p in papers[:3] if titles and p in titles]
    extra = " ".join([*names, *terms[:8]])
    if not extra:
        return Resolution(question, papers)
    if is_cjk(question) and not is_cjk(prev_q):
        extra = " ".join(names)  # English terms would only dilute a Chinese lexical match
    query = f"{question} {extra}".strip()
    return Resolution(query, papers, expanded=query != question)


def prefer(hits: list[Hit], pinned: list[Hit], papers: list[str], k: int) -> list[Hit]:
    """Passages of the papers the conversation is about first (best of them pinned in), then the rest."""
    seen: set[str] = set()
    merged: list[Hit] = []
    ours = [h for h in hits if h.paper_id in papers] + pinned
    for hit in [*ours, *(h for h in hits if h.paper_id not in papers)]:
        if hit.chunk_id not in seen:
            seen.add(hit.chunk_id)
            merged.append(hit)
    return merged[:k]
