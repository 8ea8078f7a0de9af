"""Sentence spans inside a passage, so a quoted sentence is always `passage[start:end]` verbatim."""

from __future__ import annotations

import re

# A boundary: ., ! or ? (optionally followed by a closing quote/bracket) then whitespace and a capital,
# digit, quote or bracket; or a CJK full stop. Abbreviations are vetoed below.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[\u4e00-\u9fff])|(?<=[。！？])")
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Eqs|Sec|Tab|No|Dr|Mr|Ms|approx|resp|al|St)\.|\b[A-Z]\.)$"
)


def sentence_spans(text: str, min_chars: int = 12) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace-trimmed; fragments shorter than min_chars are merged."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        cut = match.start()
        if _ABBREV.search(text[max(start, cut - 12) : cut]):
            continue
        spans.append((start, cut))
        start = match.end()
    spans.append((start, len(text)))
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
