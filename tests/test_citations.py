"""The citation checker on crafted answers: bad ids, out-of-order numbers, unsupported sentences."""

from __future__ import annotations

import pytest

from rag import Hit
from rag.answers.citations import answer_from_text, check_answer, parse_claims
from rag.answers.sentence_bank import SentenceBank
from rag.answers.types import Answer, AnswerSentence, Source

PASSAGES = [
    Hit("c1", "TinyV is a lightweight verifier. It recovers false negatives during RL training.", "tinyv", "TinyV"),
    Hit("c2", "NOVER needs no external verifier. It uses only supervised fine-tuning data.", "nover", "NOVER"),
    Hit("c3", "GUI-G1-3B reaches 90.3% accuracy on ScreenSpot.", "gui", "GUI-G1", page_start=4, page_end=4),
]


def test_parse_claims_reads_markers_groups_ranges_and_leading_markers() -> None:
    claims = parse_claims("NOVER needs no verifier [2]. TinyV helps [1, 3]. Both matter. [1-2] Final point [2][3].")
    assert [c.citations for c in claims] == [[2], [1, 3], [1, 2], [2, 3]]
    assert claims[0].text == "NOVER needs no verifier." and "[" not in "".join(c.text for c in claims)


def test_ids_never_given_are_removed_and_numbers_follow_first_use() -> None:
    text = "GUI-G1-3B reaches 90.3% accuracy on ScreenSpot [3]. NOVER needs no external verifier [7][2]."
    answer = check_answer(answer_from_text("q", text, PASSAGES), None, given=PASSAGES)
    assert answer.removed_citations == [7]
    assert [s.citations for s in answer.sentences] == [[1], [2]]  # [3] → [1], [2] → [2], [7] gone
    assert [s.hit.paper_id for s in answer.sources] == ["gui", "nover"]  # sources reordered to match
    assert answer.sentences[0].page == "p. 4"
    assert all(s.verbatim and s.supported and s.support == 1.0 for s in answer.sentences)


def test_sentence_citing_only_a_bad_id_is_unsupported() -> None:
    answer = check_answer(answer_from_text("q", "TinyV recovers false negatives [9].", PASSAGES), None, given=PASSAGES)
    assert answer.sentences[0].citations == [] and not answer.sentences[0].supported
    assert answer.sources == [] and answer.removed_citations == [9]


@pytest.fixture(scope="module")
def bank(bundled_library) -> SentenceBank:
    return SentenceBank(bundled_library.embedder.encode)


def test_support_separates_paraphrase_from_unrelated_claim(bank: SentenceBank) -> None:
    text = (
        "TinyV is a small verifier that recovers false negatives while training with RL [1]. "
        "The Eiffel Tower was completed in 1889 for the World's Fair [2]."
    )
    answer = check_answer(answer_from_text("q", text, PASSAGES), bank, given=PASSAGES, threshold=0.5)
    good, bad = answer.sentences
    assert good.supported and 0.5 <= good.support < 1.0 and not good.verbatim
    assert not bad.supported and bad.support < 0.4
    assert [s.hit.paper_id for s in answer.sources] == ["tinyv", "nover"]
    assert answer.sources[0].quotes, "the best-supporting sentence of the passage is shown as evidence"


def test_drop_unsupported_removes_the_sentence_and_its_source(bank: SentenceBank) -> None:
    text = "The Eiffel Tower was completed in 1889 [2]. TinyV recovers false negatives during RL training [1]."
    answer = check_answer(answer_from_text("q", text, PASSAGES), bank, given=PASSAGES, drop_unsupported=True)
    assert [s.citations for s in answer.sentences] == [[1]]
    assert [s.hit.paper_id for s in answer.sources] == ["tinyv"] and len(answer.dropped) == 1


def test_a_no_answer_reply_becomes_a_refusal() -> None:
    reply = "The indexed papers don't appear to answer this."
    answer = check_answer(answer_from_text("q", reply, PASSAGES), None, given=PASSAGES)
    assert answer.refused and answer.sources == []


def test_extractive_answers_keep_their_quotes_through_the_check() -> None:
    hit = PASSAGES[1]
    sentence = AnswerSentence("It uses only supervised fine-tuning data.", [5])
    answer = Answer("q", [sentence], [Source(n=5, hit=hit, quotes=[(34, 75)])])
    checked = check_answer(answer, None)
    assert checked.sentences[0].citations == [1] and checked.sources[0].n == 1
    assert checked.sources[0].quotes == [(34, 75)] and checked.sentences[0].verbatim


def test_what_real_models_emit_around_the_claims_is_not_a_claim() -> None:
    reply = (
        "<think>Passage 2 says 38%. I should cite it.</think>\n"
        "**Answer:** Over 38% of responses are false negatives [2]. The verifier is small 【1】.\n"
        "- It recovers rejected answers [1][3].\n"
        "\n"
        "Sources:\n"
        "[1] TinyV — p. 2\n"
        "[2] TinyV — p. 3\n"
    )
    claims = parse_claims(reply)
    assert [(c.text, c.citations) for c in claims] == [
        ("Over 38% of responses are false negatives.", [2]),
        ("The verifier is small.", [1]),
        ("It recovers rejected answers.", [1, 3]),
    ]
    listed = parse_claims("It holds for both [1, 2].\n\n[1] Paper A, p. 3\n[2] Paper B")  # a trailing reference list
    assert [(c.text, c.citations) for c in listed] == [("It holds for both.", [1, 2])]
    unfinished = parse_claims("<think>still thinking about passage 1")  # a stream cut inside the reasoning
    assert unfinished == []
