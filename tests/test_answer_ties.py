"""Sentences whose fitted scores tie are quoted alike whichever is ahead by a hair: a scanned copy's OCR, or a
passage encoded in another batch, moves scores by a few hundredths and must not change the answer. Real
sentences of the shared papers (papermage.pdf, 1111.2011v2.pdf); the embedder is the real one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rag import Library
from rag.answers.candidates import Candidate
from rag.answers.extractive import _select
from rag.answers.questions import analyse
from rag.answers.scoring import DEFAULT_SCORING
from rag.answers.sentence_bank import SentenceBank
from rag.index.records import Hit

GROBID = "Why does Grobid get zero scores for some categories in the toolkit's evaluation?"
BEST = (
    "These are represented by zeros in Table 3, which contributes to the lower scores in Table 2 after macro averaging."
)
SUBSET = (
    "For a more apples-to-apples comparison, we also included a “Grobid Subset” evaluation which restricted to "
    "just categories in S2-VL for which Grobid produced bounding box information."
)
REASON = (
    "Though we found there are certain categories for which bounding box information was either not available "
    "(e.g., Titles) or Grobid simply did not return that output (e.g., Figure text extraction)."
)
OTHERS = [
    "Using magelib cross-layer referencing, we were able to match Grobid predictions to S2-VL data.",
    "Grobid also returns bounding boxes of some predicted categories (e.g., authors, abstract, paragraphs).",
    "To perform this baseline evaluation, we ran the original PDFs that were annotated for S2-VL through our parser.",
    "The I-VILA model is a layout-infused Transformer model pretrained on the S2-VL training set.",
    "Yet, Grobid requires users to manage a separate service process and send PDFs through a client.",
    "In this example, the toolkit runs a text parser (using pdfplumber) to extract the textual information.",
    "As a researcher proficient in Python, it only takes Lucy minutes to install the toolkit using pip.",
    "She makes sure she can serialize and re-instantiate her Document.",
]


def scored(texts_scores: list[tuple[str, float]], vectors=None) -> list[Candidate]:
    """Candidates of one paper, each in a passage of its own, with the fitted scores given."""
    out = []
    for k, (text, score) in enumerate(texts_scores):
        vector = None if vectors is None else vectors[k]
        hit = Hit(f"p:{k}", text, "p", "A Toolkit for Scientific Documents")
        out.append(Candidate(k, hit, 0, len(text), vector, vector, score=score))
    return out


def quoted(candidates: list[Candidate], question: str, **scoring) -> set[str]:
    return {c.text for c in _select(candidates, analyse(question), 4, replace(DEFAULT_SCORING, **scoring))}


@pytest.mark.parametrize("ahead", [SUBSET, REASON])
def test_sentences_tied_at_the_quote_mass_edge_are_quoted_whichever_is_ahead(ahead: str) -> None:
    """Best 7.1; two sentences 0.02 apart at 5.6; the rest far below. The best and the first of the two hold the
    quote mass, so without a tie band the second, the reason asked for when it is behind, is left out."""
    behind = REASON if ahead == SUBSET else SUBSET
    edge = {"quote_mass": 0.6}  # where these scores put the edge: the best and the first of the two hold it
    pool = scored([(BEST, 7.1), (ahead, 5.62), (behind, 5.60), *((t, 4.0) for t in OTHERS)])
    assert quoted(pool, GROBID, **edge) == {BEST, SUBSET, REASON}
    assert quoted(pool, GROBID, tie_band=0.0, **edge) == {BEST, ahead}  # a hair decides: the flip this removes
    far = scored([(BEST, 7.1), (ahead, 5.62), (behind, 5.2), *((t, 4.0) for t in OTHERS)])
    assert quoted(far, GROBID, **edge) == {BEST, ahead}  # 0.42 behind is no tie: the quote mass still ends it


BETHE = "Which follow-up directions do the Bethe lattice authors propose beyond zero temperature and bosons?"
# As OCR read them from a scanned copy ("¢" for φ kept): the real text these scores came from.
NOTATION = (
    "Throughout this study we use relativistic notation to describe the zero temperature quantum system, with "
    "p ~ (w,p), and where we have set a velocity equal to one."
)
CONDENSED = (
    "In order to describe the transition to the condensed phase (with (¢%) 4 0) consistently, it is necessary to "
    "eliminate the zero mode solution on the graph, also known as the uniform Perron-Frobenius mode, which is a "
    "general spectral feature of Bethe lattices or, equivalently, large random regular graphs."
)
ACTION = (
    "We begin with the action describing a quantum rotor model for an N-component field ¢ at zero temperature on a "
    "set of “nodes” forming a Bethe lattice (or, equivalently, a large random graph with fixed connectivity z), "
    "where each node corresponds to a quantum critical system of spacetime dimension d+ 1 > 1:"
)
MODE = (
    "This mode contributes an isolated delta function at low energy to the density of states on the graph, and in "
    "a bosonic theory there is a tendency to condense into this mode. !® In order to avoid such a condensation and "
    "obtain nontrivial critical behavior, we introduce a constraint that eliminates this uniform mode from the "
    "spectrum of the graph:"
)
OUTLOOK = (
    "It would also be desirable to generalize to finite temperature, and to extend our results to fermionic "
    "systems, in which case contact could be made with the many results from DMFT relating to the fermion "
    "Hubbard model and related models."
)


def test_the_last_place_among_tied_sentences_goes_to_the_one_adding_most(bundled_library: Library) -> None:
    """Three sentences within 0.15 of each other compete for the third and last quote: two repeat the quoted
    zero-temperature set-up, the third (the follow-up work asked for) says something new and is quoted, whether
    it is first or last of the three. A sentence clearly behind is never preferred for being different."""
    bank = SentenceBank(bundled_library.embedder.encode)
    texts = [NOTATION, CONDENSED, ACTION, MODE, OUTLOOK]
    vectors = bank.encode(texts)
    for scores in ([3.9, 3.4, 3.02, 2.95, 2.87], [3.9, 3.4, 2.9, 2.88, 2.99]):
        pool = scored(list(zip(texts, scores, strict=True)), vectors)
        assert quoted(pool, BETHE) == {NOTATION, CONDENSED, OUTLOOK}
    pool = scored(list(zip(texts, [3.9, 3.4, 3.02, 2.95, 2.87], strict=True)), vectors)
    assert quoted(pool, BETHE, tie_redundancy=0.0) == {NOTATION, CONDENSED, ACTION}  # by a hair of score
    behind = scored(list(zip(texts, [3.9, 3.4, 3.02, 2.95, 2.6], strict=True)), vectors)
    assert OUTLOOK not in quoted(behind, BETHE)  # 0.42 behind the next best: not tied, not quoted
