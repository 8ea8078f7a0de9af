"""Metadata read right: authors without affiliation-marker glyphs, the paper's own DOI only, unknown titles."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from ingest.pdf.document import find_doi
from ingest.pdf.extract import Line
from ingest.pdf.structure import find_authors, is_masthead, plausible_title
from ingest.sources.pdf import load_pdf


def _line(text: str) -> Line:
    return Line(text, 0, 10.0, False, 700.0)


def test_marker_glyphs_are_not_part_of_names() -> None:
    # A text layer that cannot map an affiliation marker gives "□" (or a private-use code) in its place.
    lines = [_line("Ada Lovelace\u25a1, Alan Turing\u25a1\u2020 and Grace Hopper\uf8ff")]
    assert find_authors(lines) == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert find_authors([_line("Kyle Lo\u25a0 Zejiang Shen\u2709")]) == ["Kyle Lo", "Zejiang Shen"]


def test_doi_from_first_page_or_metadata_only() -> None:
    assert find_doi("Proc. XYZ 2021. https://doi.org/10.1145/3442188.3445922", {}, "") == "10.1145/3442188.3445922"
    assert find_doi("no identifier here", {"doi": "10.5555/own.1"}, "") == "10.5555/own.1"
    assert find_doi("nothing", {}, "") == ""


def test_an_arxiv_doi_must_name_the_papers_own_id() -> None:
    page1 = "arXiv:2101.00001v2 ... cite as https://doi.org/10.48550/arXiv.2109.99999"
    assert find_doi(page1, {}, "2101.00001v2") == ""
    assert find_doi("doi: 10.48550/arXiv.2101.00001", {}, "2101.00001v2") == "10.48550/arXiv.2101.00001"


def _pdf(path: Path, pages: list[list[str]]) -> Path:
    pdf = FPDF()
    for lines in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", "", 11)
        for k, text in enumerate(lines):
            pdf.set_xy(20, 30 + 7 * k)
            pdf.cell(0, 6, text)
    pdf.output(str(path))
    return path


def test_a_doi_in_the_reference_list_is_not_the_papers(tmp_path: Path) -> None:
    body = [f"Sentence {k} of the body says something ordinary about the method." for k in range(8)]
    refs = ["References", "[1] A. Author. Another paper. Journal, 2019. doi:10.1234/another.5678"]
    paper = load_pdf(_pdf(tmp_path / "paper.pdf", [["A Study of Careful Metadata", *body], refs]))
    assert "doi" not in paper.extra


def test_an_excerpt_starting_with_a_table_header_has_an_unknown_title(tmp_path: Path) -> None:
    lines = ["Model P R F1 P R F1", "GrobidCRF 40.6 38.3 39.1 81.2 76.7 78.9"]
    lines += [f"The excerpt goes on with sentence {k} about results in the table above." for k in range(6)]
    paper = load_pdf(_pdf(tmp_path / "excerpt.pdf", [lines]))
    assert paper.title == "excerpt" and paper.extra["title_unknown"] is True


def test_plausible_titles() -> None:
    assert plausible_title("Quantum Criticality for Extended Nodes on a Bethe Lattice")
    assert not plausible_title("Model Full Grobid Subset P R F1 P R F1")  # a table header
    assert not plausible_title("Docling bundles PDF document conversion to")  # a sentence's first line
    assert not plausible_title("The results are shown below.")
    # a title's short words are function words, not a table header's symbols
    assert plausible_title("QUANTILE REGRESSION IN R: A VIGNETTE")
    assert plausible_title("ON MULTIVARIATE t AND GAUSS PROBABILITIES IN R")


def test_a_journal_masthead_set_above_the_title_is_not_the_title(tmp_path: Path) -> None:
    """A Journal of Statistical Software article opens with the journal's name set larger than the title, over
    its volume and issue; the title is the line after."""
    pdf = FPDF()
    pdf.add_page()
    rows = [
        ("Journal of Statistical Software", "B", 28),
        ("August 2010, Volume 36, Issue 3. http://www.jstatsoft.org/", "", 10),
        ("Conducting Meta-Analyses with a Package", "B", 17),
        ("Wolfgang Viechtbauer", "B", 12),
    ]
    rows += [(f"Sentence {k} of the body says something ordinary about the method.", "", 11) for k in range(8)]
    y = 20.0
    for text, style, size in rows:
        pdf.set_font("Helvetica", style, size)
        pdf.set_xy(20, y)
        pdf.cell(0, size * 0.5, text)
        y += size * 0.6
    pdf.output(str(tmp_path / "jss.pdf"))
    assert load_pdf(tmp_path / "jss.pdf").title == "Conducting Meta-Analyses with a Package"
    assert is_masthead("Journal of Statistical Software", [_line("August 2010, Volume 36, Issue 3.")])
    assert not is_masthead("A Journal of Ideas: Writing Down What We Read", [_line("Wolfgang Viechtbauer")])


def test_a_logos_large_text_at_the_foot_of_the_page_is_not_the_title(tmp_path: Path) -> None:
    """A logo under the authors (PaSa's "Paper Search", in 28 points) is a figure drawn in its own coordinates:
    read among the first lines, it sits at the foot of the page, where no title is."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.text(30, 20, "PaSa: An LLM Agent for Comprehensive Academic Paper Search")
    pdf.set_font("Helvetica", "", 12)
    pdf.text(60, 28, "Yichen He, Guanhua Huang, Peiyuan Feng")
    pdf.set_font("Helvetica", "B", 28)
    pdf.text(20, 290, "Paper Search")
    pdf.set_font("Helvetica", "", 10)
    for k in range(20):
        pdf.text(20, 60 + 10 * k, f"Sentence {k} of the abstract says something ordinary about the agent.")
    pdf.output(str(tmp_path / "logo.pdf"))
    assert load_pdf(tmp_path / "logo.pdf").title == "PaSa: An LLM Agent for Comprehensive Academic Paper Search"
