"""Sentences inside a passage, with exact spans: where chunks may start and end (so a chunk never opens
mid-sentence at "et al. (2022)", as nltk's punkt cuts it) and what an answer may quote. Both stages
split text the same way, so a quoted sentence is always whole inside its passage.
"""

from __future__ import annotations

import itertools
import re

# A boundary: ., ! or ? (optionally followed by a closing quote/bracket) then whitespace and a capital,
# digit, quote, bracket or bullet; or a CJK full stop. Abbreviations are vetoed below.
# Superscript citations after the full stop ("… our recent XAI work. 9,10,31 We show how …", chemistry and
# medicine journals) end the sentence they cite for, not open the next, and are quoted in neither. A
# footnote marker glued after a word's full stop ("recommendations.4 We use …") ends the sentence too, a
# footnote glued to the footnote before it ("…/#models 4Most research …") starts one, and a bullet opens one.
_BOUNDARY = re.compile(
    r"(?<=[a-z)\]][.!?])\s*\d{1,3}(?:\s?[,–-]\s?\d{1,3})+\s+(?=[A-Z][a-z])|"
    r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[\u4e00-\u9fff•▪◦])|(?<=[a-z)\]][.!?])\d{1,2}\s+(?=[A-Z][a-z])|(?<=[。！？])"
    r"|(?<=\S)\s+(?=\d{1,2}[A-Z][a-z]{2,}\b)"
)
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Eqs|Sec|Tab|No|Dr|Mr|Ms|approx|resp|al|St)\.|\b[A-Z]\.)$"
)


def ends_with_abbreviation(text: str) -> bool:
    """The text ends in an abbreviation's full stop ("approx.", "Fig.", "vs."), not a sentence's."""
    return bool(_ABBREV.search(text[-12:]))


# Where a passage breaks into blocks no sentence may span: a paragraph break, or the end of a line
# that ends without punctuation and is short enough to be a heading ("A.3 Evaluation against Grobid").
_BLOCK_BREAK = re.compile(r"\n\s*\n|(?<=[^.!?;:,。！？\s])[ \t]*\n(?=[A-Z0-9\u4e00-\u9fff])")
_HEADING_MAX = 120
_INTRODUCES_MIN_WORDS = 6  # a line this long ending in ':' is a sentence before an equation or list
# How a sentence cut short by a display (an equation, code, a list) ends and a heading never does: a comma, a
# semicolon, an opening bracket, or a word that needs what follows ("… can be computed as follows", "… is given
# by"), in lower case ("Appendix A" is a heading).
_CUT_SHORT = re.compile(
    r"(?:[,;(\[{]|\b(?:by|as|of|the|a|an|and|or|to|with|for|is|are|was|were|be|follows|that|where|which|than))$"
)


def is_heading(text: str) -> bool:
    """A line like "3.2 Training" or "Abstract": short, one line, not ending like a sentence."""
    stripped = text.strip()
    if stripped.endswith(":") and len(stripped.split()) >= _INTRODUCES_MIN_WORDS:
        return False  # "We use a simple error correction model for the consumption function:" introduces a display
    if _CUT_SHORT.search(stripped):
        return False  # "If the products are ordered, the Page test is appropriate and can be computed as follows"
    return 0 < len(stripped) <= _HEADING_MAX and "\n" not in stripped and stripped[-1] not in ".!?。！？\"')"


def heading_at(text: str, start: int, end: int) -> bool:
    """`text[start:end]` is a heading where it stands: it reads as one (`is_heading`) and nothing but spaces comes
    before it on its line. A heading-like sentence after another on the same line ("… true to one. Normalizing
    constants are estimated by averaging the time spent in each model", then a display equation) introduces a
    display or a list."""
    line = text[text.rfind("\n", 0, start) + 1 : start]
    return is_heading(text[start:end]) and not line.strip()


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
        if ends_with_abbreviation(text[max(start, cut - 12) : cut]):
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


def sentence_pieces(text: str) -> list[str]:
    """`text` cut before each sentence, whitespace kept, so the pieces join back to it exactly: the
    sentence tokenizer llama-index's SentenceSplitter packs into chunks."""
    starts = [s for s, _ in sentence_spans(text)][1:]
    cuts = [0, *starts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(cuts) if b > a]
