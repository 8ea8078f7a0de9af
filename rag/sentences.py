"""Sentence spans inside a passage, so a quoted sentence is always `passage[start:end]` verbatim."""

from __future__ import annotations

import re

# A boundary: ., ! or ? (optionally followed by a closing quote/bracket) then whitespace and a capital,
# digit, quote or bracket; or a CJK full stop. Abbreviations are vetoed below.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[\u4e00-\u9fff])|(?<=[。！？])")
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Eqs|Sec|Tab|No|Dr|Mr|Ms|approx|resp|al|St)\.|\b[A-Z]\.)$"
)


# Where a passage breaks into blocks no sentence may span: a paragraph break, or the end of a line
# that ends without punctuation and is short enough to be a heading ("A.3 Evaluation against Grobid").
_BLOCK_BREAK = re.compile(r"\n\s*\n|(?<=[^.!?;:,。！？\s])[ \t]*\n(?=[A-Z0-9\u4e00-\u9fff])")
_HEADING_MAX = 120


def is_heading(text: str) -> bool:
    """A line like "3.2 Training" or "Abstract": short, one line, not ending like a sentence."""
    stripped = text.strip()
    return 0 < len(stripped) <= _HEADING_MAX and "\n" not in stripped and stripped[-1] not in ".!?。！？\"')"


def sentence_spans(text: str, min_chars: int = 12) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace-trimmed; fragments shorter than min_chars are merged
    with a neighbour in the same block (never across a paragraph break or a heading line)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for brk in _BLOCK_BREAK.finditer(text):
        line_start = text.rfind("\n", 0, brk.start()) + 1
        if brk.group(0).strip(" \t") == "\n" and brk.start() - line_start > _HEADING_MAX:
            continue  # a long line wrapped mid-sentence is not a heading
        spans += _block_sentences(text, start, brk.start(), min_chars)
        start = brk.end()
    return spans + _block_sentences(text, start, len(text), min_chars)


def _block_sentences(text: str, begin: int, end: int, min_chars: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = begin
    for match in _BOUNDARY.finditer(text, begin, end):
        cut = match.start()
        if _ABBREV.search(text[max(start, cut - 12) : cut]):
            continue
        spans.append((start, cut))
        start = match.end()
    spans.append((start, end))
    trimmed: list[tuple[int, int]] = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        if trimmed and (e - s < min_chars or trimmed[-1][1] - trimmed[-1][0] < min_chars):
            trimmed[-1] = (trimmed[-1][0], e)
        else:
            trimmed.append((s, e))
    return trimmed
