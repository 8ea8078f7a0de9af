"""What a vignette's furniture must not become: its contents page is no passage, a plot's large labels are no
section headings, and a heading with its subsection right below it is no chunk of its own."""

from __future__ import annotations

from pathlib import Path

from ingest.chunking import chunk_paper
from ingest.models import Paper, Section
from ingest.pdf.contents import drop_contents, is_leader_entry
from ingest.pdf.extract import Line
from ingest.sources.pdf import load_pdf
from tests.pdf_factory import CONTENTS_ENTRIES, make_vignette_with_contents_pdf


def _lines(*texts: str, page: int = 0) -> list[Line]:
    return [Line(text, page, 10.0, False, 700.0 - 12 * k) for k, text in enumerate(texts)]


def test_contents_entries_go_and_the_text_a_contents_page_runs_into_stays() -> None:
    pages = [
        _lines(
            "Contents",
            "1 Introduction 2",
            "2 Changes for the package in release 1.8 3",
            "3 Species accumulation and beta diver-",
            "sity 6",
            "3.1 Fisher and Preston . . . 4",
            "7 Application: Using Evolutionary Models in",
            "Protein Alignments . . . . . . . . . . . 12",
            "This document describes how trees are simulated and ends with 2",
            "examples of use.",
        ),
        _lines("Chapter 1", "Competing risks", page=1),
    ]
    kept = [[line.text for line in lines] for lines in drop_contents(pages)]
    assert kept == [
        ["This document describes how trees are simulated and ends with 2", "examples of use."],
        ["Chapter 1", "Competing risks"],
    ]


def test_a_contents_heading_with_no_entries_is_kept_and_printed_dots_are_not_leaders() -> None:
    pages = [_lines("Contents", "The contents of the file are read line by line.", "[1,] . . . . 1 . 2")]
    assert [line.text for line in drop_contents(pages)[0]] == [line.text for line in pages[0]]
    assert is_leader_entry("Stratified Cox models . . . . . . . . . . 8")
    assert not is_leader_entry("[1,] . . . . 1 . 2")


def test_a_vignette_indexes_no_contents_no_plot_label_sections_and_no_bare_heading_chunks(tmp_path: Path) -> None:
    path = tmp_path / "vignette.pdf"
    make_vignette_with_contents_pdf(path)
    paper = load_pdf(path)
    titles = [s.title for s in paper.sections]
    assert "Contents" not in titles and ". . . ." not in paper.text
    for title, _ in CONTENTS_ENTRIES:  # each entry is found once: where its section starts
        assert paper.text.count(title) == 1, title
    # the plot's labels ("Empirical density", "Density") are no headings: the paragraph they interrupt
    # stays in "2.1 Setup"; the unnumbered heading set large over its text is one
    assert "Empirical density" not in titles and "Density" not in titles
    assert "Plotting the densities" in titles
    assert "Simulation of transitions between the states" in titles  # wrapped, read under its last line
    setup = next(s for s in paper.sections if s.title == "2.1 Setup")
    assert "The paragraph interrupted by the plot goes on here" in paper.text[setup.start : setup.end]
    chunks = chunk_paper(paper)
    assert not any(c.text.strip() == "2 Results" for c in chunks)
    # a float's section is its caption: a caption alone is a passage (what a figure shows)
    caption = Paper(id="pdf:2", title="T", text="Figure 1: Overview of the internals", sections=[])
    caption.sections = [Section("Figure 1: Overview of the internals", 0, len(caption.text), "figure")]
    assert [c.text for c in chunk_paper(caption)] == [caption.text]
    assert any(c.section == "2.1 Setup" and "setup sentence opens the results" in c.text for c in chunks)
