"""OCR words put right by the document's own words: "mage1ib" and "mage] ib" where the paper says "magelib".

Tesseract's commonest slip on a scan is a thin upright stroke read as the wrong thin upright stroke: "l"
as "1", "|", "]" or "!", sometimes with a space before the next letter. A name a paper coins is in no
dictionary, but the paper uses it again and again, and most of those times OCR reads it right. So a word
of an OCR line is replaced by a word of the same document that it differs from only in such strokes:

- one token with a digit or bracket among its letters ("mage1ib") becomes the document's word that reads
  the same with those strokes as "l" ("magelib"), when that word occurs at least twice;
- two tokens become one ("magel ib", "mage] ib" → "magelib") only when one of them occurs nowhere in the
  document but in such a pair: "data set" stays two words in a paper that also writes "dataset".

Real words are never changed: only tokens with a stray stroke, or a fragment found nowhere on its own.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from dataclasses import replace

from ingest.pdf.extract import Line

# Thin upright strokes OCR confuses with "l" (and "I" with "l" for the purpose of comparing).
_STROKES = str.maketrans(dict.fromkeys("1|]!I", "l"))
_STRAY = re.compile(r"[^\W\d_][1|\]!]")  # a letter, then a stroke that is no letter
_WORD = re.compile(r"^[^\W\d_]+(?:[-'’][^\W\d_]+)*$")
_EDGES = re.compile(r"^([(\[“\"'‘]*)(.*?)([.,;:)”\"'’?]*)$", re.DOTALL)
# A document word must occur this often to correct others by, and be this long (short words are ambiguous).
_MIN_COUNT = 2
_MIN_LENGTH = 4


def _split(token: str) -> tuple[str, str, str]:
    match = _EDGES.match(token)
    return (match.group(1), match.group(2), match.group(3)) if match else ("", token, "")


def _key(core: str) -> str:
    return core.translate(_STROKES)


class _Lexicon:
    """The document's words, and for each stroke-blind key its most frequent spelling."""

    def __init__(self, pages: list[list[Line]]) -> None:
        self.counts: Counter[str] = Counter()
        for lines in pages:
            for line in lines:
                self.counts.update(core for t in line.text.split() if _WORD.match(core := _split(t)[1]))
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        for word, n in self.counts.items():
            if len(word) >= _MIN_LENGTH and n >= _MIN_COUNT:
                spellings[_key(word)][word] = n
        self.best = {key: counter.most_common(1)[0][0] for key, counter in spellings.items()}

    def fix(self, core: str) -> str | None:
        """The document's spelling of `core` read with a stray stroke, or None."""
        if not _STRAY.search(core):
            return None
        return self.best.get(_key(core))

    def joined(self, left: str, right: str) -> str | None:
        """The document's word that `left` and `right` are the two halves of, or None."""
        return self.best.get(_key(left + right)) if left and right else None


def correct_ocr_words(pages: list[list[Line]]) -> list[list[Line]]:
    """The OCR lines of `pages` with stray-stroke words replaced by the document's spelling (see above)."""
    lexicon = _Lexicon(pages)
    pairs = _pairs(pages, lexicon)
    alone = Counter({part: lexicon.counts[part] - n for part, n in pairs.items()})
    return [[_corrected(line, lexicon, alone) if line.ocr else line for line in lines] for lines in pages]


def _pairs(pages: list[list[Line]], lexicon: _Lexicon) -> Counter[str]:
    """How often each word is one half of a split document word."""
    halves: Counter[str] = Counter()
    for lines in pages:
        for line in lines:
            if not line.ocr:
                continue
            tokens = [_split(t) for t in line.text.split()]
            for (_, left, tail), (head, right, _) in itertools.pairwise(tokens):
                if not tail and not head and lexicon.joined(left, right):
                    halves.update((left, right))
    return halves


def _corrected(line: Line, lexicon: _Lexicon, alone: Counter[str]) -> Line:
    tokens = line.text.split()
    spans = list(line.words) if len(line.words) == len(tokens) else []
    out: list[str] = []
    out_spans: list[tuple[float, float]] = []
    k = 0
    while k < len(tokens):
        head, core, tail = _split(tokens[k])
        if k + 1 < len(tokens) and not tail:
            next_head, next_core, next_tail = _split(tokens[k + 1])
            word = None if next_head else lexicon.joined(core, next_core)
            if word and (alone[core] <= 0 or alone[next_core] <= 0):
                out.append(head + word + next_tail)
                if spans:
                    out_spans.append((spans[k][0], spans[k + 1][1]))
                k += 2
                continue
        out.append(head + (lexicon.fix(core) or core) + tail)
        if spans:
            out_spans.append(spans[k])
        k += 1
    text = " ".join(out)
    if text == line.text:
        return line
    return replace(line, text=text, words=tuple(out_spans) if spans else line.words)
