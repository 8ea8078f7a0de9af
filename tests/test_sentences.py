"""Sentence spans: verbatim, never across a paragraph break or a heading line, abbreviations kept."""

import itertools

from ingest.sentences import is_heading, sentence_spans


def test_headings_and_paragraphs_are_boundaries_and_abbreviations_are_not() -> None:
    text = (
        "A.3 Evaluating papermage against Grobid\n"
        "Here, we detail the evaluation (e.g. Fig. 3 of Lo et al. 2023). "
        "It improves F1 by 7.7 points!\n\nAbstract\n"
        "We propose NOVER. This line is wrapped\nin the middle of a sentence."
    )
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == [
        "A.3 Evaluating papermage against Grobid",
        "Here, we detail the evaluation (e.g. Fig. 3 of Lo et al. 2023).",
        "It improves F1 by 7.7 points!",
        "Abstract",
        "We propose NOVER.",
        "This line is wrapped\nin the middle of a sentence.",
    ]
    assert [is_heading(g) for g in got] == [True, False, False, True, False, False]
    assert is_heading("Results:") and is_heading("Implementation details:")
    assert not is_heading("We use a simple error correction model for the consumption function:")  # before (5)


def test_chinese_sentences_split_at_full_stops() -> None:
    text = "本文提出了一种新的奖励分解方法，效果显著。实验表明该方法优于基线模型。"
    assert [text[s:e] for s, e in sentence_spans(text, min_chars=4)] == [
        "本文提出了一种新的奖励分解方法，效果显著。",
        "实验表明该方法优于基线模型。",
    ]


def test_footnote_markers_and_bullets_end_sentences_but_decimals_do_not() -> None:
    text = (
        "We follow the authors' recommendations.4 We use beam search with 5 beams. "
        "The average source is over 75,000 words. • Unlike other datasets, it reaches 75.4 F1 on average."
    )
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "We follow the authors' recommendations.",
        "We use beam search with 5 beams.",
        "The average source is over 75,000 words.",
        "• Unlike other datasets, it reaches 75.4 F1 on average.",
    ]


def test_superscript_citations_after_a_full_stop_open_no_sentence() -> None:
    # chemistry and medicine journals cite after the full stop, read with a space before ("work. 9,10,31 We")
    text = (
        "We draw examples from our recent XAI work. 9,10,31 We show how these methods yield explanations. "
        "Trust matters when algorithms impact humans. 22–24 Although none exist yet, we expect them. "
        "It makes exact solutions possible.5,6 There were 12 runs. 3 of them failed, in 2019. 12 Participants left."
    )
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "We draw examples from our recent XAI work.",
        "We show how these methods yield explanations.",
        "Trust matters when algorithms impact humans.",
        "Although none exist yet, we expect them.",
        "It makes exact solutions possible.",
        "There were 12 runs.",
        "3 of them failed, in 2019.",
        "12 Participants left.",
    ]


def test_a_footnote_glued_to_the_one_before_starts_a_sentence_and_its_marker_is_not_quoted() -> None:
    from rag.answers.candidates import trim

    text = (
        "Intro ends here. 3https://grobid.readthedocs.io/en/latest/ Training/#models 4Most research in NLP "
        "requires Python. We train 3DGS models on 2016 data. 5PDFs are not the only way to share papers."
    )
    quoted = [text[a:b] for a, b in (trim(text, s, e) for s, e in sentence_spans(text))]
    assert quoted == [
        "Intro ends here.",
        "3https://grobid.readthedocs.io/en/latest/ Training/#models",
        "Most research in NLP requires Python.",
        "We train 3DGS models on 2016 data.",
        "PDFs are not the only way to share papers.",
    ]


def test_chunks_open_at_a_sentence_not_after_et_al() -> None:
    """nltk's punkt, llama-index's default, ends a sentence at "et al.", and a chunk (or its overlap) then
    opened on "(2022) on the S2-VL training set." — a fragment no answer can quote whole."""
    from ingest.chunking import chunk_paper
    from ingest.models import Paper
    from ingest.sentences import sentence_pieces

    text = " ".join(
        f"Step {i} follows Shen et al. (2022) and fine-tunes the layout model on split {i} of the S2-VL training set."
        for i in range(60)
    )
    assert "".join(sentence_pieces(text)) == text
    assert not any(p.startswith("(2022)") for p in sentence_pieces(text))
    chunks = chunk_paper(Paper(id="p", title="t", text=text), chunk_size=100, chunk_overlap=40)
    assert len(chunks) > 10
    assert all(c.text.startswith("Step ") and c.text == text[c.start : c.end] for c in chunks)
    assert any(c.start < prev.end for prev, c in itertools.pairwise(chunks))  # overlap still there


def test_a_sentence_running_into_a_display_is_a_candidate_but_a_heading_line_is_not() -> None:
    """Without a stop, a line reads like a heading ("3.2 Estimating normalizing constants"); a sentence that
    follows another on its line and runs into a display equation is not one, and may answer the question."""
    import numpy as np

    from rag.answers.candidates import gather
    from rag.answers.sentence_bank import SentenceBank
    from rag.index.records import Hit

    text = (
        "3.2 Estimating normalizing constants\n\n"
        "Let ind denote the function that maps logical values to numbers, false to zero and true to one. "
        "Normalizing constants are estimated by averaging the time spent in each model\n\n"
        "δ(m) = 1/n ∑ ind(I_t = m) (5)\n\n"
        "For the purposes of approximating Bayes factors the X_t are ignored."
    )
    hit = Hit(chunk_id="c1", text=text, paper_id="p1", title="Bayes factors by serial tempering")
    bank = SentenceBank(lambda texts: np.ones((len(texts), 4), np.float32) / 2)
    quoted = [c.text for c in gather("How are normalizing constants estimated?", [hit], bank, passages=1)]
    assert "Normalizing constants are estimated by averaging the time spent in each model" in quoted
    assert not any(t.startswith("3.2 Estimating") for t in quoted)
    assert is_heading("Normalizing constants are estimated by averaging the time spent in each model")


def test_a_line_of_the_papers_title_on_its_first_page_is_no_candidate() -> None:
    """With a contents page left out at ingest, a first-page chunk can be the title's lines and the authors: a
    piece of the title ("adephylo: exploratory analyses for the") is nothing an answer could quote."""
    import numpy as np

    from rag.answers.candidates import gather
    from rag.answers.sentence_bank import SentenceBank
    from rag.index.records import Hit

    title = "adephylo: exploratory analyses for the phylogenetic comparative method"
    text = (
        "adephylo: exploratory analyses for the\n\nphylogenetic comparative method\n\n"
        "This document describes the adephylo package for the R software, which analyses trait evolution."
    )
    hit = Hit(chunk_id="c1", text=text, paper_id="p1", title=title)
    bank = SentenceBank(lambda texts: np.ones((len(texts), 4), np.float32) / 2)
    quoted = [c.text for c in gather("What does adephylo analyse?", [hit], bank, passages=1)]
    assert quoted == [text.split("\n\n")[-1]]  # neither title line, only the sentence


def test_a_line_cut_short_by_a_display_is_not_a_heading() -> None:
    for line in (
        "If we assume that the products are ordered, the Page test is appropriate and can be computed as follows",
        "The matrices are even sparser when the factors have more than just two or three levels, e.g., for the data,",
        "For the special case of binary labels, this is equivalent to the Area under the ROC Curve. {",
        "The log-likelihood of the mixture is given by",
    ):
        assert not is_heading(line), line
    headings = ("3.2 A step-wise procedure for traversing the model space", "Abstract", "Appendix A", "Part I: As")
    for line in headings:
        assert is_heading(line), line
