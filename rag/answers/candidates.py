"""The sentences an answer may quote: every sentence of the top retrieved passages, once each, with its
vector, its neighbours' and the passage it came from.

A passage is 256 tokens of a section; the answering sentence of a long paper is often one of ten in a
passage that ranks well for other reasons, so all of them compete (see `features` and `scorer`).
Spans are trimmed so a quote never starts with a glued-on heading or a bullet, and always stays an
exact substring of its passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ingest.sentences import ends_with_abbreviation, heading_at, sentence_spans
from rag.answers.scoring import DEFAULT_SCORING, ExtractiveScoring
from rag.answers.sentence_bank import SentenceBank
from rag.index.records import Hit
from rag.text import is_cjk, squash

# A heading glued before a sentence: "3.1 Setup We train …", "A.2 Data The corpus …", "• We …", or a
# footnote's marker ("4For LED training …").
_LEAD = re.compile(
    r"(?:[•▪◦·*–-]\s+|\d{1,2}(?=[A-Z][a-z]{2,}\b|[A-Z]{2,}s\b)"
    r"|(?:[A-Z]|\d{1,2})(?:\.\d{1,2}){0,3}\.?\s+(?:[A-Z][\w-]*(?:\s+(?:[A-Z][\w-]*|of|and|for|in|on|the|to|with|a)){0,6})"
    r"\s+(?=[A-Z][a-z]))"
)


@dataclass
class Candidate:
    """One sentence of a retrieved passage: `hit.text[start:end]`, as quoted."""

    rank: int  # of its passage among the retrieved ones
    hit: Hit
    start: int
    end: int
    vector: np.ndarray | None
    context: np.ndarray | None  # mean of its own and its neighbours' vectors, unit length
    before: str = ""  # the neighbouring sentences' text (for lexical context)
    after: str = ""
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.hit.text[self.start : self.end]

    @property
    def paper_id(self) -> str:
        return self.hit.paper_id


# The number of the next heading or list item glued after a finished sentence ("… in its history. 3.").
_TRAIL = re.compile(r"(?<=[.!?])\s+\d{1,2}(?:\.\d{1,2}){0,2}\.?$")
# An entry of a numbered list or a table of contents as the splitter cuts it: "Installing R and some useful
# packages 4." (its words, then the next entry's number): a title, not a statement.
_ENTRY = re.compile(r"[A-Za-z)]\s+(\d{1,2})\.$")


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without a leading heading or bullet (kept when nothing sentence-like would remain), nor a
    trailing heading number."""
    lead = _LEAD.match(text, start, end) if not is_cjk(text[start:end]) else None  # match() anchors at start
    if lead and end - lead.end() >= 25:
        start = lead.end()
    trail = _TRAIL.search(text, start, end)
    if trail and not ends_with_abbreviation(text[start : trail.start()]):  # not "approx. 32."
        end = trail.start()
    return start, end


def is_list_entry(text: str, before: str, after: str) -> bool:
    """One of a run of numbered entries (a table of contents, an outline): it ends in the next entry's number,
    and a neighbour in the number before or after it ("… packages 4." between "… package 3." and "… 5.")."""
    own = _ENTRY.search(text)
    if not own:
        return False
    n = int(own.group(1))
    prev, nxt = _ENTRY.search(before), _ENTRY.search(after)
    return bool((prev and int(prev.group(1)) == n - 1) or (nxt and int(nxt.group(1)) == n + 1))


def candidate_texts(passages: Iterable[str]) -> list[str]:
    """Every sentence of the passages as a candidate quotes it (trimmed as `gather` trims it), once each:
    the texts the answer encoder reads, cached at ingest."""
    spans = ((text, trim(text, a, b)) for text in passages for a, b in sentence_spans(text))
    return list(dict.fromkeys(text[a:b] for text, (a, b) in spans))


def gather(
    question: str, hits: list[Hit], bank: SentenceBank, *, passages: int, scoring: ExtractiveScoring = DEFAULT_SCORING
) -> list[Candidate]:
    """Every quotable sentence of the top `passages` hits (of the lengths `scoring` allows), de-duplicated
    across overlapping passages."""
    min_chars, max_chars, min_cjk = (
        scoring.min_sentence_chars,
        scoring.max_sentence_chars,
        scoring.min_sentence_chars_cjk,
    )
    cjk = is_cjk(question)
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for rank, hit in enumerate(hits[:passages]):
        if (hit.kind == "zh") != cjk:  # Chinese summaries answer Chinese questions, and only those
            continue
        spans, vectors = (sentence_spans(hit.text), np.zeros((0, 0))) if cjk else bank.get(hit.text)
        title = squash(hit.title)
        for i, (s, e) in enumerate(spans):
            s, e = trim(hit.text, s, e)
            text = hit.text[s:e]
            if (heading_at(hit.text, s, e) and not cjk) or not (
                min_chars <= len(text) <= max_chars or (cjk and len(text) >= min_cjk)
            ):
                continue
            if squash(text) in title:  # a line of the title on the first page: no answer's quote
                continue
            key = (hit.paper_id, hit.start + s)
            before = hit.text[spans[i - 1][0] : spans[i - 1][1]] if i else ""
            after = hit.text[spans[i + 1][0] : spans[i + 1][1]] if i + 1 < len(spans) else ""
            if key in seen or is_list_entry(text, before.strip(), after.strip()):
                continue
            seen.add(key)
            vector = vectors[i] if len(vectors) else None
            context = None
            if vector is not None:
                around = vectors[max(0, i - 1) : i + 2]
                mean = around.mean(axis=0)
                context = mean / (np.linalg.norm(mean) or 1.0)
            out.append(Candidate(rank, hit, s, e, vector, context, before, after))
    return out
