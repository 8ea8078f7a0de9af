"""Running headers are dropped, the body's first line below them is not (even when the header is set in the
body's font and a line at the body's first height repeats on a few pages, as a table's column names do)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from bench.heldout import pdf_paths, present
from ingest.sources.pdf import load_pdf
from tests.pdf_factory import MANUSCRIPT_STAMP, make_header_at_body_size_pdf, make_numbered_manuscript_pdf

COLUMNS = "Name Value Count"


def test_first_body_line_below_a_body_size_header_survives(tmp_path: Path) -> None:
    path = tmp_path / "headers.pdf"
    make_header_at_body_size_pdf(path, 8, {2: COLUMNS, 4: COLUMNS, 6: COLUMNS})
    paper = load_pdf(path)
    assert "Journal of Repeated Headers" not in paper.text
    for number in (1, 3, 5, 7, 8):
        tag = hashlib.sha1(str(number).encode()).hexdigest()[:8]
        assert f"A page opens with the sentence {tag} that no other page repeats." in paper.text
        assert f"Body line 7 of the page {tag} continues the argument." in paper.text
    assert paper.text.count(COLUMNS) == 3  # repeated, but drawn where body text is on most pages


@pytest.mark.skipif(not present(), reason="held-out PDFs not fetched (make heldout-pdfs); CI does not fetch them")
def test_zoo_vignette_keeps_the_lines_below_its_running_headers() -> None:
    (path,) = [p for p in pdf_paths() if p.name == "zoo.pdf"]
    text = re.sub(r"\s+", " ", load_pdf(path).text)
    assert "instabilities over some ordering, a data type for indexed ordered observations is required." in text
    assert 'the corresponding "ts" methods. This paper describes how these are implemented' in text
    assert "Zeileis, Gabor Grothendieck" not in text.split("References")[0]


def test_a_repeated_label_set_at_line_spacing_is_body_text(tmp_path: Path) -> None:
    # every page opens with "Definition N" (the same text modulo numbers, at the same height): only its
    # distance to the text below, a line's spacing and not a header's gap, says it belongs to the text
    path = tmp_path / "labels.pdf"
    make_header_at_body_size_pdf(path, 6, {n: f"Definition {n + 10}" for n in range(1, 7)})
    text = load_pdf(path).text
    assert "Journal of Repeated Headers" not in text
    assert all(f"Definition {n + 10}" in text for n in range(1, 7))


def test_a_manuscripts_line_numbers_and_stamps_are_not_text(tmp_path: Path) -> None:
    # an accepted manuscript: "ACCEPTED MANUSCRIPT" atop each page at line spacing from the text and across it
    # in 48 points, each line numbered in the margin ("… was scored 22", a blank line's "24" alone)
    path = tmp_path / "manuscript.pdf"
    sentences = make_numbered_manuscript_pdf(path)
    text = re.sub(r"\s+", " ", load_pdf(path).text)
    assert all(sentence in text for sentence in sentences)
    assert MANUSCRIPT_STAMP not in text
    for sentence in sentences:
        text = text.replace(sentence, "")
    assert not text.strip(), text[:200]  # nothing else: no stamp, no line number
