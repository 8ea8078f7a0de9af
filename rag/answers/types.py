"""What an answer is, whoever wrote it: sentences with their citations [n], and the numbered sources."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rag.answers.wording import WORDING, phrase
from rag.index.records import Hit

REFUSAL = WORDING["en"]["refusal"]


@dataclass
class Highlight:
    """Where a quote is drawn in its PDF: a 1-based page and rectangles [x0, top, x1, bottom] in points,
    origin at the page's top-left. A quote that runs onto the next page has one Highlight per page."""

    quote: str
    page: int
    rects: list[list[float]]


@dataclass
class Source:
    """A cited passage: number [n], the passage, and which character spans of it were quoted."""

    n: int
    hit: Hit
    quotes: list[tuple[int, int]] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)  # filled for PDF passages (rag.answers.highlights)


@dataclass
class AnswerSentence:
    text: str
    citations: list[int]
    support: float = 1.0  # how well the cited passages support it (1.0: verbatim quote)
    supported: bool = True
    verbatim: bool = False  # the text occurs character for character in a cited passage
    page: str = ""  # where in the cited paper, e.g. "p. 3" (empty for abstract-only records)


@dataclass
class Answer:
    question: str
    sentences: list[AnswerSentence]
    sources: list[Source]
    refused: bool = False
    mode: str = "extractive"
    confidence: float = 0.0
    closest: list[Hit] = field(default_factory=list)
    query: str = ""  # what was actually retrieved with (differs from question for resolved follow-ups)
    removed_citations: list[int] = field(default_factory=list)  # ids cited that were never given
    dropped: list[str] = field(default_factory=list)  # unsupported sentences removed by the checker
    raw: str = ""  # the generator's text before the citation check (LLM mode)
    missing: list[str] = field(default_factory=list)  # named things no paper mentions, or the attribute none states
    decline: str = ""  # why: "missing", "unstated", "no_quantity", "low_confidence" ('' when answered)

    @property
    def decline_detail(self) -> str:
        """The sentence that says what is missing, after the refusal ('' when there is nothing specific)."""
        q = self.question
        if self.decline == "unstated" and self.missing:
            return phrase(q, "unstated", attribute=self.missing[0])
        if self.missing:
            names = self.missing
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + phrase(q, "or") + names[-1]
            return phrase(q, "missing", names=listed)
        if self.decline == "no_quantity":
            return phrase(q, "no_quantity")
        return ""

    @property
    def text(self) -> str:
        if self.refused or not self.sentences:
            return f"{phrase(self.question, 'refusal')} {self.decline_detail}".strip()
        return " ".join(f"{s.text} {''.join(f'[{n}]' for n in s.citations)}".strip() for s in self.sentences)

    @property
    def cited_papers(self) -> list[str]:
        """Paper ids of the sources, in citation order (what a follow-up question refers back to)."""
        seen: list[str] = []
        for s in self.sources:
            if s.hit.paper_id not in seen:
                seen.append(s.hit.paper_id)
        return seen

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "query": self.query or self.question,
            "answer": self.text,
            "refused": self.refused,
            "missing": self.missing,
            "decline": self.decline,
            "mode": self.mode,
            "confidence": round(self.confidence, 4),
            "sentences": [asdict(s) for s in self.sentences],
            "sources": [
                {
                    "n": s.n,
                    "quotes": [s.hit.text[a:b] for a, b in s.quotes],
                    **asdict(s.hit),
                    "highlights": [asdict(h) for h in s.highlights],
                }
                for s in self.sources
            ],
            "removed_citations": self.removed_citations,
            "dropped": self.dropped,
            "closest": [asdict(h) for h in self.closest],
        }
