"""Headings on OCR'd pages: a roman section number misread ("Ill.") still counts, a formula read as words
(low confidence, large estimated size) never makes a heading or a title."""

from __future__ import annotations

from ingest.pdf.extract import Line
from ingest.pdf.structure import HeadingDetector, big_heading, find_title


def _ocr(
    text: str, page: int = 0, size: float = 10.0, bold: bool = True, *, uncertain: bool = False, y: float = 700.0
) -> Line:
    return Line(text, page, size, bold, y, 72.0, ocr=True, uncertain=uncertain)


def test_a_misread_roman_section_number_still_makes_a_heading() -> None:
    detector = HeadingDetector(body=10.0, has_typography=True)
    assert detector.classify(_ocr("I. INTRODUCTION")) is not None
    assert detector.classify(_ocr("Il. THE MODEL")) is not None
    heading = detector.classify(_ocr("Ill. CRITICAL POINT", page=1))
    assert heading is not None and heading.title == "III. CRITICAL POINT"
    assert detector.classify(_ocr("Ill. is what the patient was", page=1)) is None  # no heading's capital


def test_a_formula_read_as_words_is_no_heading_and_no_title() -> None:
    detector = HeadingDetector(body=10.0, has_typography=True)
    read_well = _ocr("Seal Fatrrel angio inoroe", page=2, size=14.0)
    below = _ocr("The text of the section starts here.", page=2, bold=False, y=680.0)
    assert big_heading(read_well, detector, [below])  # large type that reads as words: a heading, when read well
    formula = _ocr("Seal Fatrrel angio inoroe", page=2, size=14.0, uncertain=True)
    assert detector.classify(formula) is None and not big_heading(formula, detector, [below])
    first_page = [
        _ocr("Sx Qfart angio", size=20.0, uncertain=True),
        _ocr("Quantum Criticality on a Lattice", size=16.0),
    ]
    assert find_title(first_page, 10.0) == ("Quantum Criticality on a Lattice", 2)
