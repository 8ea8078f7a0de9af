"""The citation check every answer passes through, whatever wrote it (extractive or an LLM).

1. citations of passages that were never given are removed;
2. each cited sentence is scored for support by its cited passage(s): the share of its content words
   found there and the best cosine to one of their sentences, averaged into one number in [0, 1]
   (a verbatim quote scores 1); below `threshold` it is flagged, or dropped when asked;
3. the surviving `[n]` are renumbered 1..N in order of first use and the sources reordered to match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ingest.sentences import sentence_spans
from rag.answers.sentence_bank import SentenceBank
from rag.answers.types import Answer, AnswerSentence, Source
from rag.index.records import Hit
from rag.text import tokenize

# [3], [1, 2], [1][2], [2-4]; also the full-width brackets a Chinese answer may use.
_CITE = re.compile(r"[\[【]\s*(\d+(?:\s*[,，;–-]\s*\d+)*)\s*[\]】]")
_LEADING_CITES = re.compile(r"^(?:\s*[\[【]\s*\d+(?:\s*[,，;–-]\s*\d+)*\s*[\]】])+[.。]?\s*")
# An answer (or one of its sentences) saying the passages do not hold the answer.
_NO_ANSWER = re.compile(
    r"(don't|do not|does not|doesn't|cannot|can't|not) (appear to )?(answer|contain|address|mention|say|cover)"
    r"|no (information|answer)|not enough information|insufficient|无法回答|没有提到|未提及|不包含",
    re.IGNORECASE,
)


@dataclass
class Claim:
    """One sentence of a generated answer with the ids it cites (as written, before checking)."""

    text: str
    citations: list[int]


def _ids(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,，;]\s*", group.strip()):
        bounds = re.split(r"\s*[–-]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            lo, hi = int(bounds[0]), int(bounds[1])
            out += list(range(lo, hi + 1)) if 0 <= hi - lo <= 20 else [lo, hi]
        elif part.isdigit():
            out.append(int(part))
    return out


# What real models emit around an answer: reasoning blocks, a trailing list of references, Markdown.
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_REFERENCES_HEADER = re.compile(r"^\s*(?:#+\s*)?\**(?:references?|sources?|citations?|参考文献|来源)\**\s*:?\s*$", re.I)
_REFERENCE_ENTRY = re.compile(r"^\s*[\[【]\s*\d+\s*[\]】]\s*[:.-]?\s*\S")  # "[1] Title — p. 3"
_EMPHASIS = re.compile(r"\*\*|__|`")


def _answer_lines(text: str) -> list[str]:
    """The lines of a generated answer that carry claims: no <think> block, no heading, no trailing
    reference list (a "Sources:" header, or a final run of lines that only name passages)."""
    lines = [_EMPHASIS.sub("", line) for line in _THINK.sub("", text).splitlines()]
    for i, line in enumerate(lines):
        if _REFERENCES_HEADER.match(line):
            lines = lines[:i]
            break
    while lines and (not lines[-1].strip() or _REFERENCE_ENTRY.match(lines[-1])):
        if lines[-1].strip() and not _CITE.sub("", lines[-1]).strip(" .:-—"):
            break  # a line of citations only ("[1][2]") belongs to the sentence before it
        lines.pop()
    return [line for line in lines if not re.match(r"^\s*#+\s", line)]


def parse_claims(text: str) -> list[Claim]:
    """Split generated text into sentences with their `[n]` markers (a marker opening a sentence,
    as in "… holds. [2] Next …", belongs to the sentence before it)."""
    claims: list[Claim] = []
    for line in _answer_lines(text):
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()  # list bullets are layout
        line = re.sub(r"^(?:final\s+)?answer\s*:\s*", "", line, flags=re.IGNORECASE)
        if not line:
            continue
        for start, end in sentence_spans(line, min_chars=1):
            piece = line[start:end]
            lead = _LEADING_CITES.match(piece)
            if lead and claims:
                claims[-1].citations += [n for g in _CITE.findall(lead.group(0)) for n in _ids(g)]
                piece = piece[lead.end() :]
            cites = [n for g in _CITE.findall(piece) for n in _ids(g)]
            bare = _CITE.sub("", piece)
            bare = re.sub(r"\s+([.,;:!?。，])", r"\1", bare)
            bare = " ".join(bare.split())
            if bare.strip(" .。"):
                claims.append(Claim(bare, cites))
    return claims


def says_no_answer(text: str) -> bool:
    return bool(_NO_ANSWER.search(text))


def _norm(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Support:
    score: float
    passage: int = -1  # index (into the cited passages) of the best-supporting one
    sentence: int = -1  # index of its best-matching sentence (-1 for a verbatim quote)
    verbatim: bool = False


def support_score(sentence: str, passages: list[Hit], bank: SentenceBank | None) -> Support:
    """How well the cited passages support a sentence, and where the best evidence is."""
    if not passages:
        return Support(0.0)
    for i, hit in enumerate(passages):
        if _norm(sentence) and _norm(sentence) in _norm(hit.text):
            return Support(1.0, i, -1, verbatim=True)
    words = set(tokenize(sentence))
    vocab: set[str] = set()
    for hit in passages:
        vocab |= set(tokenize(hit.text))
    lexical = len(words & vocab) / len(words) if words else 0.0
    if bank is None:
        return Support(lexical, 0)
    vector = bank.encode([sentence])[0]
    best, at, sent_at = 0.0, 0, -1
    for i, hit in enumerate(passages):
        _, vectors = bank.get(hit.text)
        if len(vectors):
            sims = vectors @ vector
            j = int(np.argmax(sims))
            if sims[j] > best:
                best, at, sent_at = float(sims[j]), i, j
    return Support((lexical + max(best, 0.0)) / 2, at, sent_at)


def check_answer(
    answer: Answer,
    bank: SentenceBank | None,
    *,
    threshold: float = 0.5,
    drop_unsupported: bool = False,
    given: list[Hit] | None = None,
) -> Answer:
    """Validate ids, score support, renumber by first use; returns the same Answer, updated.

    `given` are the passages numbered [1]..[N] the generator saw (default: the answer's sources).
    """
    by_id: dict[int, Hit] = {i: h for i, h in enumerate(given, 1)} if given is not None else {}
    if given is None:
        by_id = {s.n: s.hit for s in answer.sources}
    removed: list[int] = []
    kept: list[AnswerSentence] = []
    evidence: dict[int, list[tuple[int, int]]] = {}
    for sentence in answer.sentences:
        valid = []
        for n in sentence.citations:
            if n in by_id and n not in valid:
                valid.append(n)
            elif n not in by_id:
                removed.append(n)
        sentence.citations = valid
        passages = [by_id[n] for n in valid]
        found = support_score(sentence.text, passages, bank)
        at, sent_at = found.passage, found.sentence
        sentence.support = round(found.score, 4)
        sentence.verbatim = found.verbatim
        sentence.supported = bool(valid) and found.score >= threshold
        if not valid and says_no_answer(sentence.text):
            sentence.supported = True  # "the passages don't say" needs no source
        if valid and at >= 0:
            hit = passages[at]
            if not sentence.page:
                sentence.page = hit.pages
            if sentence.verbatim:
                span = _locate(hit.text, sentence.text)
            elif sent_at >= 0 and bank is not None:
                span = bank.get(hit.text)[0][sent_at]
            else:
                span = None
            if span:
                evidence.setdefault(valid[at], []).append(span)
        if drop_unsupported and not sentence.supported:
            answer.dropped.append(sentence.text)
            continue
        kept.append(sentence)
    answer.removed_citations = sorted(set(removed))
    answer.sentences = kept
    _renumber(answer, by_id, evidence)
    if not answer.sentences or all(not s.citations and says_no_answer(s.text) for s in answer.sentences):
        answer.refused = True
    return answer


def _locate(passage: str, sentence: str) -> tuple[int, int] | None:
    """Character span of `sentence` in `passage`, tolerant of whitespace differences."""
    at = passage.find(sentence)
    if at >= 0:
        return at, at + len(sentence)
    words = [re.escape(w) for w in sentence.split()]
    match = re.search(r"\s+".join(words), passage) if words else None
    return (match.start(), match.end()) if match else None


def _renumber(answer: Answer, by_id: dict[int, Hit], evidence: dict[int, list[tuple[int, int]]]) -> None:
    old_quotes = {s.n: s.quotes for s in answer.sources}
    mapping: dict[int, int] = {}
    for sentence in answer.sentences:
        for n in sentence.citations:
            mapping.setdefault(n, len(mapping) + 1)
        sentence.citations = [mapping[n] for n in sentence.citations]
    sources = []
    for old, new in mapping.items():
        quotes = old_quotes.get(old) or sorted(set(evidence.get(old, [])))
        sources.append(Source(n=new, hit=by_id[old], quotes=quotes))
    answer.sources = sources


def answer_from_text(question: str, text: str, given: list[Hit], *, mode: str = "llm") -> Answer:
    """A generated text, unchecked, as an Answer over the passages it was given ([1]..[N])."""
    claims = parse_claims(text)
    sentences = [AnswerSentence(c.text, c.citations, support=0.0, supported=False) for c in claims]
    sources = [Source(n=i, hit=h) for i, h in enumerate(given, 1)]
    return Answer(question, sentences, sources, mode=mode, raw=text)
