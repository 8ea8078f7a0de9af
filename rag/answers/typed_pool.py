"""Passages that state what a question asks for, from the paper it names, added to the answer's pool (and,
for a question about a paper as a whole, its opening passages).

Retrieval ranks passages by how much they are *about* the question; in a long paper the sentence giving the
value asked for ("trained on two RTX A6000 GPUs" for "what hardware …") shares few of its words and ranks
below the overview passages. When a question asks for a typed value (an attribute, a kind of quantity, a
class of thing) about a paper it names, every passage of that paper is checked for a statement of that type
(`rag.answers.asked`), and the ones most similar to the question join the pool. This is answer-type
filtering over one paper, not a second search over the library: cheap, and it makes "the paper does not
say" a statement about the whole paper rather than about the passages that happened to rank well.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rag.answers.asked import CLASS_WORDS, QUANTITY_KINDS, class_words, states
from rag.answers.questions import Question
from rag.index.records import Hit

# paper id → its passages (kinds an answer may quote) with their stored vectors
PassagesOf = Callable[[str], list[tuple[Hit, np.ndarray]]]


def asked_type(q: Question) -> Callable[[str], bool] | None:
    """A test of whether a text states what `q` asks for, or None when it asks for nothing typed."""
    patterns = [stated for asked, stated in QUANTITY_KINDS if asked.search(q.text)]
    if q.attribute:  # "how many seconds …": the attribute "seconds", stated by a duration in any unit
        attribute, value = q.attribute, q.numeric
        return lambda text: states(attribute, text, numeric=value) or any(p.search(text) for p in patterns)
    if q.asks("name"):
        patterns += [stated for asked, stated in CLASS_WORDS if asked.search(q.text)]
    if not patterns:
        return None
    return lambda text: any(p.search(text) for p in patterns)


def has_form(q: Question) -> bool:
    """The attribute `q` asks is stated in a form of its own: a number (a count, a score), a unit (a duration, a
    share) or a word things of its class are named with (a GPU for hardware, a licence's name)."""
    phrase = q.attribute
    if not phrase:
        return False
    kinds = any(asked.search(phrase) or asked.search(q.text) for asked, _ in QUANTITY_KINDS)
    return q.numeric or kinds or bool(class_words(phrase))


def stating_passages(
    q: Question,
    hits: list[Hit],
    papers: set[str],
    vector: np.ndarray | None,
    passages_of: PassagesOf | None,
    *,
    per_paper: int,
) -> list[Hit]:
    """Up to `per_paper` passages of each of `papers` that state what `q` asks for and are not among `hits`,
    most similar to the question first (scored as the weakest retrieved passage, since retrieval did not
    rank them)."""
    test = asked_type(q)
    if test is None or passages_of is None or vector is None or not papers:
        return []
    have = {h.chunk_id for h in hits}
    floor = min((h.score for h in hits), default=0.0)
    out: list[Hit] = []
    for paper_id in sorted(papers):
        rows = [(h, v) for h, v in passages_of(paper_id) if h.chunk_id not in have and test(h.text)]
        rows.sort(key=lambda row: -float(row[1] @ vector))
        out += [_added(hit, vec, vector, floor) for hit, vec in rows[:per_paper]]
    return out


def _added(hit: Hit, vec: np.ndarray, vector: np.ndarray, floor: float) -> Hit:
    """A passage joining the pool that retrieval did not rank: its cosine, and the weakest retrieved score."""
    hit.dense = float(vec @ vector)
    hit.score = floor
    return hit


def opening_passages(
    hits: list[Hit], papers: set[str], vector: np.ndarray | None, passages_of: PassagesOf | None, *, per_paper: int
) -> list[Hit]:
    """The first `per_paper` passages (in reading order: the abstract, the introduction's start) of each of
    `papers` that `hits` lack: where a paper says what it is, does and finds, for a question about the paper
    as a whole (scored as the weakest retrieved passage)."""
    if passages_of is None or vector is None or not papers:
        return []
    have = {h.chunk_id for h in hits}
    floor = min((h.score for h in hits), default=0.0)
    out: list[Hit] = []
    for paper_id in sorted(papers):
        out += [
            _added(hit, vec, vector, floor)
            for hit, vec in passages_of(paper_id)[:per_paper]
            if hit.chunk_id not in have
        ]
    return out
