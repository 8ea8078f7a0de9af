"""OCR lines put right by their words' boxes: a word split at a letter-digit seam, a table read across."""

from __future__ import annotations

from ingest.pdf.extract import Line
from ingest.pdf.ocr_geometry import columns_in_order, rejoin_split_words

SPACE, WIDTH = 3.0, 5.0  # a word space and a letter's width, points


def line(y: float, *cells: tuple[float, str]) -> Line:
    """A line of cells (left edge, text); words inside a cell are a word space apart."""
    words, spans = [], []
    for x, text in cells:
        for word in text.split():
            words.append(word)
            spans.append((x, x + WIDTH * len(word)))
            x += WIDTH * len(word) + SPACE
    return Line(" ".join(words), 0, 10.0, False, y, spans[0][0], words=tuple(spans))


def test_a_word_split_at_a_digit_is_joined_and_spaces_are_kept() -> None:
    words = ["using", "pdf", "2image", "to", "update", "the", "GPT", "3"]
    spans = [(0, 25), (29, 44), (45.5, 75), (79, 89), (93, 123), (127, 142), (146, 161), (165, 170)]
    joined, joined_spans = rejoin_split_words(words, [(float(a), float(b)) for a, b in spans])
    # "pdf 2image" is 1.5 pt apart, the line's spaces 4 pt: one word; "GPT 3" is a space apart: two
    assert joined == ["using", "pdf2image", "to", "update", "the", "GPT", "3"]
    assert joined_spans[1] == (29.0, 75.0)


def test_numbers_in_neighbouring_cells_stay_apart() -> None:
    # a table row: its cells' gaps are wide, two columns sit closer (a rule between them painted out)
    words = ["OTSL", "0.938", "0.904", "0.927", "0.853", "1.97"]
    spans = [(0, 30), (60, 85), (115, 140), (170, 195), (201, 226), (256, 276)]
    joined, _ = rejoin_split_words(words, [(float(a), float(b)) for a, b in spans])
    assert joined == words


def test_a_table_of_prose_cells_reads_cell_by_cell() -> None:
    rows = [
        line(700, (50, "Linguistic"), (120, "Segments doc into"), (230, "SentencePredictor wraps sciSpaCy and")),
        line(690, (50, "Semantic"), (120, "units for down-"), (230, "PySBD to segment sentences.")),
        line(680, (120, "stream models."), (230, "WordPredictor is a custom model.")),
        line(660, (50, "Layout"), (120, "Segments doc into"), (230, "BoxPredictor wraps models from")),
        line(650, (120, "visual regions."), (230, "LayoutParser for layouts.")),
    ]
    texts = [ln.text for ln in columns_in_order(rows)]
    assert texts == [
        "Linguistic",
        "Semantic",
        "Segments doc into",
        "units for down-",
        "stream models.",
        "SentencePredictor wraps sciSpaCy and",
        "PySBD to segment sentences.",
        "WordPredictor is a custom model.",
        "Layout",
        "Segments doc into",
        "visual regions.",
        "BoxPredictor wraps models from",
        "LayoutParser for layouts.",
    ]


def test_rows_of_numbers_and_prose_paragraphs_keep_their_order() -> None:
    numbers = [line(700 - 10 * k, (50, f"Model{k}"), (120, "40.6"), (160, "38.3"), (200, "39.1")) for k in range(4)]
    assert columns_in_order(numbers) == numbers  # no cell goes on to the next line: rows stay rows
    prose = [
        line(700, (50, "The model reads a page and writes its lines in the")),
        line(690, (50, "order a reader takes them, column by column.")),
        line(680, (50, "Tables are read cell by cell.")),
    ]
    assert columns_in_order(prose) == prose
