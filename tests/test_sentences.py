"""Sentence spans: verbatim, never across a paragraph break or a heading line, abbreviations kept."""

from rag.text import is_heading, sentence_spans


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
