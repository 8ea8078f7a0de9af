"""Saying plainly that the papers don't say: which specific thing the question names that no paper
mentions ("… None of them mention GPT-4."), checked against the whole index's vocabulary and the text of
the passages retrieved for it.

A name is mentioned when its words are in the BM25 vocabulary (every chunk's words) or, squashed to
letters and digits, it equals two or three consecutive words of a retrieved passage ("BERTScore" is in
"BERT Score"; "GPT-4" is not in "GPT-4o": names are compared whole).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cached_property

from rag.answers.lexicon import derived_word, spelled_otherwise, zipf
from rag.text import squash, tokenize

_WORDS = re.compile(r"[0-9a-z]+")
_IDENTIFIER = re.compile(r"[a-z][._][a-z]")


class PassageWords:
    """The retrieved passages as runs of one to three words, joined ("BERT Score" → "bertscore"). Built on
    first use, once for both checks below: most questions name only indexed things and never need it."""

    def __init__(self, texts: Iterable[str], longest: int = 3) -> None:
        self._texts = texts
        self._longest = longest

    @cached_property
    def runs(self) -> set[str]:
        runs: set[str] = set()
        for text in self._texts:
            words = _WORDS.findall(text.lower())
            for n in range(1, self._longest + 1):
                runs.update("".join(words[i : i + n]) for i in range(len(words) - n + 1))
        return runs

    def __contains__(self, joined: str) -> bool:
        return joined in self.runs


def _words_of(passages: Iterable[str] | PassageWords) -> PassageWords:
    return passages if isinstance(passages, PassageWords) else PassageWords(passages)


def _core(name: str) -> str:
    """The name without descriptive hyphenated parts in lower case ("OTSL-trained" → "OTSL", "non-Gaussian" →
    "Gaussian")."""
    parts = name.split("-")
    kept = [p for p in parts if not (p.isalpha() and p.islower() and len(p) >= 3)]
    return "-".join(kept) if kept else name


_GREEK = dict(
    zip(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon "
        "phi chi psi omega".split(),
        "αβγδεζηθικλμνξοπρστυφχψω",
        strict=True,
    )
)


def _greek(name: str) -> str:
    """The name with Greek letters spelled out written as the letters papers print ("nu-SVM" → "ν-SVM")."""
    return "-".join(_GREEK.get(part.lower(), part) for part in name.split("-"))


def _pair_of_names(name: str, known: Callable[[str], bool]) -> bool:
    """Two or more capitalised words joined by hyphens, each indexed: a pair of authors' names as a method
    is called after them ("Driscoll-Kraay" is mentioned as "Driscoll and Kraay (1998)")."""
    parts = name.split("-")
    return (
        len(parts) >= 2
        and all(p.isalpha() and p[:1].isupper() and p[1:].islower() for p in parts)
        and all(known(t) for p in parts for t in tokenize(p))
    )


def missing_names(names: list[str], known: Callable[[str], bool], passages: Iterable[str] | PassageWords) -> list[str]:
    """The names that appear nowhere: neither as indexed words (`known(token)`) nor in `passages`."""
    runs = _words_of(passages)
    out = []
    for name in names:
        core = _core(name)
        code = bool(_IDENTIFIER.search(core))  # "data.table" is not mentioned by "data" and "table" apart
        spellings = [tokenize(core), tokenize(_greek(core))]  # the index keeps "ν-SVM" as "svm"
        if not code and any(tokens and all(known(t) for t in tokens) for tokens in spellings):
            continue
        if squash(core) in runs or _pair_of_names(core, known):
            continue
        out.append(name)
    return out


def missing_words(
    words: list[str], known: Callable[[str], bool], passages: Iterable[str] | PassageWords, rarest: float
) -> list[str]:
    """The lower-case words (`lexicon.lower_words`) that name something no paper mentions: English uses them
    less often than `rarest` (zipf) and the index has them in no spelling one letter apart."""

    def indexed(word: str) -> bool:
        return all(known(t) for t in tokenize(word))

    unindexed = [w for w in words if not indexed(w)]  # most are indexed: English's list is then never loaded
    runs = _words_of(passages)
    return [
        w for w in unindexed
        if w not in runs and zipf(w) < rarest and not derived_word(w) and not spelled_otherwise(w, indexed)
    ]  # fmt: skip
