"""OCR words put right by the document's own spelling; real words left alone."""

from __future__ import annotations

from ingest.pdf.extract import Line
from ingest.pdf.ocr_lexicon import correct_ocr_words


def _line(text: str, *, ocr: bool = True) -> Line:
    words = tuple((10.0 * k, 10.0 * k + 8) for k in range(len(text.split())))
    return Line(text, 0, 10.0, False, 700.0, 72.0, words=words, ocr=ocr)


def _corrected(*texts: str) -> list[str]:
    pages = [
        [_line("We built magelib to read papers; magelib is small and fast.", ocr=False)],
        [_line(t) for t in texts],
    ]
    return [line.text for line in correct_ocr_words(pages)[1]]


def test_a_stray_stroke_in_a_word_is_read_as_the_documents_word() -> None:
    assert _corrected("Parsers in mage1ib, and magelib again.") == ["Parsers in magelib, and magelib again."]


def test_a_word_split_at_a_stray_stroke_is_joined_with_its_word_boxes() -> None:
    [line] = correct_ocr_words([[_line("magelib and magelib")], [_line("Parsers in mage] ib that read XML.")]])[1]
    assert line.text == "Parsers in magelib that read XML."
    assert len(line.words) == len(line.text.split()) and line.words[2] == (20.0, 38.0)


def test_a_split_fragment_found_nowhere_alone_is_joined() -> None:
    assert _corrected("the magel ib layers") == ["the magelib layers"]


def test_real_words_stay_as_they_are() -> None:
    pages = [
        [_line("A dataset, the dataset, and data we set aside.", ocr=False)],
        [_line("a data set of F1 scores, Table 1 and [12] tokens] here; La1yers unlike any word")],
    ]
    assert [ln.text for ln in correct_ocr_words(pages)[1]] == [pages[1][0].text]


def test_text_layer_lines_are_never_changed() -> None:
    pages = [[_line("magelib magelib", ocr=False), _line("mage1ib", ocr=False)]]
    assert correct_ocr_words(pages)[0][1].text == "mage1ib"
