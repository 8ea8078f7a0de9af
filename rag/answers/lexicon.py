"""Telling a name from a word when both are written in lower case: "Can lme4 models be refitted with brms?"
names a package no paper may mention, though nothing marks it as a name (no capital, no digit). A word
English does not use (wordfreq's frequency lists, counted over web, books, subtitles and news) is read as a
name; the decline check then asks the index whether any paper mentions it.

A word the index spells another way is not missing: "heteroskedasticity" is mentioned by a paper that
writes "heteroscedasticity" (one letter apart, for words long enough that one letter does not make another
word). Nor is an English word made from a common one ("reproject", "subsample", "tokenizer"): rare as a
whole, it is the reader's word for what a paper may say otherwise ("transform … to longitude/latitude")."""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Iterator
from functools import lru_cache

# Lower-case words of three or more letters, not part of a hyphenated, dotted, capitalised or numbered token
# (those are names by `questions.named_terms` already).
_LOWER_WORD = re.compile(r"(?<![\w.\-'’])[a-z]{3,}(?![\w\-(]|\.\w)")
_SPELLING_MIN = 8  # shorter words are one letter away from other words too often ("fixest" from "fixes")
_PREFIXES = "anti auto co de dis inter mis multi non over post pre re semi sub super un under".split()
_SUFFIXES = "able ed er ers ing ise ised ises ity ize ized izer izes ization ness".split()
_STEM_MIN, _STEM_ZIPF = 4, 3.0  # the common word inside: long enough, and one English uses often


@lru_cache(maxsize=1)
def _english() -> dict[str, float]:
    """wordfreq's English list, loaded on first need (~0.5 s): word → share of all words used."""
    from wordfreq import get_frequency_dict

    return get_frequency_dict("en", wordlist="large")


def zipf(word: str) -> float:
    """How often English uses `word`: log10 of its count per billion words (0 when never seen)."""
    share = _english().get(word, 0.0)
    return math.log10(share) + 9 if share > 0 else 0.0


def lower_words(text: str) -> list[str]:
    """The all-lower-case words of `text`, each once: where a name written in lower case would be."""
    return list(dict.fromkeys(m.group(0) for m in _LOWER_WORD.finditer(text)))


def _one_edit(word: str) -> Iterator[str]:
    """Every string one deletion, substitution, insertion or transposition away (Norvig's edits1)."""
    letters = string.ascii_lowercase
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        if tail:
            yield head + tail[1:]
            if len(tail) > 1:
                yield head + tail[1] + tail[0] + tail[2:]
            for c in letters:
                yield head + c + tail[1:]
        for c in letters:
            yield head + c + tail


def spelled_otherwise(word: str, known: Callable[[str], bool]) -> bool:
    """The index holds `word` spelled one letter differently (British/American, k/c, a dropped letter)."""
    return len(word) >= _SPELLING_MIN and any(known(w) for w in _one_edit(word) if w != word)


def derived_word(word: str) -> bool:
    """`word` is a common English word with a prefix or suffix ("reproject", "rasterizer" is not: "raster" is
    rare): a reader's word, not a name."""
    stems = [word[len(p) :] for p in _PREFIXES if word.startswith(p)]
    stems += [word[: -len(s)] for s in _SUFFIXES if word.endswith(s)]
    return any(len(stem) >= _STEM_MIN and zipf(stem) >= _STEM_ZIPF for stem in stems)
